// Bundle entry for workflow specs: the production workflows plus test-only ones.
export * from '../workflows';
export { approvalRoutineWorkflow } from './approval-routine.workflow';
