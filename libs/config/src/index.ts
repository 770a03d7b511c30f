export * from './config';
export * from './tokens';
export * from './secret-strength';
export * from './fault-hooks';
