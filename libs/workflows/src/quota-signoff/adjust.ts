/**
 * Update `adjust`: during their team's stage, the team's manager moves quota between their reps
 * (the team total stays). The validator checks who and when (the stage is open and waits for
 * them); the activity checks the amounts against the stored version and writes the new version
 * atomically (a refusal there comes back as the Update's error, with its code).
 */
import { ActivityFailure, ApplicationFailure, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import { findInvalidCharacter } from '@quotaflow/domain';
import { DATABASE_WORK } from '../approval/activity-options';
import type { StageHost } from '../approval/stage-host';
import { refuse } from '../approval/failures';
import type { QuotaSignoffActivities } from './activities';
import { quotaAdjustUpdate, type QuotaAdjustRequest } from './messages';

const quota = proxyActivities<Pick<QuotaSignoffActivities, 'adjustQuotaTeam'>>(DATABASE_WORK);

const MONEY = /^\d{1,16}(\.\d{1,2})?$/;

function validate(desk: StageHost, request: QuotaAdjustRequest): void {
  if (!request || typeof request.actorId !== 'string' || request.actorId === '') refuse('VALIDATION.FAILED', 'actorId is required.', 'actorId');
  if (typeof request.teamId !== 'string' || request.teamId === '') refuse('VALIDATION.FAILED', 'teamId is required.', 'teamId');
  if (!Array.isArray(request.changes) || request.changes.length === 0) refuse('VALIDATION.FAILED', 'changes must list at least one rep.', 'changes');
  request.changes.forEach((c, i) => {
    if (!c || typeof c.personId !== 'string' || typeof c.amount !== 'string' || !MONEY.test(c.amount)) {
      refuse('VALIDATION.FAILED', `changes[${i}] needs a personId and an amount with at most 2 decimals.`, `changes[${i}]`);
    }
  });
  if (typeof request.comment !== 'string' || request.comment.trim() === '') refuse('VALIDATION.FAILED', 'An adjustment needs a comment.', 'comment');
  const bad = findInvalidCharacter(request.comment);
  if (bad) refuse('VALIDATION.FAILED', `comment: ${bad.reason} (${bad.codePoint}).`, 'comment');
  if (!desk.isOpen) refuse('APPROVAL.NOT_PENDING', 'The quota set is not in review.');
  if (!desk.isApproverOf(request.actorId, `team:${request.teamId}`)) {
    refuse('AUTH.NOT_AN_APPROVER', `Only the manager signing off team ${request.teamId} may adjust its split.`, 'actorId');
  }
  if (!desk.isOpenFor(request.actorId, `team:${request.teamId}`)) {
    refuse('APPROVAL.WRONG_STAGE', `Team ${request.teamId}'s stage is not waiting for you: adjustments happen during it, by its manager.`, 'teamId');
  }
}

export function installQuotaAdjustment(desk: StageHost, subject: string): void {
  const quotaSetId = subject.replace(/^quota-set:/, '');
  setHandler(
    quotaAdjustUpdate,
    (request) =>
      desk.runExclusive(async () => {
        const { workflowId, runId } = workflowInfo();
        try {
          return await quota.adjustQuotaTeam({
            quotaSetId,
            teamId: request.teamId,
            actorId: request.actorId,
            changes: request.changes,
            comment: request.comment,
            at: new Date().toISOString(),
            workflowId,
            runId,
          });
        } catch (e) {
          // The amounts broke a rule (team total changed, a rep outside the team): the caller hears why.
          if (e instanceof ActivityFailure && e.cause instanceof ApplicationFailure) throw e.cause;
          throw e;
        }
      }),
    { validator: (request) => validate(desk, request) },
  );
}
