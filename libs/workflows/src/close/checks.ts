// The close's decision checks in the Update validator (the API ran the same domain check first,
// with the team of each rep; here what the workflow knows is checked again).
import { checkCloseChanges, isDomainError, type ApprovalStage, type CloseChanges } from '@quotaflow/domain';
import type { ApprovalDecisionRequest } from '../approval/messages';
import { refuse } from '../approval/failures';

/** A team manager's request-adjustment carries the adjustments and holds, checked; nothing else does. */
export function checkCloseChangeRequest(request: ApprovalDecisionRequest, stage: ApprovalStage): void {
  if (request.decision !== 'request-adjustment') return;
  if (!stage.id.startsWith('team:')) refuse('VALIDATION.FAILED', 'Only a team review asks for adjustments and holds.', 'decision');
  if (request.data === undefined) refuse('VALIDATION.FAILED', 'A request-adjustment of a close names the adjustments and holds.', 'data');
  closeChangesOf(request);
}

/** The request's changes (the validator accepted them). */
export function closeChangesOf(request: Pick<ApprovalDecisionRequest, 'actorId' | 'data'>): CloseChanges {
  try {
    return checkCloseChanges(request.data, { actorId: request.actorId });
  } catch (e) {
    if (!isDomainError(e)) throw e;
    const field = (e.details as { field?: string } | undefined)?.field;
    return refuse(e.code, e.message, field);
  }
}
