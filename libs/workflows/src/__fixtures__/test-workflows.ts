// Bundle entry for workflow specs: the production workflows, as the worker registers them.
export * from '../workflows';
