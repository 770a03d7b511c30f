/**
 * The monthly commission close, id `close:<periodId>`, started by finance.
 *
 * 1. begin: the period is `closing`;
 * 2. freeze (activity): won deals and reversals dated in the period with their credits, the accepted
 *    plan versions, the locked quotas and the state carried from the previous close, stored once with
 *    their hash; validate: exceptions listed, blocking ones end the close `blocked` (period `open`);
 * 3. calculate version n: batches of reps as activities, at most CALC_CONCURRENCY at once, each
 *    idempotent (payouts unique on period, rep and version); progress by Query;
 * 4. approvals through the kernel: every team's manager in parallel, finance, ops (payroll export),
 *    each step a round of its own (earlier signers barred from later steps); a reject at any step
 *    calculates version n + 1 and asks every approval again (the old ones void);
 *    since `close-review`: a manager may instead ask for adjustments and holds of their team's reps
 *    (a request-adjustment of the kernel carrying them): version n + 1 recalculates only those reps
 *    and copies every other payout; finance acknowledges each negative payout of the version (the
 *    `acknowledgeNegative` Update) before its approval is taken;
 * 5. statements of the final version: a PDF per rep, emailed once each, in batches;
 * 6. close: the period is `closed` and immutable.
 * A permanent failure ends it `failed` and ops are alerted.
 *
 * Changing this file: wrap changed steps in `patched('<id>')`, record new histories under
 * `__histories__` (the replay spec replays every file there).
 */
import { checkCloseChanges, findInvalidCharacter, unacknowledgedNegatives } from '@quotaflow/domain';
import { allHandlersFinished, condition, patched, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { ApprovalActivities } from '../approval/activities';
import { BULK_WORK, DATABASE_WORK, MAIL_WORK } from '../approval/activity-options';
import { CLOSE_APPROVAL_CODES } from '../approval/codes';
import { ApprovalDesk } from '../approval/desk';
import { permanentFailureOf, refuse } from '../approval/failures';
import type { CloseActivities } from './activities';
import { checkCloseChangeRequest } from './checks';
import { acknowledgeNegativeUpdate, closeStatusQuery, type AcknowledgeNegativeRequest, type CloseInput, type CloseState, type CloseStatus, type CloseTotals } from './messages';

/** Patch marker: manager adjustments and holds, partial recalculation, negative payouts acknowledged one by one. */
export const CLOSE_REVIEW_PATCH = 'close-review';
const KEY = /^[A-Za-z0-9._:-]{8,128}$/;

function checkText(value: unknown, field: string, max: number, required: boolean): void {
  if (value === undefined && !required) return;
  if (typeof value !== 'string' || (required && value === '')) refuse('VALIDATION.FAILED', `${field} must be text.`, field);
  if ((value as string).length > max) refuse('VALIDATION.FAILED', `${field} is longer than ${max} characters.`, field);
  const bad = findInvalidCharacter(value as string);
  if (bad) refuse('VALIDATION.FAILED', `${field}: ${bad.reason} (${bad.codePoint} at ${bad.index}).`, field);
}

/** Reps per calculation or statement activity, and how many such activities run at once. */
export const CLOSE_BATCH_SIZE = 250;
export const CLOSE_CONCURRENCY = 4;

const db = proxyActivities<
  Pick<CloseActivities, 'beginClose' | 'blockClose' | 'returnClose' | 'completeClose' | 'recordCloseChanges' | 'acknowledgeNegativePayout'> &
    Pick<ApprovalActivities, 'reportWorkflowFailure' | 'cancelOpenApprovalTasks'>
>(DATABASE_WORK);
const bulk = proxyActivities<Pick<CloseActivities, 'freezeClose' | 'calculateCloseBatch' | 'finishCalculation' | 'routeCloseApproval' | 'recalculateCloseVersion' | 'prepareCloseReview'>>(BULK_WORK);
const mail = proxyActivities<Pick<CloseActivities, 'sendStatementBatch'>>(MAIL_WORK);

/** Runs `count` batches, at most `limit` at once, in a deterministic order. */
async function inBatches(count: number, limit: number, run: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < count) {
      const index = next++;
      await run(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, lane));
}

