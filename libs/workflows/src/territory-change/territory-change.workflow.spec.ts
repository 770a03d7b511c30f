/**
 * Territory change on the time-skipping server, with recording activities. The impact activity
 * runs the real domain computation over an in-memory organisation, so routing is the real policy.
 */
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import * as path from 'node:path';
import { computeTerritoryImpact, type Organisation, type PersonRef } from '@quotaflow/domain';
import { bundleWorkflows, createTimeSkippingEnv } from '../../../../test/support/temporal';
import { recordHistory } from '../../../../test/support/histories';
import type { RecordAuditInput } from '../plan-acceptance/activities';
import type { OpenApprovalTasksInput, CloseApprovalTasksInput, SendNoticeInput } from '../approval/task-activities';
import type { ApplyTerritoryChangeInput, SetTerritoryChangeStateInput, TerritoryChangeWorkflowActivities } from './activities';
import {
  territoryCancelUpdate,
  territoryChangeWorkflowId,
  territoryDecideUpdate,
  territoryStatusQuery,
  type TerritoryChangeInput,
  type TerritoryChangeStatus,
  type TerritoryDecisionRequest,
} from './messages';

const DAY = 24 * 60 * 60 * 1000;
/** `RECORD_HISTORIES=1 RECORD_HISTORIES_PREFIX=<generation>- npx jest <this file>` records what the replay spec replays. */
const HISTORIES = path.join(__dirname, '__histories__');
let env: TestWorkflowEnvironment;
let bundle: WorkflowBundleWithSourceMap;
let seq = 0;

beforeAll(async () => {
  [env, bundle] = await Promise.all([createTimeSkippingEnv(), bundleWorkflows(require.resolve('./territory-change.workflow'))]);
});
afterAll(async () => {
  await env?.teardown();
});

const person = (id: string, roles: PersonRef['roles'], teamId?: string): PersonRef => ({ id, roles, active: true, ...(teamId ? { teamId } : {}) });

/** West (repA, team A, mgrA) loses accounts to East (repB, team B, mgrB); opsFin holds ops and finance. */
function organisation(): Organisation {
  return {
    people: [
      person('ops1', ['ops']), person('ops2', ['ops']), person('opsFin', ['ops', 'finance']), person('fin1', ['finance']),
      person('mgrA', ['manager'], 'A'), person('mgrB', ['manager'], 'B'), person('repA', ['rep'], 'A'), person('repB', ['rep'], 'B'),
      person('outsider', ['rep']),
    ],
    teams: [{ id: 'A', managerId: 'mgrA' }, { id: 'B', managerId: 'mgrB' }],
    territories: [{ id: 'west', ownerId: 'repA', teamId: 'A' }, { id: 'east', ownerId: 'repB', teamId: 'B' }],
  };
}

