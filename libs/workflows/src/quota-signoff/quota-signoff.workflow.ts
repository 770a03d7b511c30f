/**
 * Quota sign-off, id `quota-signoff:<quotaSetId>` (a mid-period change of a locked set:
 * `quota-signoff:<quotaSetId>:v<version>`, a new workflow, so each locked version has its own history).
 *
 * 1. audit `submitted`; route the round with the policy (activity): every team's manager in
 *    parallel (may `adjust` the split during their stage) → finance → every rep acknowledges;
 *    steps with many stages (a rep each) run in step children, so the history stays bounded;
 * 2. the kernel runs the round: decisions through `decide`, answered once durable;
 * 3. a reject from the team stage returns the set to ops, who store a new version and send
 *    Update `revise`: the next round, same workflow;
 * 4. acknowledgements past their deadline: the manager is told, the set locks anyway, flagged;
 * 5. lock (activity): the current version is in force and immutable; requester and reps told.
 * A permanent failure (the data cannot be stored) ends it `failed`, and ops are alerted.
 *
 * Changing this file: wrap changed steps in `patched('<id>')`, record new histories under
 * `__histories__` (the replay spec replays every file there). Runs started before the approval
 * kernel finish on generation 1 (`legacy/gen1`).
 */
import { allHandlersFinished, condition, patched, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import { findInvalidCharacter } from '@quotaflow/domain';
import type { ApprovalActivities } from '../approval/activities';
import { BULK_WORK, DATABASE_WORK, MAIL_WORK } from '../approval/activity-options';
import { QUOTA_SET_CODES } from '../approval/codes';
import { ApprovalDesk } from '../approval/desk';
import { permanentFailureOf, refuse } from '../approval/failures';
import { APPROVAL_KERNEL_PATCH } from '../approval/patches';
import { gen1QuotaSignoffWorkflow, type Gen1QuotaSignoffInput } from '../legacy/gen1';
import { installStageExtensions } from '../stage-extensions';
import type { QuotaSignoffActivities } from './activities';
import {
  quotaReviseUpdate,
  quotaStatusQuery,
  type QuotaReviseRequest,
  type QuotaSetState,
  type QuotaSignoffInput,
  type QuotaSignoffStatus,
} from './messages';

const db = proxyActivities<Pick<QuotaSignoffActivities, 'beginQuotaSignoff' | 'acceptQuotaRevision'> & Pick<ApprovalActivities, 'reportWorkflowFailure' | 'cancelOpenApprovalTasks'>>(DATABASE_WORK);
const mail = proxyActivities<Pick<QuotaSignoffActivities, 'returnQuotaSet'>>(MAIL_WORK);
const bulk = proxyActivities<Pick<QuotaSignoffActivities, 'routeQuotaSignoff' | 'lockQuotaVersion'>>(BULK_WORK);

export async function quotaSignoffWorkflow(input: QuotaSignoffInput | Gen1QuotaSignoffInput): Promise<QuotaSignoffStatus> {
  if (!patched(APPROVAL_KERNEL_PATCH)) {
    return (await gen1QuotaSignoffWorkflow(input as Gen1QuotaSignoffInput)) as unknown as QuotaSignoffStatus;
  }
  const { quotaSetId } = input as QuotaSignoffInput;
  const { workflowId, runId } = workflowInfo();
  const subject = `quota-set:${quotaSetId}`;
  const desk = new ApprovalDesk({ subject, subjectType: 'quota-set', codes: QUOTA_SET_CODES });
  installStageExtensions('quota-set', desk, { subject });
  let requesterId = input.requesterId;
  let version = input.version;
  let state: QuotaSetState = 'in_review';
  let round = 0;
  let flaggedCount = 0;
  let returned: QuotaSignoffStatus['returned'];
  let revision: QuotaReviseRequest | undefined;
  let failure: QuotaSignoffStatus['failure'];
  const now = () => new Date().toISOString();
  const where = () => ({ quotaSetId, workflowId, runId, at: now() });

  const status = (): QuotaSignoffStatus => {
    const view = desk.view();
    return {
      state,
      version,
      round,
      ...(view.step !== undefined && state === 'in_review' ? { step: view.step } : {}),
      openStages: state === 'in_review' ? view.openStages : [],
      ...(state === 'in_review' && view.delegated ? { delegated: view.delegated } : {}),
      flagged: flaggedCount > 0,
      flaggedCount,
      ...(returned ? { returned } : {}),
      ...(state === 'in_review' && view.nextDeadline ? { nextDeadline: view.nextDeadline } : {}),
      ...(failure ? { failure } : {}),
    };
  };
  setHandler(quotaStatusQuery, status);

  setHandler(
    quotaReviseUpdate,
    (request) => {
      revision = request;
      return { version: request.version, round: round + 1 };
    },
    {
      validator: (request) => {
        if (!request || typeof request.actorId !== 'string' || request.actorId === '') refuse('VALIDATION.FAILED', 'actorId is required.', 'actorId');
        if (!Array.isArray(request.actorRoles) || !request.actorRoles.includes('ops')) refuse('AUTH.FORBIDDEN', 'Sales operations revise a returned quota set.', 'actorId');
        if (state !== 'returned' || revision) refuse('QUOTA_SET.NOT_PENDING', `The quota set is ${state}; only a returned set takes a revision.`);
        if (!Number.isInteger(request.version) || request.version <= version) refuse('VALIDATION.FAILED', `version must be above ${version}.`, 'version');
        if (typeof request.comment !== 'string' || request.comment.trim() === '') refuse('VALIDATION.FAILED', 'A revision needs a comment.', 'comment');
        const bad = findInvalidCharacter(request.comment);
        if (bad) refuse('VALIDATION.FAILED', `comment: ${bad.reason} (${bad.codePoint}).`, 'comment');
      },
    },
  );

  try {
    await db.beginQuotaSignoff({ ...where(), version, requesterId, midPeriod: input.midPeriod === true });
    for (;;) {
      round += 1;
      const route = await bulk.routeQuotaSignoff({ ...where(), version, requesterId, round });
      const outcome = await desk.run(route, round);
      if (outcome.status === 'returned') {
        const decision = outcome.decision!;
        state = 'returned';
        returned = { byId: decision.actorId, stageId: decision.stageId, ...(decision.comment !== undefined ? { comment: decision.comment } : {}), at: decision.at };
        await mail.returnQuotaSet({ ...where(), round, requesterId, decision });
        await condition(() => revision !== undefined);
        const next = revision!;
        await db.acceptQuotaRevision({ ...where(), version: next.version, actorId: next.actorId, comment: next.comment, round: round + 1 });
        version = next.version;
        requesterId = next.actorId;
        revision = undefined;
        returned = undefined;
        state = 'in_review';
        continue;
      }
      if (outcome.status === 'approved') {
        flaggedCount = outcome.flaggedCount;
        const locked = await bulk.lockQuotaVersion({ ...where(), requesterId, flagged: flaggedCount > 0, flaggedCount });
        version = locked.version;
        state = 'locked';
      } else {
        // Quota stages neither expire nor take a decline; kept explicit should the policy change.
        throw new Error(`quota sign-off ended ${outcome.status}`);
      }
      break;
    }
  } catch (error) {
    const permanent = permanentFailureOf(error);
    if (!permanent) throw error;
    state = 'failed';
    failure = permanent;
    await db.reportWorkflowFailure({ subject, subjectType: 'quota-set', workflowId, runId, ...permanent, occurredAt: now() });
  }
  await db.cancelOpenApprovalTasks({ workflowId, status: 'cancelled' });
  await condition(allHandlersFinished);
  return status();
}
