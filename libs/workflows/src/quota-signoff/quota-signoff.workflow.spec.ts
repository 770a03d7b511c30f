/**
 * Quota sign-off (generation 2: the approval kernel) on the time-skipping server, with recording
 * activities. Routes come from the real policy; a step larger than INLINE_STAGE_LIMIT runs in
 * approvalStepWorkflow children, exactly as in production.
 */
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { groupIntoSteps, routeQuotaSignoff, type ApprovalStage, type ApprovalStep, type Organisation } from '@quotaflow/domain';
import * as path from 'node:path';
import { activityRecorder, type ActivityRecorder } from '../../../../test/support/activity-recorder';
import { recordHistory } from '../../../../test/support/histories';
import { timeSkippingSuite, uniqueTaskQueue } from '../../../../test/support/temporal';
import type { RoutedApproval } from '../approval/activities';
import { DECISION_BATCH_LIMIT, INLINE_STAGE_LIMIT } from '../approval/limits';
import { decideUpdate, type ApprovalDecisionRequest, type DecisionReceipt } from '../approval/messages';
import { quotaAdjustUpdate, quotaReviseUpdate, quotaSignoffWorkflowId, quotaStatusQuery, type QuotaSignoffStatus } from './messages';

const DAY = 24 * 60 * 60 * 1000;
const HISTORIES = path.join(__dirname, '__histories__');
const STEP_HISTORIES = path.join(__dirname, '..', 'approval', '__histories__');

const suite = timeSkippingSuite(require.resolve('../__fixtures__/test-workflows'));
let seq = 0;

/** ops-1 submits; West (mgr-w: r1, r2) and East (mgr-e: r3), plus `extra` reps in West; fin-1 is finance. */
function organisation(extra = 0): { org: Organisation; reps: string[] } {
  const reps = ['r1', 'r2', 'r3', ...Array.from({ length: extra }, (_, i) => `x${i}`)];
  return {
    reps,
    org: {
      teams: [{ id: 't-west', managerId: 'mgr-w' }, { id: 't-east', managerId: 'mgr-e' }],
      people: [
        { id: 'ops-1', roles: ['ops'], active: true },
        { id: 'fin-1', roles: ['finance'], active: true },
        { id: 'mgr-w', roles: ['manager'], teamId: 't-west', active: true },
        { id: 'mgr-e', roles: ['manager'], teamId: 't-east', active: true },
        ...reps.map((id) => ({ id, roles: ['rep' as const], teamId: id === 'r3' ? 't-east' : 't-west', active: true })),
      ],
    },
  };
}

/** The route as the worker stores it: small steps inline, large ones delegated (kept here for loadApprovalSlice). */
function router(extra = 0) {
  const { org, reps } = organisation(extra);
  const stored = new Map<string, ApprovalStage[]>();
  const route = (workflowId: string, round: number): RoutedApproval => {
    const stages = routeQuotaSignoff({ requesterId: 'ops-1', subjectPersonIds: reps, subjectTeamIds: ['t-west', 't-east'] }, org);
    const routeKey = `${workflowId}:r${round}`;
    const steps: ApprovalStep[] = groupIntoSteps(stages).map((step, index) => {
      if (step.length <= INLINE_STAGE_LIMIT) return { kind: 'inline', stages: step };
      stored.set(`${routeKey}:${index}`, step);
      return { kind: 'delegated', stageCount: step.length, label: 'Quota acknowledgements', stageIdPrefix: 'acknowledge:' };
    });
    return { request: { requesterId: 'ops-1', subjectPersonIds: reps }, steps, routeKey };
  };
  return { route, stored, reps };
}

const decision = (actorId: string, value: ApprovalDecisionRequest['decision'], over: Partial<ApprovalDecisionRequest> = {}): ApprovalDecisionRequest => ({
  actorId,
  actorRoles: [actorId.startsWith('mgr') ? 'manager' : actorId.startsWith('fin') ? 'finance' : actorId.startsWith('ops') ? 'ops' : 'rep'],
  decision: value,
  idempotencyKey: `key-${++seq}-${actorId}`,
  ...over,
});