export async function closeWorkflow(input: CloseInput): Promise<CloseStatus> {
  const { periodId, requesterId } = input;
  const { workflowId, runId } = workflowInfo();
  const subject = `close:${periodId}`;
  // Runs started before it replay without it (no changes, no acknowledgements) to their end.
  const review = patched(CLOSE_REVIEW_PATCH);
  let negatives: string[] = [];
  let acknowledged = new Set<string>();
  const acknowledging = new Set<string>();
  /** The version a manager's changes were asked on: the next one recalculates only their reps. */
  let changedFrom: number | undefined;
  const desk = new ApprovalDesk({
    subject, subjectType: 'close', codes: CLOSE_APPROVAL_CODES,
    ...(review
      ? {
        checkDecision: (request, stage) => {
          checkCloseChangeRequest(request, stage);
          if (stage.id === 'finance' && request.decision === 'approve') {
            const missing = unacknowledgedNegatives(negatives, acknowledged);
            if (missing.length > 0) {
              const shown = missing.slice(0, 20).join(', ') + (missing.length > 20 ? ', …' : '');
              refuse('CLOSE.NEGATIVES_UNACKNOWLEDGED', `${missing.length} negative payout(s) of version ${version} are not acknowledged yet: ${shown}.`, 'decision');
            }
          }
        },
      }
      : {}),
  });
  let state: CloseState = 'freezing';
  let version = 0;
  let round = 0;
  let snapshot: CloseStatus['snapshot'];
  let exceptions = { blocking: 0, warnings: 0 };
  const progress = { repsDone: 0, repsTotal: 0, step: 'freeze' };
  const versions: CloseTotals[] = [];
  const returned: NonNullable<CloseStatus['returned']> = [];
  let statementsSent = 0;
  let failure: CloseStatus['failure'];
  const now = () => new Date().toISOString();
  const where = () => ({ periodId, workflowId, runId, at: now() });

  setHandler(closeStatusQuery, (): CloseStatus => {
    const view = desk.view();
    return {
      state, version, round,
      ...(snapshot ? { snapshot } : {}),
      exceptions, progress: { ...progress }, versions: [...versions],
      openStages: state === 'in_review' ? view.openStages : [],
      ...(returned.length > 0 ? { returned: [...returned] } : {}),
      statementsSent,
      ...(failure ? { failure } : {}),
      ...(review && state === 'in_review' ? { negatives: { count: negatives.length, acknowledged: acknowledged.size } } : {}),
    };
  });

  if (review) {
    setHandler(
      acknowledgeNegativeUpdate,
      async (request: AcknowledgeNegativeRequest) => {
        const at = version;
        acknowledging.add(request.personId);
        try {
          const done = await desk.runExclusive(() =>
            db.acknowledgeNegativePayout({
              ...where(), version: at, personId: request.personId, actorId: request.actorId, actorRoles: request.actorRoles,
              ...(request.comment !== undefined ? { comment: request.comment } : {}), idempotencyKey: request.idempotencyKey,
            }),
          );
          if (at === version) acknowledged.add(request.personId);
          return { periodId, version: at, personId: request.personId, payout: done.payout, acknowledgedAt: done.acknowledgedAt, remaining: unacknowledgedNegatives(negatives, acknowledged).length };
        } finally {
          acknowledging.delete(request.personId);
        }
      },
      {
        validator: (request: AcknowledgeNegativeRequest) => {
          if (!request || typeof request !== 'object') refuse('VALIDATION.FAILED', 'An acknowledgement request is required.');
          checkText(request.actorId, 'actorId', 100, true);
          checkText(request.personId, 'personId', 100, true);
          checkText(request.comment, 'comment', 2000, false);
          if (!Array.isArray(request.actorRoles) || request.actorRoles.some((r) => typeof r !== 'string')) refuse('VALIDATION.FAILED', 'actorRoles must list the caller’s roles.', 'actorRoles');
          if (typeof request.idempotencyKey !== 'string' || !KEY.test(request.idempotencyKey)) refuse('VALIDATION.FAILED', 'idempotencyKey: 8-128 characters of letters, digits, ".", "_", ":" or "-".', 'idempotencyKey');
          if (state !== 'in_review') refuse('CLOSE.NOT_IN_REVIEW', `The close is ${state}: negative payouts are acknowledged during the finance review.`);
          if (request.actorId === requesterId) refuse('AUTH.SELF_DECISION', 'You started this close; another finance person reviews it.', 'actorId');
          if (!desk.isOpenFor(request.actorId, 'finance')) refuse('AUTH.NOT_AN_APPROVER', `Negative payouts are acknowledged by finance while the finance review of version ${version} waits for them.`, 'actorId');
          if (!negatives.includes(request.personId)) refuse('CLOSE.NOT_NEGATIVE', `This rep has no negative payout in version ${version}.`, 'personId');
          if (acknowledged.has(request.personId) || acknowledging.has(request.personId)) refuse('CLOSE.ALREADY_ACKNOWLEDGED', `This rep's negative payout of version ${version} is acknowledged already.`, 'personId');
        },
      },
    );
  }

  const batches = () => Math.ceil((snapshot?.reps ?? 0) / CLOSE_BATCH_SIZE);

  try {
    await db.beginClose({ ...where(), requesterId });
    const frozen = await bulk.freezeClose(where());
    snapshot = { id: frozen.snapshotId, hash: frozen.hash, reps: frozen.reps, deals: frozen.deals };
    state = 'validating';
    progress.step = 'validate';
    exceptions = { blocking: frozen.blocking, warnings: frozen.warnings };
    if (frozen.blocking > 0) {
      await db.blockClose({ ...where(), snapshotId: frozen.snapshotId, blocking: frozen.blocking });
      state = 'blocked';
    } else {
      for (;;) {
        version += 1;
        state = 'calculating';
        progress.step = `calculate version ${version}`;
        progress.repsDone = 0;
        progress.repsTotal = frozen.reps;
        if (review && changedFrom !== undefined) {
          // Only the reps a manager's change names are recalculated; every other payout is copied.
          await bulk.recalculateCloseVersion({ ...where(), snapshotId: frozen.snapshotId, fromVersion: changedFrom, version });
          changedFrom = undefined;
          progress.repsDone = frozen.reps;
        } else {
          await inBatches(batches(), CLOSE_CONCURRENCY, async (index) => {
            const done = await bulk.calculateCloseBatch({ ...where(), snapshotId: frozen.snapshotId, version, offset: index * CLOSE_BATCH_SIZE, limit: CLOSE_BATCH_SIZE });
            progress.repsDone += done.reps;
          });
        }
        versions.push(await bulk.finishCalculation({ ...where(), snapshotId: frozen.snapshotId, version, requesterId }));
        if (review) {
          negatives = (await bulk.prepareCloseReview({ ...where(), version })).negativePersonIds;
          acknowledged = new Set();
        }

        state = 'in_review';
        const route = await bulk.routeCloseApproval({ ...where(), version, round: round + 1, requesterId, ...(review ? { review: true } : {}) });
        // Each step is a round of its own: a reject anywhere returns the close to calculation (a
        // new version, every approval void) instead of one step back; earlier signers stay barred.
        let rejected = false;
        const signers: string[] = [];
        for (const [index, step] of route.steps.entries()) {
          round += 1;
          progress.step = `approvals of version ${version}: step ${index + 1} of ${route.steps.length}`;
          const outcome = await desk.run({ ...route, steps: [step] }, round, { priorSigners: [...signers] });
          if (outcome.status === 'returned') {
            const decision = outcome.decision!;
            returned.push({ byId: decision.actorId, stageId: decision.stageId, ...(decision.comment !== undefined ? { comment: decision.comment } : {}), at: decision.at, version, ...(review ? { kind: 'reject' as const } : {}) });
            await db.returnClose({ ...where(), version, round, decision });
            rejected = true;
            break;
          }
          if (review && outcome.status === 'adjustment-requested') {
            // A manager's adjustments and holds (checked by the validator): stored, then version n + 1.
            const decision = outcome.decision!;
            const changes = checkCloseChanges(decision.data, { actorId: decision.actorId });
            returned.push({
              byId: decision.actorId, stageId: decision.stageId, ...(decision.comment !== undefined ? { comment: decision.comment } : {}), at: decision.at, version,
              kind: 'changes', adjustments: changes.adjustments.length, holds: changes.holds.length,
            });
            await db.recordCloseChanges({ ...where(), version, round, decision, changes });
            changedFrom = version;
            rejected = true;
            break;
          }
          if (outcome.status !== 'approved') throw new Error(`close approvals ended ${outcome.status}`);
          signers.push(...outcome.signerIds);
        }
        if (rejected) continue;
        break;
      }

      state = 'statements';
      progress.step = `statements of version ${version}`;
      progress.repsDone = 0;
      await inBatches(batches(), CLOSE_CONCURRENCY, async (index) => {
        const sent = await mail.sendStatementBatch({ ...where(), version, offset: index * CLOSE_BATCH_SIZE, limit: CLOSE_BATCH_SIZE });
        statementsSent += sent.sent;
        progress.repsDone += sent.sent;
      });
      await db.completeClose({ ...where(), version });
      state = 'closed';
      progress.step = 'closed';
    }
  } catch (error) {
    const permanent = permanentFailureOf(error);
    if (!permanent) throw error;
    state = 'failed';
    failure = permanent;
    await db.reportWorkflowFailure({ subject, subjectType: 'close', workflowId, runId, ...permanent, occurredAt: now() });
  }
  await db.cancelOpenApprovalTasks({ workflowId, status: 'cancelled' });
  await condition(allHandlersFinished);
  return {
    state, version, round, ...(snapshot ? { snapshot } : {}), exceptions, progress: { ...progress }, versions, openStages: [],
    ...(returned.length > 0 ? { returned } : {}), statementsSent, ...(failure ? { failure } : {}),
  };
}
