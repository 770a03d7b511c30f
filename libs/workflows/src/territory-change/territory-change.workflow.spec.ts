/**
 * Territory change (generation 2: the approval kernel) on the time-skipping server, with
 * recording activities. The route activity runs the real domain impact and policy over an
 * in-memory organisation.
 */
import { WorkflowUpdateFailedError, WorkflowUpdateStage } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { computeTerritoryImpact, groupIntoSteps, routeTerritoryChange, type Organisation, type PersonRef } from '@quotaflow/domain';
import * as path from 'node:path';
import { activityRecorder, type ActivityRecorder } from '../../../../test/support/activity-recorder';
import { recordHistory } from '../../../../test/support/histories';
import { timeSkippingSuite, uniqueTaskQueue } from '../../../../test/support/temporal';
import { decideUpdate, type ApprovalDecisionRequest } from '../approval/messages';
import type { RoutedTerritoryChange } from './activities';
import { territoryCancelUpdate, territoryChangeWorkflowId, territoryStatusQuery, type TerritoryChangeStatus } from './messages';

const DAY = 24 * 60 * 60 * 1000;
const HISTORIES = path.join(__dirname, '__histories__');
const suite = timeSkippingSuite(require.resolve('../__fixtures__/test-workflows'));
let seq = 0;

const person = (id: string, roles: PersonRef['roles'], teamId?: string): PersonRef => ({ id, roles, active: true, ...(teamId ? { teamId } : {}) });

/** West (repA, team A, mgrA) loses an account to East (repB, team B, mgrB); ops1 requests. */
const ORG: Organisation = {
  people: [
    person('ops1', ['ops']), person('ops2', ['ops']), person('fin1', ['finance']),
    person('mgrA', ['manager'], 'A'), person('mgrB', ['manager'], 'B'), person('repA', ['rep'], 'A'), person('repB', ['rep'], 'B'),
  ],
  teams: [{ id: 'A', managerId: 'mgrA' }, { id: 'B', managerId: 'mgrB' }],
  territories: [{ id: 'west', ownerId: 'repA', teamId: 'A' }, { id: 'east', ownerId: 'repB', teamId: 'B' }],
};

function routed(revenue: string, effectiveDate: string): RoutedTerritoryChange {
  const asOf = effectiveDate;
  const impact = computeTerritoryImpact({
    territories: ORG.territories!,
    ownership: [{ accountId: 'acc1', territoryId: 'west' }, { accountId: 'acc2', territoryId: 'east' }],
    moves: [{ accountId: 'acc1', toTerritoryId: 'east' }],
    transactions: [{ accountId: 'acc1', amount: revenue, date: asOf, status: 'won' }],
    asOf,
    quotas: [],
    people: ORG.people,
    teams: ORG.teams,
  });
  const stages = routeTerritoryChange(
    {
      requesterId: 'ops1', subjectPersonIds: impact.repsAffected, losingTerritoryIds: impact.losingTerritoryIds, gainingTerritoryIds: impact.gainingTerritoryIds,
      impact: { revenueMoved: impact.revenueMoved, pipelineMoved: impact.pipelineMoved },
    },
    ORG,
  );
  return {
    kind: 'routed',
    effectiveDate,
    route: { request: { requesterId: 'ops1', subjectPersonIds: [] }, steps: groupIntoSteps(stages).map((s) => ({ kind: 'inline', stages: s })) },
  };
}

const decision = (actorId: string, value: ApprovalDecisionRequest['decision'], over: Partial<ApprovalDecisionRequest> = {}): ApprovalDecisionRequest => ({
  actorId, actorRoles: [actorId.replace(/[0-9A-Z]+$/, '')], decision: value, idempotencyKey: `key-${++seq}-${actorId}`, ...over,
});

/** A date `offset` days from the test server's clock (earlier tests skipped it ahead). */
let serverNow = 0;
const day = (offset: number) => new Date(serverNow + offset * DAY).toISOString().slice(0, 10);

