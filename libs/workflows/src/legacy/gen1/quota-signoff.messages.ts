// FROZEN: generation 1 (before the approval kernel). Replays and finishes workflows started
// before `approval-kernel` was patched in; never edit, only delete once no such run is left.
// Input, Updates and Query of the quota sign-off workflow (CONTRACTS.md "Approval inbox").
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { Organisation, QuotaReview, QuotaSet } from '@quotaflow/domain';
import type { QuotaSetState } from './quota-signoff.activities';

export const DEFAULT_CHANGE_PERCENT_FLAG = '20';

export interface QuotaSignoffInput {
  quotaSetId: string;
  /** The version under review (already stored by the API). */
  version: number;
  requesterId: string;
  periodId: string;
  /** `periodLabel` is the period id; every rep's line names their team. */
  set: QuotaSet;
  /** Last period's locked quotas, for finance's change flags. */
  previous?: { personId: string; amount: string }[];
  /** A rep's change above this percent of last period is flagged (default 20). */
  changePercentFlag?: string;
  /** Organisation snapshot the stages are routed on (taken at submission). */
  org: Organisation;
  /** A change of a locked set: its workflow id carries the version. */
  midPeriod?: boolean;
}

/** `decide` (CONTRACTS "Approval inbox"): approve/reject for managers and finance, acknowledge for reps. */
export interface QuotaDecisionRequest {
  actorId: string;
  actorRoles: string[];
  decision: 'approve' | 'reject' | 'acknowledge' | 'accept' | 'decline';
  comment?: string;
  reason?: string;
  stageId?: string;
  idempotencyKey?: string;
  ip?: string;
  userAgent?: string;
}

/** A team's manager moves quota between their reps; the team total stays. */
export interface QuotaAdjustRequest {
  actorId: string;
  actorRoles: string[];
  teamId: string;
  changes: { personId: string; amount: string }[];
  comment: string;
}

/** Ops sends a returned set through again as a new version. */
export interface QuotaReviseRequest {
  actorId: string;
  actorRoles: string[];
  set: QuotaSet;
  previous?: { personId: string; amount: string }[];
  org?: Organisation;
  comment?: string;
}

export interface QuotaStageStatus {
  id: string;
  label: string;
  step: number;
  approverIds: string[];
  state: 'waiting' | 'open' | 'done' | 'flagged';
}

export interface QuotaHistoryEntry {
  at: string;
  event: string;
  actorId?: string;
  stageId?: string;
  version?: number;
  comment?: string;
}

export interface QuotaSignoffStatus {
  state: QuotaSetState | 'failed';
  version: number;
  /** Rounds of review: a return to ops and a resubmission open the next one. */
  round: number;
  stages: QuotaStageStatus[];
  openStageIds: string[];
  review: QuotaReview;
  flagged: boolean;
  flaggedStageIds: string[];
  returned?: { byId: string; stageId: string; comment?: string; at: string };
  nextDeadline?: string;
  history: QuotaHistoryEntry[];
}

export const quotaSignoffWorkflowId = (quotaSetId: string, version?: number): string =>
  version === undefined ? `quota-signoff:${quotaSetId}` : `quota-signoff:${quotaSetId}:v${version}`;

export const quotaDecideUpdate = defineUpdate<QuotaSignoffStatus, [QuotaDecisionRequest]>('decide');
export const quotaAdjustUpdate = defineUpdate<QuotaSignoffStatus, [QuotaAdjustRequest]>('adjust');
export const quotaReviseUpdate = defineUpdate<QuotaSignoffStatus, [QuotaReviseRequest]>('revise');
export const quotaStatusQuery = defineQuery<QuotaSignoffStatus>('status');
