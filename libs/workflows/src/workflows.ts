// Entry of the workflow bundle: every export here is a workflow type the worker registers.
export { planAcceptanceWorkflow } from './plan-acceptance/plan-acceptance.workflow';
export { quotaSignoffWorkflow } from './quota-signoff/quota-signoff.workflow';
export { territoryChangeWorkflow } from './territory-change/territory-change.workflow';
export { approvalStepWorkflow } from './approval/step.workflow';
export { publishWorkflow } from './publish/publish.workflow';
export { importWorkflow } from './import/import.workflow';
export { closeWorkflow } from './close/close.workflow';
export { statementResendWorkflow } from './close/statement-resend.workflow';
export { scheduledCloseWorkflow } from './close/scheduled-close.workflow';
