/**
 * The monthly close on the time-skipping server, with recording activities. Routes come from the
 * real policy (`commission-close`); decisions go through the kernel's `decide` Update.
 */
import { Worker } from '@temporalio/worker';
import { APPROVE_ADJUST_REJECT, DEFAULT_APPROVAL_POLICY, groupIntoSteps, type ApprovalStage, type ApprovalStep, resolveStages, type Organisation } from '@quotaflow/domain';
import * as path from 'node:path';
import { activityRecorder } from '../../../../test/support/activity-recorder';
import { recordHistory } from '../../../../test/support/histories';
import { timeSkippingSuite, uniqueTaskQueue } from '../../../../test/support/temporal';
import type { OpenApprovalStepInput, RoutedApproval } from '../approval/activities';
import { INLINE_STAGE_LIMIT } from '../approval/limits';
import { decideUpdate, type ApprovalDecisionRequest } from '../approval/messages';
import type { CloseActivities } from './activities';
import { CLOSE_BATCH_SIZE } from './close.workflow';
import { acknowledgeNegativeUpdate, closeStatusQuery, closeWorkflowId, type AcknowledgeNegativeRequest, type CloseStatus } from './messages';

const HISTORIES = path.join(__dirname, '__histories__');
const suite = timeSkippingSuite(require.resolve('../__fixtures__/test-workflows'));
let seq = 0;

/** fin-1 starts the close, fin-2 approves totals, ops-1 the payroll; West (mgr-w: r1, r2) and East (mgr-e: r3). */
const ORG: Organisation = {
  teams: [{ id: 't-west', managerId: 'mgr-w' }, { id: 't-east', managerId: 'mgr-e' }],
  people: [
    { id: 'fin-1', roles: ['finance'], active: true },
    { id: 'fin-2', roles: ['finance'], active: true },
    { id: 'ops-1', roles: ['ops'], active: true },
    { id: 'mgr-w', roles: ['manager'], teamId: 't-west', active: true },
    { id: 'mgr-e', roles: ['manager'], teamId: 't-east', active: true },
    ...['r1', 'r2', 'r3'].map((id) => ({ id, roles: ['rep' as const], teamId: id === 'r3' ? 't-east' : 't-west', active: true })),
  ],
};
const REPS = ['r1', 'r2', 'r3'];

/** `extra` more teams (t-x<i>, managed by mgr-x<i>, with rep rx<i>): beyond INLINE_STAGE_LIMIT the team step is delegated. */
function organisation(extra: number): { org: Organisation; reps: string[]; teamIds: string[] } {
  const more = Array.from({ length: extra }, (_, i) => i);
  return {
    org: {
      teams: [...ORG.teams, ...more.map((i) => ({ id: `t-x${i}`, managerId: `mgr-x${i}` }))],
      people: [
        ...ORG.people,
        ...more.flatMap((i) => [{ id: `mgr-x${i}`, roles: ['manager' as const], teamId: `t-x${i}`, active: true }, { id: `rx${i}`, roles: ['rep' as const], teamId: `t-x${i}`, active: true }]),
      ],
    },
    reps: [...REPS, ...more.map((i) => `rx${i}`)],
    teamIds: ['t-west', 't-east', ...more.map((i) => `t-x${i}`)],
  };
}

/** The route as the routing activity gives it: with `review`, team managers may also ask for adjustments and holds; a large team step stored for its children. */
function route(review: boolean, extraTeams = 0, stored?: Map<string, ApprovalStage[]>, routeKey = 'route'): RoutedApproval {
  const { org, reps, teamIds } = organisation(extraTeams);
  const stages = resolveStages(DEFAULT_APPROVAL_POLICY, { kind: 'commission-close', requesterId: 'fin-1', subjectPersonIds: reps, subjectTeamIds: teamIds }, org)
    .map((s) => (review && s.id.startsWith('team:') ? { ...s, decisions: APPROVE_ADJUST_REJECT } : s));
  const steps: ApprovalStep[] = groupIntoSteps(stages).map((step, index) => {
    if (step.length <= INLINE_STAGE_LIMIT || !stored) return { kind: 'inline', stages: step };
    stored.set(`${routeKey}:${index}`, step);
    return { kind: 'delegated', stageCount: step.length, label: 'Team payout review', stageIdPrefix: 'team:' };
  });
  return { request: { requesterId: 'fin-1', subjectPersonIds: [] }, steps, ...(stored && stored.size > 0 ? { routeKey } : {}) };
}

