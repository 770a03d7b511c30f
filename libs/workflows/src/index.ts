// Public surface of the workflows lib: messages and types for the API, workflows for the worker.
export * from './approval/types';
export * from './approval/run-stages';
export * from './approval/task-activities';
export * from './plan-acceptance/messages';
export * from './plan-acceptance/activities';
export * from './quota-signoff/messages';
export * from './quota-signoff/activities';
export { quotaSignoffWorkflow, approverRoleOf as quotaApproverRoleOf } from './quota-signoff/quota-signoff.workflow';
export { planAcceptanceWorkflow, planAcceptanceStages, PLAN_ACCEPTANCE_CODES, MANAGER_STAGE_ID, REP_STAGE_ID } from './plan-acceptance/plan-acceptance.workflow';
export * from './territory-change/messages';
export * from './territory-change/activities';
export { territoryChangeWorkflow, stageView as territoryChangeStageView } from './territory-change/territory-change.workflow';
export * from './import/messages';
export * from './import/activities';
export { importWorkflow, importStatusQuery } from './import/import.workflow';