interface Run {
  recorder: ActivityRecorder;
  workflowId: string;
  handle: Awaited<ReturnType<TestWorkflowEnvironment['client']['workflow']['start']>>;
  decide(d: ApprovalDecisionRequest, workflowId?: string): Promise<DecisionReceipt>;
  refused(d: ApprovalDecisionRequest, workflowId?: string): Promise<ApplicationFailure>;
  status(): Promise<QuotaSignoffStatus>;
  /** Waits until `count` steps have been opened (in the parent or its children). */
  opened(count: number): Promise<void>;
}

/** Both teams and finance approve; the acknowledgement step opens in a child: its opening. */
async function acknowledgementSlice(run: Run) {
  await run.opened(1);
  await run.decide(decision('mgr-w', 'approve'));
  await run.decide(decision('mgr-e', 'approve'));
  await run.opened(2);
  await run.decide(decision('fin-1', 'approve'));
  await run.opened(3);
  return run.recorder.opens()[2]!;
}

async function scenario(name: string, options: { extra?: number; record?: string; handlers?: Parameters<typeof activityRecorder>[0] }, script: (run: Run) => Promise<void>) {
  const { route, stored } = router(options.extra ?? 0);
  let revised: number | undefined;
  const recorder = activityRecorder({
    acceptQuotaRevision: async (input) => {
      revised = input.version;
    },
    routeQuotaSignoff: async (input) => route(input.workflowId, input.round),
    loadApprovalSlice: async (input) => ({
      request: { requesterId: 'ops-1', subjectPersonIds: [] },
      stages: stored.get(`${input.routeKey}:${input.step}`)!.slice(input.offset, input.offset + input.limit),
      priorSigners: [],
    }),
    lockQuotaVersion: async () => ({ version: revised ?? 1, notified: 4 }),
    adjustQuotaTeam: async (input) => ({ version: 2, teamId: input.teamId }),
    ...options.handlers,
  });
  const taskQueue = uniqueTaskQueue(`quota-${name}`);
  const worker = await Worker.create({ connection: suite.env.nativeConnection, taskQueue, workflowBundle: suite.bundle, activities: recorder.activities });
  return worker.runUntil(async () => {
    const quotaSetId = `qs-${name}-${++seq}`;
    const workflowId = quotaSignoffWorkflowId(quotaSetId);
    const handle = await suite.env.client.workflow.start('quotaSignoffWorkflow', {
      taskQueue, workflowId, args: [{ quotaSetId, version: 1, requesterId: 'ops-1', periodId: '2026-Q1' }],
    });
    const updateOf = (id?: string) => (id ? suite.env.client.workflow.getHandle(id) : handle);
    const run: Run = {
      recorder,
      workflowId,
      handle,
      decide: (d, id) => updateOf(id).executeUpdate(decideUpdate, { args: [d], updateId: d.idempotencyKey }),
      refused: async (d, id) => {
        try {
          await updateOf(id).executeUpdate(decideUpdate, { args: [d], updateId: d.idempotencyKey });
        } catch (e) {
          if (e instanceof WorkflowUpdateFailedError && e.cause instanceof ApplicationFailure) return e.cause;
          throw e;
        }
        throw new Error('the decision was not refused');
      },
      status: () => handle.query(quotaStatusQuery),
      opened: async (count) => {
        for (let i = 0; i < 800 && recorder.opens().length < count; i += 1) await new Promise((r) => setTimeout(r, 25));
        if (recorder.opens().length < count) throw new Error(`only ${recorder.opens().length} steps opened`);
      },
    };
    await script(run);
    const result = (await handle.result()) as QuotaSignoffStatus;
    const history = await handle.fetchHistory();
    if (options.record) await recordHistory(HISTORIES, options.record, handle);
    return { result, events: history.events?.length ?? 0, recorder };
  });
}