const decision = (actorId: string, value: ApprovalDecisionRequest['decision'], over: Partial<ApprovalDecisionRequest> = {}): ApprovalDecisionRequest => ({
  actorId,
  actorRoles: [actorId.startsWith('mgr') ? 'manager' : actorId.startsWith('fin') ? 'finance' : 'ops'],
  decision: value,
  idempotencyKey: `key-${++seq}-${actorId}`,
  ...over,
});

interface Run {
  decide(d: ApprovalDecisionRequest, workflowId?: string): Promise<unknown>;
  acknowledge(actorId: string, personId: string, comment?: string): Promise<unknown>;
  opened(n: number): Promise<void>;
  status(): Promise<CloseStatus>;
  /** The steps opened so far (inline ones in the close, delegated ones in their children). */
  steps(): OpenApprovalStepInput[];
}

/** The refusal's stable code and field, as the API reads them. */
async function refusal(p: Promise<unknown>): Promise<[string | undefined, string | undefined]> {
  try {
    await p;
  } catch (e) {
    const cause = (e as { cause?: { type?: string; details?: { field?: string }[] } }).cause;
    return [cause?.type, cause?.details?.[0]?.field];
  }
  throw new Error('not refused');
}

async function scenario(name: string, blocking: number, script: (run: Run) => Promise<void>, negativesOf: (version: number) => string[] = () => [], extraTeams = 0) {
  const calls: string[] = [];
  const batches: { version: number; offset: number }[] = [];
  const stored = new Map<string, ApprovalStage[]>();
  const recorder = activityRecorder({
    // The delegated team step (one per route): every slice loads its stages; a route is one step of the close's.
    loadApprovalSlice: async (input) => ({
      request: { requesterId: 'fin-1', subjectPersonIds: [] },
      stages: [...stored.entries()].find(([key]) => key.startsWith(`${input.routeKey}:`))![1].slice(input.offset, input.offset + input.limit),
      priorSigners: [],
    }),
  });
  const close: CloseActivities = {
    beginClose: async () => { calls.push('begin'); },
    freezeClose: async () => { calls.push('freeze'); return { snapshotId: 'snap-1', hash: 'a'.repeat(64), reps: CLOSE_BATCH_SIZE + 2, deals: 7, blocking, warnings: 1 }; },
    blockClose: async () => { calls.push('block'); },
    calculateCloseBatch: async (input) => { batches.push({ version: input.version, offset: input.offset }); return { reps: Math.min(input.limit, CLOSE_BATCH_SIZE + 2 - input.offset) }; },
    finishCalculation: async (input) => { calls.push(`calculated v${input.version}`); return { version: input.version, reps: CLOSE_BATCH_SIZE + 2, payoutTotal: '1000.00', earningsTotal: '1000.00', negativeCount: 0 }; },
    routeCloseApproval: async (input) => route(input.review === true, extraTeams, extraTeams > 0 ? stored : undefined, `${input.workflowId}:r${input.round}`),
    returnClose: async (input) => { calls.push(`returned v${input.version}`); },
    sendStatementBatch: async (input) => { calls.push(`statements v${input.version} @${input.offset}`); return { sent: Math.min(input.limit, CLOSE_BATCH_SIZE + 2 - input.offset) }; },
    completeClose: async (input) => { calls.push(`closed v${input.version}`); },
    recordCloseChanges: async (input) => { calls.push(`changes v${input.version}: ${input.changes.adjustments.map((a) => `${a.personId} ${a.amount}`).concat(input.changes.holds.map((h) => `hold ${h.personId}`)).join(', ')}`); return { adjustments: input.changes.adjustments.length, holds: input.changes.holds.length }; },
    recalculateCloseVersion: async (input) => { calls.push(`recalculated v${input.version} from v${input.fromVersion}`); return { copied: CLOSE_BATCH_SIZE, recalculated: 2 }; },
    prepareCloseReview: async (input) => ({ negativePersonIds: negativesOf(input.version) }),
    acknowledgeNegativePayout: async (input) => { calls.push(`acknowledged v${input.version} ${input.personId} by ${input.actorId}`); return { payout: '-50.00', acknowledgedAt: input.at }; },
  };
  const taskQueue = uniqueTaskQueue(`close-${name}`);
  const worker = await Worker.create({ connection: suite.env.nativeConnection, taskQueue, workflowBundle: suite.bundle, activities: { ...recorder.activities, ...close } });
  return worker.runUntil(async () => {
    const periodId = `period-${name}-${++seq}`;
    const handle = await suite.env.client.workflow.start('closeWorkflow', { taskQueue, workflowId: closeWorkflowId(periodId), args: [{ periodId, requesterId: 'fin-1' }] });
    await script({
      decide: (d, workflowId) => (workflowId ? suite.env.client.workflow.getHandle(workflowId) : handle).executeUpdate(decideUpdate, { args: [d], updateId: d.idempotencyKey }),
      acknowledge: (actorId, personId, comment) => {
        const request: AcknowledgeNegativeRequest = { actorId, actorRoles: ['finance'], personId, idempotencyKey: `ack-${++seq}-${personId}`, ...(comment ? { comment } : {}) };
        return handle.executeUpdate(acknowledgeNegativeUpdate, { args: [request], updateId: request.idempotencyKey });
      },
      status: () => handle.query(closeStatusQuery),
      steps: () => recorder.opens(),
      opened: async (count) => {
        for (let i = 0; i < 800 && recorder.opens().length < count; i += 1) await new Promise((r) => setTimeout(r, 25));
        if (recorder.opens().length < count) throw new Error(`only ${recorder.opens().length} steps opened`);
      },
    });
    const result = (await handle.result()) as CloseStatus;
    expect(await handle.query(closeStatusQuery)).toMatchObject({ state: result.state });
    // A run with step children is not recorded: the replayer runs it under another workflow id, which its children's ids derive from.
    if (extraTeams === 0) await recordHistory(HISTORIES, name, handle);
    const events = ((await handle.fetchHistory()).events ?? []).length;
    return { result, calls, batches, recorder, events };
  });
}

