// FROZEN: generation 1 (before the approval kernel). The production workflows branch here when
// `patched('approval-kernel')` is false, i.e. for runs started on the old code.
export { gen1PlanAcceptanceWorkflow } from './plan-acceptance.workflow';
export { gen1QuotaSignoffWorkflow } from './quota-signoff.workflow';
export { gen1TerritoryChangeWorkflow } from './territory-change.workflow';
export type { PlanAcceptanceInput as Gen1PlanAcceptanceInput } from './plan-acceptance.messages';
export type { QuotaSignoffInput as Gen1QuotaSignoffInput } from './quota-signoff.messages';
export type { TerritoryChangeInput as Gen1TerritoryChangeInput } from './territory-change.messages';
export type { PlanAcceptanceActivities as Gen1PlanAcceptanceActivities } from './plan-acceptance.activities';
export type { QuotaSignoffActivities as Gen1QuotaSignoffActivities } from './quota-signoff.activities';
export type { TerritoryChangeActivities as Gen1TerritoryChangeActivities } from './territory-change.activities';
export type { ApprovalTaskActivities as Gen1ApprovalTaskActivities } from './task-activities';
