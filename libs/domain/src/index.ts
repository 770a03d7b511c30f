export * from './errors';
export * from './plan-language';
export * from './approvals';
export * from './quota';
export * from './territory';
export * from './crediting';
export * from './csv';