describe('quota sign-off (approval kernel)', () => {
  it('teams in parallel, then finance, then every rep acknowledges; the set locks; every call counted', async () => {
    const { result, recorder: r } = await scenario('happy', { record: 'gen2-parallel-teams-finance-acknowledged-locked' }, async (run) => {
      await run.opened(1);
      const team = await run.decide(decision('mgr-w', 'approve'));
      expect(team).toMatchObject({ stageId: 'team:t-west', approvalStatus: 'pending', step: 0 });
      await run.decide(decision('mgr-e', 'approve', { stageId: 'team:t-east' }));
      await run.opened(2);
      await run.decide(decision('fin-1', 'approve'));
      await run.opened(3);
      for (const rep of ['r1', 'r2', 'r3']) await run.decide(decision(rep, 'acknowledge'));
    });
    expect(result).toMatchObject({ state: 'locked', round: 1, flagged: false, flaggedCount: 0 });
    expect(r.of('openApprovalStep').map((o) => o.stages.map((s) => s.id))).toEqual([
      ['team:t-west', 'team:t-east'],
      ['finance'],
      ['acknowledge:r1', 'acknowledge:r2', 'acknowledge:r3'],
    ]);
    expect(r.of('recordApprovalDecision').map((d) => [d.stage.id, d.decision.decision, d.stepEnded])).toEqual([
      ['team:t-west', 'approve', false], ['team:t-east', 'approve', true], ['finance', 'approve', true],
      ['acknowledge:r1', 'acknowledge', false], ['acknowledge:r2', 'acknowledge', false], ['acknowledge:r3', 'acknowledge', true],
    ]);
    expect([r.count('beginQuotaSignoff'), r.count('routeQuotaSignoff'), r.count('lockQuotaVersion'), r.count('notifyApprovalStage')]).toEqual([1, 1, 1, 0]);
    expect(r.of('lockQuotaVersion')).toEqual([expect.objectContaining({ flagged: false, flaggedCount: 0 })]);
  });

  it('separation of duties: the requester, a subject approving and a stranger are refused; so are a reject without comment and a second decision', async () => {
    await scenario('sod', {}, async (run) => {
      await run.opened(1);
      expect((await run.refused(decision('ops-1', 'approve'))).type).toBe('AUTH.SELF_DECISION');
      expect((await run.refused(decision('r1', 'approve'))).type).toBe('AUTH.SELF_DECISION');
      expect((await run.refused(decision('mgr-x', 'approve'))).type).toBe('AUTH.NOT_AN_APPROVER');
      expect((await run.refused(decision('fin-1', 'approve'))).type).toBe('APPROVAL.NOT_PENDING');
      expect((await run.refused(decision('mgr-w', 'reject'))).details).toEqual([{ field: 'comment' }]);
      await run.decide(decision('mgr-w', 'approve'));
      expect((await run.refused(decision('mgr-w', 'approve'))).type).toBe('APPROVAL.ALREADY_DECIDED');
      await run.decide(decision('mgr-e', 'approve'));
      await run.opened(2);
      await run.decide(decision('fin-1', 'approve'));
      await run.opened(3);
      for (const rep of ['r1', 'r2', 'r3']) await run.decide(decision(rep, 'acknowledge'));
    });
  });

  it('finance rejects: back to the teams (visit 2); a team rejects: returned to ops, who revise; round 2 locks', async () => {
    const { result, recorder: r } = await scenario('rounds', { record: 'gen2-finance-reject-team-reject-revised-locked' }, async (run) => {
      await run.opened(1);
      await run.decide(decision('mgr-w', 'approve'));
      await run.decide(decision('mgr-e', 'approve'));
      await run.opened(2);
      await run.decide(decision('fin-1', 'reject', { comment: 'East is light' }));
      await run.opened(3);
      await run.decide(decision('mgr-e', 'reject', { comment: 'cannot carry it' }));
      for (let i = 0; i < 400 && (await run.status()).state !== 'returned'; i += 1) await new Promise((resolve) => setTimeout(resolve, 25));
      const returned = await run.status();
      expect(returned).toMatchObject({ state: 'returned', returned: { byId: 'mgr-e', stageId: 'team:t-east', comment: 'cannot carry it' } });
      const notOps = await run.handle.executeUpdate(quotaReviseUpdate, { args: [{ actorId: 'mgr-w', actorRoles: ['manager'], version: 2, comment: 'x' }] }).catch((e: WorkflowUpdateFailedError) => e.cause as ApplicationFailure);
      expect((notOps as ApplicationFailure).type).toBe('AUTH.FORBIDDEN');
      const revised = await run.handle.executeUpdate(quotaReviseUpdate, { args: [{ actorId: 'ops-1', actorRoles: ['ops'], version: 2, comment: 'moved 50k to West' }] });
      expect(revised).toEqual({ version: 2, round: 2 });
      await run.opened(4);
      await run.decide(decision('mgr-w', 'approve'));
      await run.decide(decision('mgr-e', 'approve'));
      await run.opened(5);
      await run.decide(decision('fin-1', 'approve'));
      await run.opened(6);
      for (const rep of ['r1', 'r2', 'r3']) await run.decide(decision(rep, 'acknowledge'));
    });
    expect(result).toMatchObject({ state: 'locked', round: 2, version: 2 });
    expect(r.of('openApprovalStep').map((o) => [o.round, o.step, o.visit, o.returnedBy?.actorId ?? null])).toEqual([
      [1, 0, 1, null], [1, 1, 1, null], [1, 0, 2, 'fin-1'], [2, 0, 1, null], [2, 1, 1, null], [2, 2, 1, null],
    ]);
    expect(r.of('returnQuotaSet')).toEqual([expect.objectContaining({ round: 1, decision: expect.objectContaining({ actorId: 'mgr-e', stageId: 'team:t-east' }) })]);
    expect(r.of('acceptQuotaRevision')).toEqual([expect.objectContaining({ version: 2, actorId: 'ops-1', round: 2 })]);
    expect(r.count('routeQuotaSignoff')).toBe(2);
  });

  it('a team manager adjusts during their stage only; the activity applies it', async () => {
    const { recorder: r } = await scenario('adjust', { record: 'gen2-manager-adjustment-locked' }, async (run) => {
      await run.opened(1);
      const adjust = (actorId: string, teamId: string) =>
        run.handle.executeUpdate(quotaAdjustUpdate, { args: [{ actorId, actorRoles: ['manager'], teamId, changes: [{ personId: 'r1', amount: '250000.00' }, { personId: 'r2', amount: '350000.00' }], comment: 'r2 takes the big account' }] });
      const wrong = await adjust('mgr-e', 't-west').catch((e: WorkflowUpdateFailedError) => e.cause as ApplicationFailure);
      expect((wrong as ApplicationFailure).type).toBe('AUTH.NOT_AN_APPROVER');
      expect(await adjust('mgr-w', 't-west')).toEqual({ version: 2, teamId: 't-west' });
      await run.decide(decision('mgr-w', 'approve'));
      const late = await adjust('mgr-w', 't-west').catch((e: WorkflowUpdateFailedError) => e.cause as ApplicationFailure);
      expect((late as ApplicationFailure).type).toBe('APPROVAL.WRONG_STAGE');
      await run.decide(decision('mgr-e', 'approve'));
      await run.opened(2);
      await run.decide(decision('fin-1', 'approve'));
      await run.opened(3);
      for (const rep of ['r1', 'r2', 'r3']) await run.decide(decision(rep, 'acknowledge'));
    });
    expect(r.of('adjustQuotaTeam')).toEqual([expect.objectContaining({ teamId: 't-west', actorId: 'mgr-w', comment: 'r2 takes the big account' })]);
  });

  it('acknowledgements past their deadline: the manager is told, the set locks anyway, flagged', async () => {
    const { result, recorder: r } = await scenario('deadline', { record: 'gen2-acknowledgement-deadline-locked-flagged' }, async (run) => {
      await run.opened(1);
      await run.decide(decision('mgr-w', 'approve'));
      await run.decide(decision('mgr-e', 'approve'));
      await run.opened(2);
      await run.decide(decision('fin-1', 'approve'));
      await run.opened(3);
      await run.decide(decision('r1', 'acknowledge'));
      await suite.env.sleep(11 * DAY);
    });
    expect(result).toMatchObject({ state: 'locked', flagged: true, flaggedCount: 2 });
    const deadlines = r.of('notifyApprovalStage').filter((n) => n.event === 'deadline').map((n) => [n.stage.id, n.stage.onDeadline]);
    expect(deadlines).toEqual([['acknowledge:r2', 'proceed-flagged'], ['acknowledge:r3', 'proceed-flagged']]);
    expect(r.of('lockQuotaVersion')).toEqual([expect.objectContaining({ flagged: true, flaggedCount: 2 })]);
  });

  it('a step of many acknowledgements runs in child workflows; the parent’s history stays small', async () => {
    const extra = INLINE_STAGE_LIMIT + 7;
    const { result, events, recorder: r } = await scenario('delegated', { extra }, async (run) => {
      const slice = await acknowledgementSlice(run);
      expect(slice.workflowId).toBe(`${run.workflowId}:r1:s2:v1:0`);
      expect([slice.step, slice.visit, slice.stages.length]).toEqual([2, 1, extra + 3]);
      const status = await run.status();
      expect(status.delegated).toEqual({ step: 2, stageCount: extra + 3, label: 'Quota acknowledgements' });
      // A rep acknowledges in the child that hosts their stage; the parent refuses it.
      expect((await run.refused(decision('r1', 'acknowledge'))).type).toBe('APPROVAL.NOT_PENDING');
      for (const stage of slice.stages) await run.decide(decision(stage.approverIds[0]!, 'acknowledge'), slice.workflowId);
      // The slice child's own history, replayed as `approvalStepWorkflow` (approval/step.replay.spec.ts).
      const child = suite.env.client.workflow.getHandle(slice.workflowId);
      expect(await child.result()).toEqual({ kind: 'approved', signerIds: [], flaggedCount: 0 });
      await recordHistory(STEP_HISTORIES, 'acknowledgements-slice', child);
    });
    expect(result).toMatchObject({ state: 'locked', flagged: false });
    expect(r.decisions()).toHaveLength(3 + extra + 3);
    expect(r.count('loadApprovalSlice')).toBe(1);
    expect(events).toBeLessThan(120);
  });

  it('acknowledgements arriving at once queue behind the one being recorded and are recorded in batches, each exactly once', async () => {
    const extra = INLINE_STAGE_LIMIT + 7;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => { release = resolve; });
    let held = false;
    // The slice's first recording waits until every acknowledgement has been accepted, so the rest queue up.
    const hold = async (workflowId: string) => {
      if (!workflowId.includes(':s2:') || held) return;
      held = true;
      await gate;
    };
    const { result, recorder: r } = await scenario('burst', {
      extra,
      handlers: {
        recordApprovalDecision: async (input) => { await hold(input.workflowId); return { recorded: true }; },
        recordApprovalDecisions: async (input) => { await hold(input.decisions[0]!.workflowId); return { recorded: input.decisions.length }; },
      },
    }, async (run) => {
      const slice = await acknowledgementSlice(run);
      const receipts = await Promise.all(slice.stages.map((stage) => run.decide(decision(stage.approverIds[0]!, 'acknowledge'), slice.workflowId)));
      expect(receipts.map((x) => x.decision)).toEqual(slice.stages.map(() => 'acknowledge'));
      release();
      const child = suite.env.client.workflow.getHandle(slice.workflowId);
      expect(await child.result()).toEqual({ kind: 'approved', signerIds: [], flaggedCount: 0 });
      await recordHistory(STEP_HISTORIES, 'v3-acknowledged-at-once-emails-alongside', child);
    });
    expect(result).toMatchObject({ state: 'locked', flagged: false });
    // The slice's 70 tasks opened in one activity, their 70 request emails sent by another, once.
    expect(r.of('openApprovalStepTasks').map((o) => o.stages.length)).toEqual([extra + 3]);
    expect(r.of('deliverApprovalMessages').map((d) => d.outboxIds.length)).toEqual([extra + 3]);
    expect(r.count('openApprovalStep')).toBe(2);
    const acknowledged = r.decisions().filter((d) => d.workflowId.includes(':s2:'));
    expect(acknowledged).toHaveLength(extra + 3);
    expect(new Set(acknowledged.map((d) => d.decision.idempotencyKey)).size).toBe(extra + 3);
    const singles = r.of('recordApprovalDecision').filter((d) => d.workflowId.includes(':s2:')).length;
    const batches = r.of('recordApprovalDecisions').map((b) => b.decisions.length);
    // The held recording, then the 70 − k queued behind it in batches of at most DECISION_BATCH_LIMIT (50).
    expect(batches.length).toBeGreaterThan(0);
    expect(batches.every((n) => n > 1 && n <= DECISION_BATCH_LIMIT)).toBe(true);
    expect(singles + batches.length).toBeLessThanOrEqual(3);
    expect(singles + batches.reduce((a, b) => a + b, 0)).toBe(extra + 3);
  });
});
