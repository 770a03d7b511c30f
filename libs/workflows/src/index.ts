// Public surface of the workflows lib: typed definitions (workflow functions, Updates, Queries,
// Signals) for the API, activity contracts for the worker.
export * from './approval/types';
export * from './approval/messages';
export * from './approval/activities';
export * from './approval/limits';
export * from './approval/codes';
export * from './approval/patches';
export type { ApprovalStepInput, ApprovalStepResult } from './approval/step.types';
export * from './plan-acceptance/messages';
export * from './plan-acceptance/activities';
export * from './quota-signoff/messages';
export * from './quota-signoff/activities';
export * from './territory-change/messages';
export * from './territory-change/activities';
export { MANAGER_STAGE_ID, REP_STAGE_ID, planAcceptanceWorkflow } from './plan-acceptance/plan-acceptance.workflow';
export { quotaSignoffWorkflow } from './quota-signoff/quota-signoff.workflow';
export { territoryChangeWorkflow } from './territory-change/territory-change.workflow';
export { approvalStepWorkflow } from './approval/step.workflow';
export type * from './legacy/gen1';
export {
  decisionRequestForEveryGeneration, gen1ReviseRequest, gen1SupersedeSignal, isGen1Status, isUnknownUpdate, receiptOfAnyGeneration, statusOfAnyGeneration,
} from './legacy/gen1/compat';
export * from './publish/messages';
export * from './publish/activities';
export { publishWorkflow } from './publish/publish.workflow';
export * from './import/messages';
export * from './import/activities';
export { importWorkflow, importStatusQuery } from './import/import.workflow';
export * from './close/messages';
export * from './close/activities';
export { closeWorkflow, CLOSE_BATCH_SIZE, CLOSE_CONCURRENCY } from './close/close.workflow';
export * from './close/resend';
export { statementResendWorkflow } from './close/statement-resend.workflow';
export * from './close/schedule';
export { scheduledCloseWorkflow } from './close/scheduled-close.workflow';
