// Input, Updates and Query of the quota sign-off workflow, id `quota-signoff:<quotaSetId>`
// (a mid-period change of a locked set: `quota-signoff:<quotaSetId>:v<version>`).
// Decisions arrive through the shared `decide` Update (approval/messages.ts).
import { defineQuery, defineUpdate } from '@temporalio/workflow';

export type QuotaSetState = 'draft' | 'in_review' | 'returned' | 'locked' | 'superseded' | 'failed';

/** Ids only: the organisation, the set's lines and the finance review are read by activities. */
export interface QuotaSignoffInput {
  quotaSetId: string;
  /** The version under review (already stored by the API). */
  version: number;
  requesterId: string;
  periodId: string;
  /** A change of a locked set: its workflow id carries the version. */
  midPeriod?: boolean;
}

/** A team's manager moves quota between their reps during their stage; the team total stays. */
export interface QuotaAdjustRequest {
  actorId: string;
  actorRoles: string[];
  teamId: string;
  changes: { personId: string; amount: string }[];
  comment: string;
}

export interface QuotaAdjustResult {
  version: number;
  teamId: string;
}

/** Ops sends a returned set through again: the new version is already stored by the API. */
export interface QuotaReviseRequest {
  actorId: string;
  actorRoles: string[];
  version: number;
  comment: string;
}

export interface QuotaReviseResult {
  version: number;
  round: number;
}

export interface QuotaSignoffStatus {
  state: QuotaSetState;
  /** The version the workflow submitted (a manager's adjustment makes newer ones: see the set). */
  version: number;
  /** Rounds of review: a return to ops and a resubmission open the next one. */
  round: number;
  step?: number;
  openStages: { id: string; label: string; approverIds: string[] }[];
  /** A step with many stages (every rep's acknowledgement) runs in child workflows. */
  delegated?: { step: number; stageCount: number; label: string };
  flagged: boolean;
  flaggedCount: number;
  returned?: { byId: string; stageId: string; comment?: string; at: string };
  nextDeadline?: string;
  failure?: { code: string; reason: string };
}

export const quotaSignoffWorkflowId = (quotaSetId: string, version?: number): string =>
  version === undefined ? `quota-signoff:${quotaSetId}` : `quota-signoff:${quotaSetId}:v${version}`;

export const quotaAdjustUpdate = defineUpdate<QuotaAdjustResult, [QuotaAdjustRequest]>('adjust');
export const quotaReviseUpdate = defineUpdate<QuotaReviseResult, [QuotaReviseRequest]>('revise');
export const quotaStatusQuery = defineQuery<QuotaSignoffStatus>('status');