describe('closeWorkflow', () => {
  it('calculates in batches, routes teams → finance → ops; a finance reject makes version 2 and asks every approval again; statements once; closed', async () => {
    const { result, calls, batches, recorder } = await scenario('closed-after-finance-reject', 0, async (run) => {
      await run.opened(1);
      await run.decide(decision('mgr-w', 'approve'));
      await run.decide(decision('mgr-e', 'approve', { stageId: 'team:t-east' }));
      await run.opened(2);
      await run.decide(decision('fin-2', 'reject', { comment: 'recalculate with the split' }));
      await run.opened(3);
      await run.decide(decision('mgr-w', 'approve'));
      await run.decide(decision('mgr-e', 'approve', { stageId: 'team:t-east' }));
      await run.opened(4);
      await run.decide(decision('fin-2', 'approve'));
      await run.opened(5);
      await run.decide(decision('ops-1', 'approve'));
    });
    expect(result).toMatchObject({ state: 'closed', version: 2, round: 5, statementsSent: CLOSE_BATCH_SIZE + 2, exceptions: { blocking: 0, warnings: 1 } });
    expect(result.versions.map((v) => v.version)).toEqual([1, 2]);
    expect(result.returned).toEqual([expect.objectContaining({ byId: 'fin-2', stageId: 'finance', version: 1 })]);
    expect(batches.map((b) => `v${b.version}@${b.offset}`).sort()).toEqual(['v1@0', `v1@${CLOSE_BATCH_SIZE}`, 'v2@0', `v2@${CLOSE_BATCH_SIZE}`]);
    // Batches run in parallel: they finish in any order, all before the close.
    expect(calls.filter((c) => !c.startsWith('statements'))).toEqual(['begin', 'freeze', 'calculated v1', 'returned v1', 'calculated v2', 'closed v2']);
    expect(calls.slice(5, 7).sort()).toEqual(['statements v2 @0', `statements v2 @${CLOSE_BATCH_SIZE}`]);
    expect(recorder.of('openApprovalStep').map((o) => [o.round, o.stages.map((s) => s.id)])).toEqual([
      [1, ['team:t-west', 'team:t-east']], [2, ['finance']], [3, ['team:t-west', 'team:t-east']], [4, ['finance']], [5, ['payroll']],
    ]);
  });

  it("a manager's adjustment and hold: version 2 recalculates only those reps (no batch runs), every approval again; finance acknowledges each negative payout before approving", async () => {
    const changes = { adjustments: [{ personId: 'r1', amount: '-120.50', reason: 'returned order' }], holds: [{ personId: 'r2', reason: 'contract in dispute' }] };
    const { result, calls, batches, recorder } = await scenario('review-adjustment-hold-negatives', 0, async (run) => {
      await run.opened(1);
      // Refused before they enter history: a manager about themselves, about nothing, a float, without data.
      expect(await refusal(run.decide(decision('mgr-w', 'request-adjustment', { comment: 'me', data: { holds: [{ personId: 'mgr-w', reason: 'me' }] } })))).toEqual(['AUTH.SELF_DECISION', 'holds[0].personId']);
      expect(await refusal(run.decide(decision('mgr-w', 'request-adjustment', { comment: 'x', data: { adjustments: [{ personId: 'r1', amount: 12.5, reason: 'x' }] } })))).toEqual(['VALIDATION.FAILED', 'adjustments[0].amount']);
      expect(await refusal(run.decide(decision('mgr-w', 'request-adjustment', { comment: 'x' })))).toEqual(['VALIDATION.FAILED', 'data']);
      expect(await refusal(run.decide(decision('mgr-w', 'approve', { data: { holds: [] } })))).toEqual(['VALIDATION.FAILED', 'data']);
      await run.decide(decision('mgr-e', 'approve', { stageId: 'team:t-east' }));
      await run.decide(decision('mgr-w', 'request-adjustment', { comment: 'Requested 1 adjustment and 1 hold.', data: changes }));
      // Version 2: both teams asked again (mgr-e's approval of version 1 is void).
      await run.opened(2);
      expect((await run.status()).returned).toEqual([expect.objectContaining({ byId: 'mgr-w', stageId: 'team:t-west', version: 1, kind: 'changes', adjustments: 1, holds: 1 })]);
      await run.decide(decision('mgr-w', 'approve'));
      await run.decide(decision('mgr-e', 'approve', { stageId: 'team:t-east' }));
      await run.opened(3);
      expect((await run.status()).negatives).toEqual({ count: 2, acknowledged: 0 });
      expect(await refusal(run.decide(decision('fin-2', 'approve')))).toEqual(['CLOSE.NEGATIVES_UNACKNOWLEDGED', 'decision']);
      expect(await refusal(run.acknowledge('fin-1', 'r3'))).toEqual(['AUTH.SELF_DECISION', 'actorId']);
      expect(await refusal(run.acknowledge('ops-1', 'r3'))).toEqual(['AUTH.NOT_AN_APPROVER', 'actorId']);
      expect(await refusal(run.acknowledge('fin-2', 'r2'))).toEqual(['CLOSE.NOT_NEGATIVE', 'personId']);
      await expect(run.acknowledge('fin-2', 'r3', 'clawback of the Hooli reversal')).resolves.toMatchObject({ version: 2, personId: 'r3', remaining: 1 });
      expect(await refusal(run.acknowledge('fin-2', 'r3'))).toEqual(['CLOSE.ALREADY_ACKNOWLEDGED', 'personId']);
      expect(await refusal(run.decide(decision('fin-2', 'approve')))).toEqual(['CLOSE.NEGATIVES_UNACKNOWLEDGED', 'decision']);
      await run.acknowledge('fin-2', 'r4');
      await run.decide(decision('fin-2', 'approve'));
      await run.opened(4);
      await run.decide(decision('ops-1', 'approve'));
    }, (version) => (version === 2 ? ['r3', 'r4'] : []));
    expect(result).toMatchObject({ state: 'closed', version: 2, round: 4 });
    // Version 1 in batches; version 2 only the named reps (one activity), no batch at all.
    expect(batches.map((b) => `v${b.version}@${b.offset}`).sort()).toEqual(['v1@0', `v1@${CLOSE_BATCH_SIZE}`]);
    expect(calls.filter((c) => !c.startsWith('statements'))).toEqual([
      'begin', 'freeze', 'calculated v1', 'changes v1: r1 -120.50, hold r2', 'recalculated v2 from v1', 'calculated v2',
      'acknowledged v2 r3 by fin-2', 'acknowledged v2 r4 by fin-2', 'closed v2',
    ]);
    expect(recorder.of('openApprovalStep').map((o) => [o.round, o.stages.map((s) => `${s.id}:${s.decisions.join('/')}`)])).toEqual([
      [1, ['team:t-west:approve/request-adjustment/reject', 'team:t-east:approve/request-adjustment/reject']],
      [2, ['team:t-west:approve/request-adjustment/reject', 'team:t-east:approve/request-adjustment/reject']],
      [3, ['finance:approve/reject']], [4, ['payroll:approve/reject']],
    ]);
  });

  it('many teams: the team step runs in children; a manager asks for changes in the child that hosts their stage, the close recalculates them', async () => {
    const extra = INLINE_STAGE_LIMIT + 1;
    const changes = { adjustments: [{ personId: 'r1', amount: '75.00', reason: 'spiff' }], holds: [] };
    const { result, calls, recorder, events } = await scenario('review-delegated-team-changes', 0, async (run) => {
      await run.opened(1);
      const slice = run.steps()[0]!;
      expect(slice.workflowId).toMatch(/:r1:s0:v1:0$/);
      expect(slice.stages).toHaveLength(extra + 2);
      // Checked in the child too: about themselves, a float.
      expect(await refusal(run.decide(decision('mgr-w', 'request-adjustment', { comment: 'x', data: { holds: [{ personId: 'mgr-w', reason: 'me' }] } }), slice.workflowId))).toEqual(['AUTH.SELF_DECISION', 'holds[0].personId']);
      expect(await refusal(run.decide(decision('mgr-w', 'request-adjustment', { comment: 'x', data: { adjustments: [{ personId: 'r1', amount: 1, reason: 'x' }] } }), slice.workflowId))).toEqual(['VALIDATION.FAILED', 'adjustments[0].amount']);
      await run.decide(decision('mgr-w', 'request-adjustment', { comment: 'spiff for r1', data: changes }), slice.workflowId);
      await run.opened(2);
      const again = run.steps()[1]!;
      expect(again.round).toBe(2);
      for (const stage of again.stages) await run.decide(decision(stage.approverIds[0]!, 'approve', { stageId: stage.id }), again.workflowId);
      await run.opened(3);
      await run.decide(decision('fin-2', 'approve'));
      await run.opened(4);
      await run.decide(decision('ops-1', 'approve'));
    }, () => [], extra);
    expect(result).toMatchObject({ state: 'closed', version: 2, round: 4 });
    expect(calls).toContain('changes v1: r1 75.00');
    expect(calls).toContain('recalculated v2 from v1');
    expect(recorder.count('loadApprovalSlice')).toBe(2);
    expect(events).toBeLessThan(200);
  });

  it('acknowledgements belong to a version: after a finance reject, version 2 asks for them again', async () => {
    const { result, calls, batches } = await scenario('review-reject-resets-acknowledgements', 0, async (run) => {
      await run.opened(1);
      await run.decide(decision('mgr-w', 'approve'));
      await run.decide(decision('mgr-e', 'approve', { stageId: 'team:t-east' }));
      await run.opened(2);
      await run.acknowledge('fin-2', 'r3', 'clawback');
      await run.decide(decision('fin-2', 'reject', { comment: 'the split is wrong' }));
      await run.opened(3);
      await run.decide(decision('mgr-w', 'approve'));
      await run.decide(decision('mgr-e', 'approve', { stageId: 'team:t-east' }));
      await run.opened(4);
      expect((await run.status()).negatives).toEqual({ count: 1, acknowledged: 0 });
      expect(await refusal(run.decide(decision('fin-2', 'approve')))).toEqual(['CLOSE.NEGATIVES_UNACKNOWLEDGED', 'decision']);
      await run.acknowledge('fin-2', 'r3', 'still a clawback');
      await run.decide(decision('fin-2', 'approve'));
      await run.opened(5);
      await run.decide(decision('ops-1', 'approve'));
    }, () => ['r3']);
    expect(result).toMatchObject({ state: 'closed', version: 2, round: 5 });
    expect(result.returned).toEqual([expect.objectContaining({ byId: 'fin-2', stageId: 'finance', version: 1, kind: 'reject' })]);
    // A reject recalculates everyone (batches again), with the adjustments so far.
    expect(batches.map((b) => `v${b.version}@${b.offset}`).sort()).toEqual(['v1@0', `v1@${CLOSE_BATCH_SIZE}`, 'v2@0', `v2@${CLOSE_BATCH_SIZE}`]);
    expect(calls.filter((c) => c.startsWith('acknowledged'))).toEqual(['acknowledged v1 r3 by fin-2', 'acknowledged v2 r3 by fin-2']);
  });

  it('blocking exceptions stop the close before anything is calculated', async () => {
    const { result, calls, batches } = await scenario('blocked-by-exceptions', 2, async () => undefined);
    expect(result).toMatchObject({ state: 'blocked', version: 0, exceptions: { blocking: 2, warnings: 1 } });
    expect(calls).toEqual(['begin', 'freeze', 'block']);
    expect(batches).toEqual([]);
  });
});