async function scenario(
  name: string,
  options: { revenue?: string; effectiveInDays?: number; route?: RoutedTerritoryChange; record?: string },
  script: (run: { recorder: ActivityRecorder; handle: Awaited<ReturnType<TestWorkflowEnvironment['client']['workflow']['start']>>; decide(d: ApprovalDecisionRequest): Promise<unknown>; refused(d: ApprovalDecisionRequest): Promise<ApplicationFailure>; opened(n: number): Promise<void>; status(): Promise<TerritoryChangeStatus> }) => Promise<void>,
) {
  serverNow = await suite.env.currentTimeMs();
  const effective = day(options.effectiveInDays ?? 0);
  const recorder = activityRecorder({
    routeTerritoryChange: async () => options.route ?? routed(options.revenue ?? '60000.00', effective),
    scheduleTerritoryChange: async () => ({ scheduledFor: `${effective}T00:00:00.000Z` }),
    applyTerritoryMoves: async () => ({ accountsMoved: 1, alreadyApplied: false }),
  });
  const taskQueue = uniqueTaskQueue(`territory-${name}`);
  const worker = await Worker.create({ connection: suite.env.nativeConnection, taskQueue, workflowBundle: suite.bundle, activities: recorder.activities });
  return worker.runUntil(async () => {
    const changeId = `tc-${name}-${++seq}`;
    const handle = await suite.env.client.workflow.start('territoryChangeWorkflow', { taskQueue, workflowId: territoryChangeWorkflowId(changeId), args: [{ changeId, requesterId: 'ops1' }] });
    await script({
      recorder,
      handle,
      decide: (d) => handle.executeUpdate(decideUpdate, { args: [d], updateId: d.idempotencyKey }),
      refused: async (d) => {
        try {
          await handle.executeUpdate(decideUpdate, { args: [d], updateId: d.idempotencyKey });
        } catch (e) {
          if (e instanceof WorkflowUpdateFailedError && e.cause instanceof ApplicationFailure) return e.cause;
          throw e;
        }
        throw new Error('not refused');
      },
      opened: async (n) => {
        for (let i = 0; i < 400 && recorder.count('openApprovalStep') < n; i += 1) await new Promise((r) => setTimeout(r, 25));
      },
      status: () => handle.query(territoryStatusQuery),
    });
    const result = (await handle.result()) as TerritoryChangeStatus;
    if (options.record) await recordHistory(HISTORIES, options.record, handle);
    return { result, recorder };
  });
}