function recorder(revenue: string) {
  const audits: RecordAuditInput[] = [];
  const states: SetTerritoryChangeStateInput[] = [];
  const applies: ApplyTerritoryChangeInput[] = [];
  const opened: OpenApprovalTasksInput[] = [];
  const closed: CloseApprovalTasksInput[] = [];
  const notices: SendNoticeInput[] = [];
  let gate: Promise<void> | undefined;
  let release: () => void = () => undefined;
  let applied = false;
  const activities: TerritoryChangeWorkflowActivities = {
    async computeTerritoryChangeImpact({ asOf }) {
      const org = organisation();
      const impact = computeTerritoryImpact({
        territories: org.territories!,
        ownership: [{ accountId: 'acc1', territoryId: 'west' }, { accountId: 'acc2', territoryId: 'west' }, { accountId: 'acc3', territoryId: 'east' }],
        moves: [{ accountId: 'acc1', toTerritoryId: 'east' }],
        transactions: [
          { accountId: 'acc1', amount: revenue, date: asOf, status: 'won' },
          { accountId: 'acc1', amount: '5000.00', date: asOf, status: 'open' },
          { accountId: 'acc2', amount: '100000.00', date: asOf, status: 'won' },
        ],
        asOf,
        quotas: [{ personId: 'repA', amount: '1000000.00' }, { personId: 'repB', amount: '800000.00' }],
        people: org.people,
        teams: org.teams,
      });
      return { impact, organisation: org };
    },
    async setTerritoryChangeState(input) {
      states.push(input);
    },
    async applyTerritoryChange(input) {
      if (gate) await gate;
      applies.push(input);
      const already = applied;
      applied = true;
      return { accountsMoved: 1, alreadyApplied: already };
    },
    async recordAudit(input) {
      if (!audits.some((a) => a.dedupeKey === input.dedupeKey)) audits.push(input);
    },
    async openApprovalTasks(input) {
      opened.push(input);
      return { opened: input.approverIds.length };
    },
    async closeApprovalTasks(input) {
      closed.push(input);
      return { closed: 1 };
    },
    async sendNotice(input) {
      if (!notices.some((n) => n.purpose === input.purpose)) notices.push(input);
      return { sent: 1 };
    },
  };
  const hold = () => {
    gate = new Promise((resolve) => (release = resolve));
  };
  const actions = () => audits.map((a) => a.action.replace('territory-change.', ''));
  return { audits, states, applies, opened, closed, notices, activities, hold, release: () => release(), actions };
}

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

async function input(over: Partial<TerritoryChangeInput> = {}): Promise<TerritoryChangeInput> {
  return {
    changeId: `tc-${++seq}`,
    requesterId: 'ops2',
    requesterRole: 'ops',
    fromTerritoryId: 'west',
    toTerritoryId: 'east',
    fromTerritoryName: 'West',
    toTerritoryName: 'East',
    accountIds: ['acc1'],
    effectiveDate: isoDay(await env.currentTimeMs()),
    reason: 'Rebalance',
    ...over,
  };
}

const decide = (actorId: string, decision: TerritoryDecisionRequest['decision'] = 'approve', over: Partial<TerritoryDecisionRequest> = {}): TerritoryDecisionRequest => ({
  actorId, actorRoles: [], decision, ...over,
});

async function withWorker<T>(activities: TerritoryChangeWorkflowActivities, fn: (taskQueue: string) => Promise<T>): Promise<T> {
  const taskQueue = `territory-change-spec-${++seq}-${process.pid}`;
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities });
  return worker.runUntil(fn(taskQueue));
}

function start(taskQueue: string, args: TerritoryChangeInput): Promise<WorkflowHandle> {
  return env.client.workflow.start('territoryChangeWorkflow', { taskQueue, workflowId: territoryChangeWorkflowId(args.changeId), args: [args] });
}

/** Polls the status Query (queries do not advance time). */
async function until(handle: WorkflowHandle, pred: (s: TerritoryChangeStatus) => boolean): Promise<TerritoryChangeStatus> {
  let last: TerritoryChangeStatus | undefined;
  for (let i = 0; i < 200; i++) {
    last = await handle.query(territoryStatusQuery);
    if (pred(last)) return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`status never reached the expected state; last: ${JSON.stringify({ state: last?.state, open: last?.openStageIds })}`);
}
/** In review, the stage open and its inbox tasks written (the workflow is idle). */
const waitingFor = (stageId: string, visit = 1) => (s: TerritoryChangeStatus) =>
  s.state === 'in_review' && s.openStageIds.join() === stageId && s.history.some((h) => h.event === 'stage-opened' && h.detail === `${stageId}:${visit}`);

async function refusal(p: Promise<unknown>): Promise<{ type?: string | null; field?: unknown }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof WorkflowUpdateFailedError && e.cause instanceof ApplicationFailure) {
      return { type: e.cause.type, field: (e.cause.details?.[0] as { field?: string } | undefined)?.field };
    }
    throw e;
  }
  throw new Error('expected the update to be refused');
}

