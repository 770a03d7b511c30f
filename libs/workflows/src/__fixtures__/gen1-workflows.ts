// Bundle entry of a worker that still runs generation 1 (before the approval kernel): the
// compatibility spec starts workflows on it, then finishes them on the production bundle.
export { gen1PlanAcceptanceWorkflow as planAcceptanceWorkflow } from '../legacy/gen1/plan-acceptance.workflow';
export { gen1QuotaSignoffWorkflow as quotaSignoffWorkflow } from '../legacy/gen1/quota-signoff.workflow';
export { gen1TerritoryChangeWorkflow as territoryChangeWorkflow } from '../legacy/gen1/territory-change.workflow';
