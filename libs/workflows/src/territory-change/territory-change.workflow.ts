/**
 * Territory change, id `territory-change:<changeId>`.
 *
 * 1. route (activity): audit `requested`, the impact over the database rows (trailing revenue,
 *    open pipeline, reps and managers affected, suggested quota shift — SQL, any number of
 *    accounts) and the stages by the policy: both territory managers (all must approve) → ops →
 *    finance above the organisation's threshold (a request may only lower it);
 * 2. the kernel runs the stages; a reject steps back one stage (from the first: back to the
 *    requester, the change ends `rejected`);
 * 3. approved → `scheduled`: a durable timer to the effective date 00:00 UTC; the requester or
 *    ops may cancel (Update `cancel`) until the apply starts;
 * 4. apply (activity, idempotent by change id) → `applied`.
 * A permanent failure ends it `failed`, and ops are alerted.
 *
 * Changing this file: wrap changed steps in `patched('<id>')`, record new histories under
 * `__histories__`. Runs started before the approval kernel finish on generation 1 (`legacy/gen1`).
 */
import { allHandlersFinished, condition, patched, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import { findInvalidCharacter } from '@quotaflow/domain';
import type { ApprovalActivities } from '../approval/activities';
import { BULK_WORK, DATABASE_WORK, MAIL_WORK } from '../approval/activity-options';
import { TERRITORY_CHANGE_APPROVAL_CODES } from '../approval/codes';
import { ApprovalDesk } from '../approval/desk';
import { permanentFailureOf, refuse } from '../approval/failures';
import { APPROVAL_KERNEL_PATCH } from '../approval/patches';
import { gen1TerritoryChangeWorkflow, type Gen1TerritoryChangeInput } from '../legacy/gen1';
import type { TerritoryChangeActivities } from './activities';
import {
  TERRITORY_CHANGE_CODES,
  territoryCancelUpdate,
  territoryStatusQuery,
  type TerritoryCancelRequest,
  type TerritoryChangeInput,
  type TerritoryChangeState,
  type TerritoryChangeStatus,
} from './messages';

const db = proxyActivities<Pick<TerritoryChangeActivities, 'scheduleTerritoryChange'> & Pick<ApprovalActivities, 'reportWorkflowFailure'>>(DATABASE_WORK);
const mail = proxyActivities<Pick<TerritoryChangeActivities, 'finishTerritoryChange'>>(MAIL_WORK);
const bulk = proxyActivities<Pick<TerritoryChangeActivities, 'routeTerritoryChange' | 'applyTerritoryMoves'>>(BULK_WORK);

export async function territoryChangeWorkflow(input: TerritoryChangeInput | Gen1TerritoryChangeInput): Promise<TerritoryChangeStatus> {
  if (!patched(APPROVAL_KERNEL_PATCH)) {
    return (await gen1TerritoryChangeWorkflow(input as Gen1TerritoryChangeInput)) as unknown as TerritoryChangeStatus;
  }
  const { changeId, requesterId } = input;
  const { workflowId, runId } = workflowInfo();
  const subject = `territory-change:${changeId}`;
  const desk = new ApprovalDesk({ subject, subjectType: 'territory-change', codes: TERRITORY_CHANGE_APPROVAL_CODES });
  let state: TerritoryChangeState = 'requested';
  let effectiveDate: string | undefined;
  let scheduledFor: string | undefined;
  let appliedAt: string | undefined;
  let comment: string | undefined;
  let cancelRequest: TerritoryCancelRequest | undefined;
  let applying = false;
  let failure: TerritoryChangeStatus['failure'];
  const now = () => new Date().toISOString();
  const where = () => ({ changeId, workflowId, runId, at: now() });

  const status = (): TerritoryChangeStatus => {
    const view = desk.view();
    const nextDeadline = state === 'scheduled' ? scheduledFor : state === 'in_review' ? view.nextDeadline : undefined;
    return {
      state,
      ...(effectiveDate ? { effectiveDate } : {}),
      ...(state === 'in_review' && view.step !== undefined ? { step: view.step } : {}),
      openStages: state === 'in_review' ? view.openStages : [],
      decisions: view.decisions.map(({ stageId, actorId, decision, comment: c, at, visit }) => ({ stageId, actorId, decision, ...(c !== undefined ? { comment: c } : {}), at, visit })),
      ...(nextDeadline ? { nextDeadline } : {}),
      ...(comment !== undefined ? { comment } : {}),
      ...(appliedAt ? { appliedAt } : {}),
      ...(cancelRequest && state === 'cancelled' ? { cancelledById: cancelRequest.actorId } : {}),
      ...(failure ? { failure } : {}),
    };
  };
  setHandler(territoryStatusQuery, status);

  setHandler(
    territoryCancelUpdate,
    async (request) => {
      cancelRequest = request;
      desk.cancel();
      // Answer once the cancellation is recorded (or the change ended otherwise meanwhile).
      await condition(() => state === 'cancelled' || state === 'rejected' || state === 'failed' || state === 'applied');
      return { state, cancelledById: request.actorId };
    },
    {
      validator: (request) => {
        if (!request || typeof request.actorId !== 'string' || request.actorId === '') refuse('VALIDATION.FAILED', 'actorId is required.', 'actorId');
        if (!Array.isArray(request.actorRoles)) refuse('VALIDATION.FAILED', 'actorRoles is required.', 'actorRoles');
        if (request.comment !== undefined) {
          if (typeof request.comment !== 'string' || request.comment.length > 2000) refuse('VALIDATION.FAILED', 'comment must be text of at most 2000 characters.', 'comment');
          const bad = findInvalidCharacter(request.comment);
          if (bad) refuse('VALIDATION.FAILED', `comment: ${bad.reason} (${bad.codePoint}).`, 'comment');
        }
        if (request.actorId !== requesterId && !request.actorRoles.includes('ops')) {
          refuse('AUTH.FORBIDDEN', 'Only the requester or sales operations may cancel a territory change.', 'actorId');
        }
        if (applying || state === 'applied') refuse(TERRITORY_CHANGE_CODES.alreadyApplied, 'This territory change has already been applied.');
        if (state === 'cancelled' || cancelRequest) refuse(TERRITORY_CHANGE_CODES.alreadyCancelled, 'This territory change has been cancelled.');
        if (state === 'rejected' || state === 'failed') refuse(TERRITORY_CHANGE_CODES.notPending, `This territory change is ${state}.`);
      },
    },
  );

  const cancelled = async (): Promise<void> => {
    await mail.finishTerritoryChange({
      ...where(),
      state: 'cancelled',
      cancelledById: cancelRequest!.actorId,
      ...(cancelRequest!.comment !== undefined ? { cancelComment: cancelRequest!.comment } : {}),
    });
    state = 'cancelled';
  };

  try {
    const routed = await bulk.routeTerritoryChange(where());
    effectiveDate = routed.effectiveDate;
    if (routed.kind === 'refused') {
      comment = `${routed.code}: ${routed.message}`;
      await mail.finishTerritoryChange({ ...where(), state: 'rejected', reason: comment });
      state = 'rejected';
    } else {
      state = 'in_review';
      const outcome = await desk.run(routed.route, 1);
      if (outcome.status === 'cancelled') {
        await cancelled();
      } else if (outcome.status !== 'approved') {
        comment = outcome.decision?.comment ?? `ended ${outcome.status}`;
        await mail.finishTerritoryChange({ ...where(), state: 'rejected', ...(outcome.decision ? { decision: outcome.decision } : {}), reason: comment });
        state = 'rejected';
      } else {
        state = 'approved';
        scheduledFor = (await db.scheduleTerritoryChange(where())).scheduledFor;
        state = 'scheduled';
        // Workflow time: deterministic on replay.
        const wait = Date.parse(scheduledFor) - new Date().getTime();
        if (wait > 0) await condition(() => cancelRequest !== undefined, wait);
        if (cancelRequest) {
          await cancelled();
        } else {
          applying = true;
          await bulk.applyTerritoryMoves(where());
          appliedAt = now();
          state = 'applied';
        }
      }
    }
  } catch (error) {
    const permanent = permanentFailureOf(error);
    if (!permanent) throw error;
    state = 'failed';
    failure = permanent;
    await db.reportWorkflowFailure({ subject, subjectType: 'territory-change', workflowId, runId, ...permanent, occurredAt: now() });
  }
  await condition(allHandlersFinished);
  return status();
}
