export * from './payroll';
export * from './period';
export * from './exceptions';
export * from './snapshot';
export * from './prior-period';
export * from './changes';
export * from './schedule';