describe('territoryChangeWorkflow', () => {
  it('above the threshold: both managers in parallel, then ops, then finance; waits for the effective date and applies exactly then', async () => {
    const r = recorder('140000.00');
    const now = await env.currentTimeMs();
    const effectiveAt = Date.parse(`${isoDay(now + 10 * DAY)}T00:00:00.000Z`);
    const args = await input({ effectiveDate: isoDay(effectiveAt), openQuotaAdjustment: true });
    const { result, beforeDate } = await withWorker(r.activities, async (tq) => {
      const handle = await start(tq, args);
      const review = await until(handle, waitingFor('territory-managers'));
      expect(review.stages.map((s) => [s.id, s.approverIds])).toEqual([
        ['territory-managers', ['mgrA', 'mgrB']],
        ['ops', ['ops1', 'opsFin']],
        ['finance', ['opsFin', 'fin1']],
      ]);
      expect(review.impact!.revenueMoved).toBe('140000.00');
      // Both managers must approve: after one the stage is still open.
      const afterOne = await handle.executeUpdate(territoryDecideUpdate, { args: [decide('mgrB', 'approve', { stageId: 'territory-managers' })] });
      expect(afterOne.openStageIds).toEqual(['territory-managers']);
      await handle.executeUpdate(territoryDecideUpdate, { args: [decide('mgrA')] });
      await until(handle, waitingFor('ops'));
      await handle.executeUpdate(territoryDecideUpdate, { args: [decide('ops1')] });
      await until(handle, waitingFor('finance'));
      await handle.executeUpdate(territoryDecideUpdate, { args: [decide('fin1')], updateId: 'fin1-approve-1' });
      const scheduled = await until(handle, (s) => s.state === 'scheduled' && s.history.some((h) => h.event === 'scheduled'));
      expect(scheduled.nextDeadline).toBe(new Date(effectiveAt).toISOString());
      // One hour before the date nothing has moved.
      await env.sleep(effectiveAt - (await env.currentTimeMs()) - 60 * 60 * 1000);
      const beforeDate = { state: (await handle.query(territoryStatusQuery)).state, applies: r.applies.length };
      const result = (await handle.result()) as TerritoryChangeStatus;
      await recordHistory(HISTORIES, 'applied-on-effective-date-with-finance', handle);
      return { result, beforeDate };
    });

    expect(beforeDate).toEqual({ state: 'scheduled', applies: 0 });
    expect(result.state).toBe('applied');
    expect(r.applies).toHaveLength(1);
    const applied = r.audits.find((a) => a.action === 'territory-change.applied')!;
    const late = Date.parse(applied.occurredAt!) - effectiveAt;
    expect(late).toBeGreaterThanOrEqual(0);
    expect(late).toBeLessThan(60 * 1000);
    expect(r.actions()).toEqual([
      'requested', 'impact-computed', 'routed', 'approved', 'approved', 'approved', 'approved',
      'approval-complete', 'scheduled', 'applied', 'quota-adjustment-suggested',
    ]);
    expect(r.audits.filter((a) => a.approvalDecision).map((a) => [a.approvalDecision!.stage, a.actorId, a.actorRole])).toEqual([
      ['territory-managers', 'mgrB', 'manager'], ['territory-managers', 'mgrA', 'manager'], ['ops', 'ops1', 'ops'], ['finance', 'fin1', 'finance'],
    ]);
    expect(r.audits.find((a) => a.actorId === 'fin1')!.approvalDecision!.idempotencyKey).toBe('fin1-approve-1');
    expect(new Set(r.audits.map((a) => a.subject))).toEqual(new Set([`territory-change:${args.changeId}`]));
    expect(r.audits.every((a) => a.workflowId === territoryChangeWorkflowId(args.changeId) && a.runId.length > 0)).toBe(true);
    expect(r.states.map((s) => s.status)).toEqual(['in_review', 'approved', 'scheduled']);
    // Inbox: one open per stage; the parallel stage closes per approver, the others as a whole.
    expect(r.opened.map((o) => [o.stageId, o.visit, o.approverIds])).toEqual([
      ['territory-managers', 1, ['mgrA', 'mgrB']], ['ops', 1, ['ops1', 'opsFin']], ['finance', 1, ['opsFin', 'fin1']],
    ]);
    expect(r.closed.filter((c) => c.status === 'done').map((c) => [c.stageId, c.approverId])).toEqual([
      ['territory-managers', 'mgrB'], ['territory-managers', 'mgrA'], ['ops', undefined], ['finance', undefined],
    ]);
    expect(result.quotaAdjustment!.suggested.map((q) => [q.personId, q.suggestedChange])).toEqual([['repA', '-583333.33'], ['repB', '583333.33']]);
  });

  it('below the threshold there is no finance stage; effective today it applies at once', async () => {
    const r = recorder('10000.00');
    const args = await input();
    const result = await withWorker(r.activities, async (tq) => {
      const handle = await start(tq, args);
      const review = await until(handle, waitingFor('territory-managers'));
      expect(review.stages.map((s) => s.id)).toEqual(['territory-managers', 'ops']);
      await handle.executeUpdate(territoryDecideUpdate, { args: [decide('mgrA')] });
      await handle.executeUpdate(territoryDecideUpdate, { args: [decide('mgrB')] });
      await until(handle, waitingFor('ops'));
      await handle.executeUpdate(territoryDecideUpdate, { args: [decide('opsFin')] });
      return (await handle.result()) as TerritoryChangeStatus;
    });
    expect(result.state).toBe('applied');
    expect(result.quotaAdjustment).toBeUndefined();
    expect(r.actions().slice(-2)).toEqual(['scheduled', 'applied']);
  });

  it("a request's own threshold routes a small change to finance too", async () => {
    const r = recorder('10000.00');
    const args = await input({ financeThreshold: '5000.00' });
    const stages = await withWorker(r.activities, async (tq) => {
      const handle = await start(tq, args);
      const review = await until(handle, waitingFor('territory-managers'));
      await handle.executeUpdate(territoryCancelUpdate, { args: [{ actorId: 'ops2', actorRoles: ['ops'] }] });
      await handle.result();
      return review.stages.map((s) => s.id);
    });
    expect(stages).toEqual(['territory-managers', 'ops', 'finance']);
  });

  it('a rejection goes one stage back with the comment; from the first stage back to the requester', async () => {
    const r = recorder('10000.00');
    const args = await input();
    const { returned, result } = await withWorker(r.activities, async (tq) => {
      const handle = await start(tq, args);
      await until(handle, waitingFor('territory-managers'));
      await handle.executeUpdate(territoryDecideUpdate, { args: [decide('mgrA')] });
      await handle.executeUpdate(territoryDecideUpdate, { args: [decide('mgrB')] });
      await until(handle, waitingFor('ops'));
      await handle.executeUpdate(territoryDecideUpdate, { args: [decide('ops1', 'reject', { comment: 'Check the pipeline first' })] });
      const returned = await until(handle, waitingFor('territory-managers', 2));
      // Back at the managers: they decide again; then the first stage rejects → back to the requester.
      await handle.executeUpdate(territoryDecideUpdate, { args: [decide('mgrA', 'reject', { comment: 'Not this quarter' })] });
      const result = (await handle.result()) as TerritoryChangeStatus;
      await recordHistory(HISTORIES, 'rejected-one-stage-back-then-to-requester', handle);
      return { returned, result };
    });
    expect(returned.decisions).toEqual([]);
    expect(r.opened.map((o) => [o.stageId, o.visit])).toEqual([['territory-managers', 1], ['ops', 1], ['territory-managers', 2]]);
    const back = r.notices.find((n) => n.purpose.endsWith('territory-managers:2:returned'))!;
    expect([back.recipientIds, back.text]).toEqual([['mgrA', 'mgrB'], expect.stringContaining('Check the pipeline first')]);
    expect(result).toMatchObject({ state: 'rejected', comment: 'Not this quarter' });
    expect(r.notices.find((n) => n.purpose.endsWith(':returned') && n.recipientIds.includes('ops2'))!.text).toContain('Not this quarter');
    expect(r.actions()).toEqual(['requested', 'impact-computed', 'routed', 'approved', 'approved', 'rejected', 'rejected', 'returned-to-requester']);
    expect(r.applies).toEqual([]);
    // Everything still open in the inbox is cancelled at the end.
    expect(r.closed.at(-1)).toEqual({ workflowId: territoryChangeWorkflowId(args.changeId), status: 'cancelled' });
  });

  it('the requester cancels before the effective date: nothing is applied', async () => {
    const r = recorder('10000.00');
    const args = await input({ effectiveDate: isoDay((await env.currentTimeMs()) + 30 * DAY) });
    const { forbidden, result } = await withWorker(r.activities, async (tq) => {
      const handle = await start(tq, args);
      await until(handle, waitingFor('territory-managers'));
      await handle.executeUpdate(territoryDecideUpdate, { args: [decide('mgrA')] });
      await handle.executeUpdate(territoryDecideUpdate, { args: [decide('mgrB')] });
      await until(handle, waitingFor('ops'));
      await handle.executeUpdate(territoryDecideUpdate, { args: [decide('ops1')] });
      await until(handle, (s) => s.state === 'scheduled');
      await env.sleep('3 days');
      const forbidden = await refusal(handle.executeUpdate(territoryCancelUpdate, { args: [{ actorId: 'mgrA', actorRoles: ['manager'] }] }));
      const cancelled = await handle.executeUpdate(territoryCancelUpdate, { args: [{ actorId: 'ops2', actorRoles: ['ops'], comment: 'Reorg postponed' }] });
      expect(cancelled.state).toBe('cancelled');
      const result = (await handle.result()) as TerritoryChangeStatus;
      await recordHistory(HISTORIES, 'cancelled-while-scheduled', handle);
      return { forbidden, result };
    });
    expect(forbidden).toEqual({ type: 'AUTH.FORBIDDEN', field: 'actorId' });
    expect(result).toMatchObject({ state: 'cancelled', cancelledById: 'ops2' });
    expect(r.applies).toEqual([]);
    expect(r.states.at(-1)).toMatchObject({ status: 'cancelled', cancelledById: 'ops2', nextDeadline: null });
    expect(r.audits.at(-1)).toMatchObject({ action: 'territory-change.cancelled', actorId: 'ops2', actorRole: 'ops', comment: 'Reorg postponed' });
  });

  it('once the apply has started a cancel is refused with TERRITORY_CHANGE.ALREADY_APPLIED', async () => {
    const r = recorder('10000.00');
    r.hold();
    const args = await input();
    const { refused, result } = await withWorker(r.activities, async (tq) => {
      const handle = await start(tq, args);
      await until(handle, waitingFor('territory-managers'));
      await handle.executeUpdate(territoryDecideUpdate, { args: [decide('mgrA')] });
      await handle.executeUpdate(territoryDecideUpdate, { args: [decide('mgrB')] });
      await until(handle, waitingFor('ops'));
      await handle.executeUpdate(territoryDecideUpdate, { args: [decide('ops1')] });
      await until(handle, (s) => s.state === 'scheduled' && s.history.some((h) => h.event === 'scheduled'));
      // The apply activity is held: the workflow is applying.
      let refused: { type?: string | null } | undefined;
      for (let i = 0; i < 100 && !refused; i++) {
        const attempt = await refusal(handle.executeUpdate(territoryCancelUpdate, { args: [{ actorId: 'ops1', actorRoles: ['ops'] }] })).catch(() => undefined);
        if (attempt?.type === 'TERRITORY_CHANGE.ALREADY_APPLIED') refused = attempt;
        else await new Promise((res) => setTimeout(res, 50));
      }
      r.release();
      return { refused, result: (await handle.result()) as TerritoryChangeStatus };
    });
    expect(refused).toEqual({ type: 'TERRITORY_CHANGE.ALREADY_APPLIED', field: undefined });
    expect(result.state).toBe('applied');
  });

  it('separation of duties: refusals by direct Update leave no trace in the history', async () => {
    const r = recorder('140000.00');
    const args = await input();
    const { refusals, before, after, secondStage } = await withWorker(r.activities, async (tq) => {
      const handle = await start(tq, args);
      await until(handle, waitingFor('territory-managers'));
      const before = (await handle.fetchHistory()).events!;
      const refusals = [
        await refusal(handle.executeUpdate(territoryDecideUpdate, { args: [decide('ops2')] })),
        await refusal(handle.executeUpdate(territoryDecideUpdate, { args: [decide('repA')] })),
        await refusal(handle.executeUpdate(territoryDecideUpdate, { args: [decide('outsider')] })),
        await refusal(handle.executeUpdate(territoryDecideUpdate, { args: [decide('fin1')] })),
        await refusal(handle.executeUpdate(territoryDecideUpdate, { args: [decide('mgrA', 'reject')] })),
        await refusal(handle.executeUpdate(territoryDecideUpdate, { args: [decide('mgrA', 'approve', { stageId: 'finance' })] })),
      ];
      const after = (await handle.fetchHistory()).events!;
      await handle.executeUpdate(territoryDecideUpdate, { args: [decide('mgrA')] });
      const twice = await refusal(handle.executeUpdate(territoryDecideUpdate, { args: [decide('mgrA')] }));
      await handle.executeUpdate(territoryDecideUpdate, { args: [decide('mgrB')] });
      await until(handle, waitingFor('ops'));
      await handle.executeUpdate(territoryDecideUpdate, { args: [decide('opsFin')] });
      await until(handle, waitingFor('finance'));
      // opsFin may sign finance in principle, but has signed ops already.
      const secondStage = [twice, await refusal(handle.executeUpdate(territoryDecideUpdate, { args: [decide('opsFin')] }))];
      await handle.executeUpdate(territoryCancelUpdate, { args: [{ actorId: 'ops2', actorRoles: ['ops'] }] });
      await handle.result();
      return { refusals, before, after, secondStage };
    });
    expect(refusals).toEqual([
      { type: 'AUTH.SELF_DECISION', field: 'actorId' },
      { type: 'AUTH.SELF_DECISION', field: 'actorId' },
      { type: 'AUTH.NOT_AN_APPROVER', field: 'actorId' },
      { type: 'APPROVAL.WRONG_STAGE', field: 'actorId' },
      { type: 'VALIDATION.FAILED', field: 'comment' },
      { type: 'APPROVAL.WRONG_STAGE', field: 'stageId' },
    ]);
    // The time-skipping server writes a workflow task per validated update (the dev server writes
    // nothing): nothing but workflow-task events may appear, no accepted update, no activity.
    const added = after.slice(before.length);
    expect(added.every((e) => e.workflowTaskScheduledEventAttributes || e.workflowTaskStartedEventAttributes || e.workflowTaskCompletedEventAttributes)).toBe(true);
    expect(after.some((e) => e.workflowExecutionUpdateAcceptedEventAttributes)).toBe(false);
    expect(r.audits.filter((a) => a.approvalDecision)).toHaveLength(3);
    expect(secondStage).toEqual([
      { type: 'APPROVAL.ALREADY_DECIDED', field: undefined },
      { type: 'AUTH.SECOND_STAGE_SAME_PERSON', field: undefined },
    ]);
  });
});
