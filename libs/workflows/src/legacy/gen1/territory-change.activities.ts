// FROZEN: generation 1 (before the approval kernel). Replays and finishes workflows started
// before `approval-kernel` was patched in; never edit, only delete once no such run is left.
// Activity interfaces of the territory change (types only: implementations live in apps/worker).
import type { Organisation, TerritoryImpact } from '@quotaflow/domain';
import type { ApprovalTaskActivities } from './task-activities';
import type { PlanAcceptanceActivities } from './plan-acceptance.activities';
import type { TerritoryChangeStageView, TerritoryChangeState } from './territory-change.messages';

export interface ComputeTerritoryImpactInput {
  changeId: string;
  /** Last day of the trailing twelve months (workflow date, so a retry computes the same). */
  asOf: string;
}

export interface ComputeTerritoryImpactResult {
  impact: TerritoryImpact;
  /** Snapshot for routing: people, teams and territories as they are now. */
  organisation: Organisation;
}

export interface SetTerritoryChangeStateInput {
  changeId: string;
  status: TerritoryChangeState;
  impact?: TerritoryImpact;
  stages?: TerritoryChangeStageView[];
  /** `null` clears it. */
  nextDeadline?: string | null;
  comment?: string | null;
  decidedAt?: string;
  cancelledById?: string;
  cancelledAt?: string;
}

export interface ApplyTerritoryChangeInput {
  changeId: string;
  /** Workflow time of the apply, recorded as `applied_at`. */
  appliedAt: string;
}

export interface ApplyTerritoryChangeResult {
  accountsMoved: number;
  /** True when an earlier attempt had already applied it (nothing changed this time). */
  alreadyApplied: boolean;
}

export interface TerritoryChangeActivities {
  computeTerritoryChangeImpact(input: ComputeTerritoryImpactInput): Promise<ComputeTerritoryImpactResult>;
  setTerritoryChangeState(input: SetTerritoryChangeStateInput): Promise<void>;
  applyTerritoryChange(input: ApplyTerritoryChangeInput): Promise<ApplyTerritoryChangeResult>;
}

/** Everything the workflow calls: its own activities, the audit and the approval inbox. */
export type TerritoryChangeWorkflowActivities = TerritoryChangeActivities & Pick<PlanAcceptanceActivities, 'recordAudit'> & ApprovalTaskActivities;
