// Input, Query and result of the monthly close workflow, id `close:<periodId>`.
// Decisions of its approval stages arrive through the shared `decide` Update (approval/messages.ts).
import { defineQuery, defineUpdate } from '@temporalio/workflow';

export type CloseState = 'freezing' | 'validating' | 'calculating' | 'in_review' | 'statements' | 'closed' | 'blocked' | 'failed';

/** Ids only: the period's inputs are frozen and read by activities. */
export interface CloseInput {
  periodId: string;
  /** The finance person who started the close (separation of duties keeps them off the approvals). */
  requesterId: string;
}

export interface CloseTotals {
  version: number;
  reps: number;
  payoutTotal: string;
  earningsTotal: string;
  negativeCount: number;
  /** Held payouts (not paid in this close, carried to the next period); absent before holds existed. */
  heldCount?: number;
  heldTotal?: string;
  /** Reps copied unchanged from the version before (not recalculated). */
  copied?: number;
}

export interface CloseStatus {
  state: CloseState;
  /** The calculation version under way or in review (0 before the first). */
  version: number;
  round: number;
  snapshot?: { id: string; hash: string; reps: number; deals: number };
  exceptions: { blocking: number; warnings: number };
  progress: { repsDone: number; repsTotal: number; step: string };
  /** Totals of every calculation version so far, oldest first. */
  versions: CloseTotals[];
  openStages: { id: string; label: string; approverIds: string[] }[];
  /** Each time the close went back to calculation: a reject, or a manager's adjustments and holds (`changes`). */
  returned?: { byId: string; stageId: string; comment?: string; at: string; version: number; kind?: 'reject' | 'changes'; adjustments?: number; holds?: number }[];
  /** The negative payouts of the version under review and how many finance has acknowledged. */
  negatives?: { count: number; acknowledged: number };
  statementsSent: number;
  failure?: { code: string; reason: string };
}

export const closeWorkflowId = (periodId: string): string => `close:${periodId}`;

export const closeStatusQuery = defineQuery<CloseStatus>('closeStatus');

/** Finance acknowledges one negative payout of the version under review (the finance approval waits for all of them). */
export interface AcknowledgeNegativeRequest {
  actorId: string;
  actorRoles: string[];
  personId: string;
  comment?: string;
  /** The request's Idempotency-Key (also the update id). */
  idempotencyKey: string;
}

export interface NegativeAcknowledgement {
  periodId: string;
  version: number;
  personId: string;
  payout: string;
  acknowledgedAt: string;
  /** Negative payouts of the version still waiting for an acknowledgement. */
  remaining: number;
}

export const acknowledgeNegativeUpdate = defineUpdate<NegativeAcknowledgement, [AcknowledgeNegativeRequest]>('acknowledgeNegative');
