export * from './describe-plan';
