// FROZEN: generation 1 (before the approval kernel). Replays and finishes workflows started
// before `approval-kernel` was patched in; never edit, only delete once no such run is left.
// Input, Updates and Query of the territory-change workflow (id `territory-change:<changeId>`).
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { QuotaAdjustmentSuggestion, TerritoryImpact } from '@quotaflow/domain';

export type TerritoryChangeState = 'requested' | 'in_review' | 'approved' | 'scheduled' | 'applied' | 'cancelled' | 'rejected';

export interface TerritoryChangeInput {
  changeId: string;
  requesterId: string;
  /** The requester's role for the audit trail (`ops` or `manager`). */
  requesterRole?: string;
  fromTerritoryId: string;
  toTerritoryId: string;
  /** For people: inbox lines and emails. */
  fromTerritoryName?: string;
  toTerritoryName?: string;
  accountIds: string[];
  /** YYYY-MM-DD; the change applies at 00:00 UTC of this day. */
  effectiveDate: string;
  reason: string;
  /** Finance signs off above this revenue moved (decimal string); without it the policy default. */
  financeThreshold?: string;
  /** Leave the suggested quota adjustment for the affected reps in the result and the audit trail. */
  openQuotaAdjustment?: boolean;
}

/** CONTRACTS.md "Approval inbox": the `decide` Update every approval workflow takes. */
export interface TerritoryDecisionRequest {
  actorId: string;
  actorRoles: string[];
  decision: 'approve' | 'reject';
  comment?: string;
  reason?: string;
  /** When given, the decision must be for this (open) stage. */
  stageId?: string;
  idempotencyKey?: string;
  ip?: string;
  userAgent?: string;
}

export interface TerritoryCancelRequest {
  actorId: string;
  actorRoles: string[];
  comment?: string;
}

export interface TerritoryChangeStageView {
  id: string;
  label: string;
  approverIds: string[];
  mode: 'any' | 'all';
  step?: number;
}

export interface TerritoryChangeHistoryEntry {
  at: string;
  event: string;
  actorId?: string;
  detail?: string;
}

export interface TerritoryChangeStatus {
  state: TerritoryChangeState;
  effectiveDate: string;
  impact?: TerritoryImpact;
  stages: TerritoryChangeStageView[];
  openStageIds: string[];
  decisions: { stageId: string; actorId: string; decision: string; comment?: string; at: string; visit: number }[];
  /** The next approval deadline while in review; the effective date (00:00 UTC) while scheduled. */
  nextDeadline?: string;
  /** Why it was returned to the requester (the rejecting comment) or could not be routed. */
  comment?: string;
  appliedAt?: string;
  cancelledById?: string;
  /** With `openQuotaAdjustment`: the suggestion only; the quota sign-off is a separate process. */
  quotaAdjustment?: { suggested: QuotaAdjustmentSuggestion[] };
  history: TerritoryChangeHistoryEntry[];
}

export const territoryChangeWorkflowId = (changeId: string): string => `territory-change:${changeId}`;

export const TERRITORY_CHANGE_CODES = {
  alreadyApplied: 'TERRITORY_CHANGE.ALREADY_APPLIED',
  alreadyCancelled: 'TERRITORY_CHANGE.ALREADY_CANCELLED',
  notPending: 'TERRITORY_CHANGE.NOT_PENDING',
} as const;

export const territoryDecideUpdate = defineUpdate<TerritoryChangeStatus, [TerritoryDecisionRequest]>('decide');
export const territoryCancelUpdate = defineUpdate<TerritoryChangeStatus, [TerritoryCancelRequest]>('cancel');
export const territoryStatusQuery = defineQuery<TerritoryChangeStatus>('status');
