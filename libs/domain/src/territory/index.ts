export * from './types';
export * from './hierarchy';
export * from './impact';
