export * from './types';
export * from './organisation';
export * from './policy';
export * from './separation-of-duties';
export * from './approval-state';
