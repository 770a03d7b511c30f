// Client side of generation 1: what the API and the worker send to a run started before the
// approval kernel, and how they read its answers. The Update names are the same in both
// generations; the requests here carry the fields of both, so a caller never needs to know
// which generation a run is on. Delete with the rest of legacy/gen1 once no such run is left.
import type { ApprovalStatus, QuotaSet } from '@quotaflow/domain';
import type { ApprovalDecisionRequest, DecisionReceipt } from '../../approval/messages';
import type { QuotaReviseRequest } from '../../quota-signoff/messages';
import { supersedeSignal } from './plan-acceptance.messages';

/** Generation 1 read a decline's or a rejection's reason from `reason`; the kernel reads `comment`. */
export function decisionRequestForEveryGeneration(request: ApprovalDecisionRequest): ApprovalDecisionRequest & { reason?: string } {
  return request.comment !== undefined ? { ...request, reason: request.comment } : request;
}

/** What a generation 1 run answered a decision with: the status of its workflow. */
interface Gen1DecisionAnswer {
  state: string;
  history?: unknown[];
  documentHash?: string;
  round?: number;
  version?: number;
}

const GEN1_APPROVAL_STATUS: Record<string, ApprovalStatus> = {
  // plan acceptance
  pending_manager: 'pending',
  pending_rep: 'pending',
  accepted: 'approved',
  declined: 'declined',
  expired: 'expired',
  superseded: 'cancelled',
  // quota sign-off
  in_review: 'pending',
  returned: 'returned',
  locked: 'approved',
  // territory change
  scheduled: 'approved',
  applied: 'approved',
  rejected: 'returned',
  cancelled: 'cancelled',
};

function isReceipt(answer: DecisionReceipt | Gen1DecisionAnswer): answer is DecisionReceipt {
  return typeof (answer as DecisionReceipt).stageId === 'string' && typeof (answer as DecisionReceipt).approvalStatus === 'string';
}

/**
 * The receipt of a decision, from either generation's answer. A generation 1 run answers with its
 * status: the receipt is built from the request and that status (`decidedAt` is when the answer
 * arrived; the run's own history holds its time).
 */
export function receiptOfAnyGeneration(
  answer: DecisionReceipt | Gen1DecisionAnswer,
  request: ApprovalDecisionRequest,
  subject: string,
  answeredAt: Date,
): DecisionReceipt {
  if (isReceipt(answer)) return answer;
  return {
    subject,
    stageId: request.stageId ?? '',
    decision: request.decision,
    round: answer.round ?? 1,
    step: 0,
    visit: 1,
    decidedAt: answeredAt.toISOString(),
    approvalStatus: GEN1_APPROVAL_STATUS[answer.state] ?? 'pending',
    ...(answer.documentHash ? { documentHash: answer.documentHash } : {}),
  };
}

/** A run's `status` Query answer comes from generation 1: only it carried its whole history. */
export function isGen1Status(status: unknown): boolean {
  return typeof status === 'object' && status !== null && Array.isArray((status as { history?: unknown }).history);
}

/**
 * Generation 1 took the revised set itself in `revise` (and stored the version it made of it); the
 * kernel's generation takes the number of the version the API stored (never the set: it would
 * grow the history by the whole set). For a generation 1 run both are sent.
 */
export function gen1ReviseRequest(request: QuotaReviseRequest, set: QuotaSet, previous: { personId: string; amount: string }[]): QuotaReviseRequest {
  return { ...request, set, previous } as QuotaReviseRequest;
}

/**
 * A `status` Query answer of either generation, in today's shape where they differ: generation 1
 * listed every stage and the ids of the open ones (`stages`, `openStageIds`); today's lists the
 * open stages (`openStages`). Other fields are the same or optional in both.
 */
export function statusOfAnyGeneration<T>(status: T): T {
  if (!isGen1Status(status)) return status;
  const old = status as { stages?: { id: string; label: string; approverIds?: string[] }[]; openStageIds?: string[] };
  const open = new Set(old.openStageIds ?? []);
  const openStages = (old.stages ?? []).filter((s) => open.has(s.id)).map((s) => ({ id: s.id, label: s.label, approverIds: s.approverIds ?? [] }));
  return { ...status, openStages };
}

/** Generation 1 took `supersede` as a Signal (the kernel takes an Update): for runs without the Update. */
export const gen1SupersedeSignal = supersedeSignal;

/** An Update refused because the run has no handler of that name (it is on an older generation). */
export function isUnknownUpdate(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = (e as { cause?: unknown }).cause, depth += 1) {
    if (/no (registered )?handler for update|update handler .* not (found|registered)|unknown update/i.test(e.message)) return true;
  }
  return false;
}
