export * from './entities';
export { MIGRATIONS } from './migrations';
export * from './data-source';
export * from './naming.strategy';
export * from './canonical-json';
export * from './plan-document';
export * from './services/audit-log.service';
export * from './services/email-outbox.service';
export * from './imports';