describe('territory change (approval kernel)', () => {
  it('both managers, then ops, then finance above the threshold; waits for the effective date, then applies', async () => {
    const { result, recorder: r } = await scenario('applied', { effectiveInDays: 3, record: 'gen2-applied-on-effective-date-with-finance' }, async (run) => {
      await run.opened(1);
      expect((await run.refused(decision('ops1', 'approve'))).type).toBe('AUTH.SELF_DECISION');
      // A rep whose accounts move is no approver of any stage (the router left them out).
      expect((await run.refused(decision('repA', 'approve'))).type).toBe('AUTH.NOT_AN_APPROVER');
      await run.decide(decision('mgrA', 'approve'));
      expect((await run.status()).openStages.map((s) => s.id)).toEqual(['territory-managers']);
      await run.decide(decision('mgrB', 'approve'));
      await run.opened(2);
      await run.decide(decision('ops2', 'approve'));
      await run.opened(3);
      await run.decide(decision('fin1', 'approve'));
      for (let i = 0; i < 200 && (await run.status()).state !== 'scheduled'; i += 1) await new Promise((resolve) => setTimeout(resolve, 25));
      expect(await run.status()).toMatchObject({ state: 'scheduled', nextDeadline: `${day(3)}T00:00:00.000Z` });
      expect(run.recorder.count('applyTerritoryMoves')).toBe(0);
      await suite.env.sleep(4 * DAY);
    });
    expect(result.state).toBe('applied');
    expect(r.of('openApprovalStep').map((o) => o.stages.map((s) => s.id))).toEqual([['territory-managers'], ['ops'], ['finance']]);
    expect(r.sequence().filter((n) => n !== 'openApprovalStep' && n !== 'recordApprovalDecision')).toEqual(['routeTerritoryChange', 'scheduleTerritoryChange', 'applyTerritoryMoves']);
    expect(r.decisions()).toHaveLength(4);
  });

  it('below the threshold there is no finance stage', async () => {
    const { result, recorder: r } = await scenario('no-finance', { revenue: '1000.00' }, async (run) => {
      await run.opened(1);
      await run.decide(decision('mgrA', 'approve'));
      await run.decide(decision('mgrB', 'approve'));
      await run.opened(2);
      await run.decide(decision('ops2', 'approve'));
    });
    expect(result.state).toBe('applied');
    expect(r.of('openApprovalStep').map((o) => o.stages[0]!.id)).toEqual(['territory-managers', 'ops']);
  });

  it('a rejection at ops goes back to the managers; their rejection returns it to the requester', async () => {
    const { result, recorder: r } = await scenario('rejected', { record: 'gen2-rejected-one-stage-back-then-to-requester' }, async (run) => {
      await run.opened(1);
      await run.decide(decision('mgrA', 'approve'));
      await run.decide(decision('mgrB', 'approve'));
      await run.opened(2);
      await run.decide(decision('ops2', 'reject', { comment: 'split the accounts differently' }));
      await run.opened(3);
      await run.decide(decision('mgrB', 'reject', { comment: 'East cannot take more' }));
    });
    expect(result).toMatchObject({ state: 'rejected', comment: 'East cannot take more' });
    expect(r.of('openApprovalStep').map((o) => [o.step, o.visit, o.returnedBy?.actorId ?? null])).toEqual([[0, 1, null], [1, 1, null], [0, 2, 'ops2']]);
    expect(r.of('finishTerritoryChange')).toEqual([expect.objectContaining({ state: 'rejected', decision: expect.objectContaining({ actorId: 'mgrB' }) })]);
  });

  it('nobody eligible to approve: returned to the requester with the reason', async () => {
    const { result, recorder: r } = await scenario('refused', { route: { kind: 'refused', code: 'APPROVAL.NO_ELIGIBLE_APPROVER', message: "nobody may decide stage 'finance'", effectiveDate: day(0) } }, async () => undefined);
    expect(result).toMatchObject({ state: 'rejected', comment: "APPROVAL.NO_ELIGIBLE_APPROVER: nobody may decide stage 'finance'" });
    expect(r.sequence()).toEqual(['routeTerritoryChange', 'finishTerritoryChange']);
  });

  it('cancelled while scheduled by ops (a rep may not): nothing is applied', async () => {
    const { result, recorder: r } = await scenario('cancelled', { revenue: '1000.00', effectiveInDays: 5, record: 'gen2-cancelled-while-scheduled' }, async (run) => {
      await run.opened(1);
      await run.decide(decision('mgrA', 'approve'));
      await run.decide(decision('mgrB', 'approve'));
      await run.opened(2);
      await run.decide(decision('ops2', 'approve'));
      for (let i = 0; i < 200 && (await run.status()).state !== 'scheduled'; i += 1) await new Promise((resolve) => setTimeout(resolve, 25));
      const notAllowed = await run.handle.executeUpdate(territoryCancelUpdate, { args: [{ actorId: 'repA', actorRoles: ['rep'] }] }).catch((e: WorkflowUpdateFailedError) => e.cause as ApplicationFailure);
      expect((notAllowed as ApplicationFailure).type).toBe('AUTH.FORBIDDEN');
      // Accepted is enough here: the Update answers in the task that also completes the workflow,
      // whose result the time-skipping server does not hand back (the dev server does: see the e2e test).
      await run.handle.startUpdate(territoryCancelUpdate, { args: [{ actorId: 'ops2', actorRoles: ['ops'], comment: 'reorg postponed' }], waitForStage: WorkflowUpdateStage.ACCEPTED });
    });
    expect(result).toMatchObject({ state: 'cancelled', cancelledById: 'ops2' });
    expect(r.count('applyTerritoryMoves')).toBe(0);
    expect(r.of('finishTerritoryChange')).toEqual([expect.objectContaining({ state: 'cancelled', cancelledById: 'ops2', cancelComment: 'reorg postponed' })]);
  });
});
