// The one decision every approval workflow takes: Update `decide` with one request type.
// The API sends it to the workflow an inbox task names (a plan acceptance, a quota sign-off, a
// territory change, a close, or one of their step children); the Idempotency-Key is the update id.
import { defineUpdate } from '@temporalio/workflow';
import type { ApprovalDecision, ApprovalStatus } from '@quotaflow/domain';

export interface ApprovalDecisionRequest {
  actorId: string;
  /** The caller's roles as the API loaded them (recorded; routing never trusts them). */
  actorRoles: string[];
  decision: ApprovalDecision;
  /** Required for reject, decline and request-adjustment. */
  comment?: string;
  /**
   * A request-adjustment's proposal in the subject's own shape (a close: the adjustments and holds
   * a manager asks for), checked by the subject's decision check; refused for any other decision.
   */
  data?: Record<string, unknown>;
  /** When given, the decision must be for this open stage (the inbox task's). */
  stageId?: string;
  /** The request's Idempotency-Key (also the update id): one decision per key. */
  idempotencyKey: string;
  /** Recorded with the decision: the e-signature's "from where". */
  ip?: string;
  userAgent?: string;
}

/** What the caller learns about its own decision (a few hundred bytes, never the whole request). */
export interface DecisionReceipt {
  subject: string;
  stageId: string;
  decision: ApprovalDecision;
  round: number;
  step: number;
  visit: number;
  decidedAt: string;
  /** The approval's status right after the decision: `pending` while later stages wait. */
  approvalStatus: ApprovalStatus;
  /** Plan acceptance: the hash of the document the rep decided on. */
  documentHash?: string;
}

export const decideUpdate = defineUpdate<DecisionReceipt, [ApprovalDecisionRequest]>('decide');
