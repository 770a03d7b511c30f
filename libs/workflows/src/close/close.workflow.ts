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
 * 5. statements of the final version: a PDF per rep, emailed once each, in batches;
 * 6. close: the period is `closed` and immutable.
 * A permanent failure ends it `failed` and ops are alerted.
 *
 * Changing this file: wrap changed steps in `patched('<id>')`, record new histories under
 * `__histories__` (the replay spec replays every file there).
 */
import { allHandlersFinished, condition, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { ApprovalActivities } from '../approval/activities';
import { BULK_WORK, DATABASE_WORK, MAIL_WORK } from '../approval/activity-options';
import { CLOSE_APPROVAL_CODES } from '../approval/codes';
import { ApprovalDesk } from '../approval/desk';
import { permanentFailureOf } from '../approval/failures';
import type { CloseActivities } from './activities';
import { closeStatusQuery, type CloseInput, type CloseState, type CloseStatus, type CloseTotals } from './messages';

/** Reps per calculation or statement activity, and how many such activities run at once. */
export const CLOSE_BATCH_SIZE = 250;
export const CLOSE_CONCURRENCY = 4;

const db = proxyActivities<Pick<CloseActivities, 'beginClose' | 'blockClose' | 'returnClose' | 'completeClose'> & Pick<ApprovalActivities, 'reportWorkflowFailure' | 'cancelOpenApprovalTasks'>>(DATABASE_WORK);
const bulk = proxyActivities<Pick<CloseActivities, 'freezeClose' | 'calculateCloseBatch' | 'finishCalculation' | 'routeCloseApproval'>>(BULK_WORK);
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
  const desk = new ApprovalDesk({ subject, subjectType: 'close', codes: CLOSE_APPROVAL_CODES });
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
    };
  });

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
        await inBatches(batches(), CLOSE_CONCURRENCY, async (index) => {
          const done = await bulk.calculateCloseBatch({ ...where(), snapshotId: frozen.snapshotId, version, offset: index * CLOSE_BATCH_SIZE, limit: CLOSE_BATCH_SIZE });
          progress.repsDone += done.reps;
        });
        versions.push(await bulk.finishCalculation({ ...where(), snapshotId: frozen.snapshotId, version, requesterId }));

        state = 'in_review';
        const route = await bulk.routeCloseApproval({ ...where(), version, round: round + 1, requesterId });
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
            returned.push({ byId: decision.actorId, stageId: decision.stageId, ...(decision.comment !== undefined ? { comment: decision.comment } : {}), at: decision.at, version });
            await db.returnClose({ ...where(), version, round, decision });
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
