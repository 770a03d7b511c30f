/**
 * Plan acceptance (generation 2: the approval kernel) on the time-skipping server, with
 * recording activities: every activity call is kept and counted. Routes come from the real
 * approval policy over a small organisation.
 */
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { DEFAULT_APPROVAL_POLICY, groupIntoSteps, resolveStages, type ApprovalSettings, type Organisation } from '@quotaflow/domain';
import * as path from 'node:path';
import { activityRecorder, type ActivityRecorder } from '../../../../test/support/activity-recorder';
import { recordHistory } from '../../../../test/support/histories';
import { timeSkippingSuite, uniqueTaskQueue } from '../../../../test/support/temporal';
import { decideUpdate, type ApprovalDecisionRequest, type DecisionReceipt } from '../approval/messages';
import type { PreparedPlanAcceptance } from './activities';
import { planAcceptanceStatusQuery, planAcceptanceWorkflowId, supersedeUpdate, type PlanAcceptanceStatus } from './messages';

const DAY = 24 * 60 * 60 * 1000;
const NEXT = '00000000-0000-4000-8000-00000000000a';
const HISTORIES = path.join(__dirname, '__histories__');

const suite = timeSkippingSuite(require.resolve('../__fixtures__/test-workflows'));
let seq = 0;

const ORG: Organisation = {
  teams: [{ id: 't-1', managerId: 'mgr-1' }],
  people: [
    { id: 'ops-1', roles: ['ops'], active: true },
    { id: 'ops-2', roles: ['ops'], active: true },
    { id: 'mgr-1', roles: ['manager'], teamId: 't-1', active: true },
    { id: 'rep-1', roles: ['rep'], teamId: 't-1', managerId: 'mgr-1', active: true },
  ],
};

function prepared(settings: ApprovalSettings = {}): PreparedPlanAcceptance {
  // The route production takes (apps/worker plan-acceptance activities: resolveStages with the kind).
  const stages = resolveStages(DEFAULT_APPROVAL_POLICY, { kind: 'plan-acceptance', requesterId: 'ops-1', subjectPersonIds: ['rep-1'], settings }, ORG);
  return {
    documentHash: 'pdf-sha-1',
    pages: 2,
    route: { request: { requesterId: 'ops-1', subjectPersonIds: ['rep-1'] }, steps: groupIntoSteps(stages).map((s) => ({ kind: 'inline', stages: s })) },
  };
}

const decision = (actorId: string, value: ApprovalDecisionRequest['decision'], over: Partial<ApprovalDecisionRequest> = {}): ApprovalDecisionRequest => ({
  actorId,
  actorRoles: [actorId.startsWith('rep') ? 'rep' : 'manager'],
  decision: value,
  idempotencyKey: `key-${++seq}-${actorId}`,
  ip: '203.0.113.7',
  userAgent: 'jest',
  ...over,
});

interface Run {
  recorder: ActivityRecorder;
  handle: Awaited<ReturnType<TestWorkflowEnvironment['client']['workflow']['start']>>;
  decide(d: ApprovalDecisionRequest): Promise<DecisionReceipt>;
  refused(d: ApprovalDecisionRequest): Promise<ApplicationFailure>;
  status(): Promise<PlanAcceptanceStatus>;
  until(pred: (s: PlanAcceptanceStatus) => boolean): Promise<PlanAcceptanceStatus>;
  opened(): Promise<void>;
}

async function scenario(
  name: string,
  options: { settings?: ApprovalSettings; handlers?: Parameters<typeof activityRecorder>[0]; record?: string },
  script: (run: Run) => Promise<void>,
): Promise<PlanAcceptanceStatus> {
  const recorder = activityRecorder({ preparePlanAcceptance: async () => prepared(options.settings), ...options.handlers });
  const taskQueue = uniqueTaskQueue(`plan-${name}`);
  const worker = await Worker.create({ connection: suite.env.nativeConnection, taskQueue, workflowBundle: suite.bundle, activities: recorder.activities });
  return worker.runUntil(async () => {
    const assignmentId = `a-${name}-${++seq}`;
    const handle = await suite.env.client.workflow.start('planAcceptanceWorkflow', { taskQueue, workflowId: planAcceptanceWorkflowId(assignmentId), args: [{ assignmentId }] });
    const status = () => handle.query(planAcceptanceStatusQuery);
    const until = async (pred: (s: PlanAcceptanceStatus) => boolean) => {
      for (let i = 0; i < 400; i += 1) {
        const s = await status();
        if (pred(s)) return s;
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error(`status never reached the expected state: ${JSON.stringify(await status())}`);
    };
    const run: Run = {
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
        throw new Error('the decision was not refused');
      },
      status,
      until,
      opened: async () => {
        for (let i = 0; i < 400 && recorder.count('openApprovalStep') === 0; i += 1) await new Promise((r) => setTimeout(r, 25));
      },
    };
    await script(run);
    const result = (await handle.result()) as PlanAcceptanceStatus;
    if (options.record) await recordHistory(HISTORIES, options.record, handle);
    return result;
  });
}

describe('plan acceptance (approval kernel)', () => {
  it('invites once, records the accept with its e-signature in one activity, and finishes accepted', async () => {
    let receipt: DecisionReceipt | undefined;
    let r: ActivityRecorder | undefined;
    let handle: Run['handle'] | undefined;
    const final = await scenario('accept', { record: 'accepted' }, async (run) => {
      r = run.recorder;
      handle = run.handle;
      await run.opened();
      receipt = await run.decide(decision('rep-1', 'accept'));
    });
    expect(receipt).toMatchObject({ stageId: 'rep-acceptance', decision: 'accept', round: 1, step: 0, visit: 1, approvalStatus: 'approved', documentHash: 'pdf-sha-1' });
    expect(final).toMatchObject({ state: 'accepted', documentHash: 'pdf-sha-1', remindersSent: 0, escalated: false });
    expect(r!.sequence()).toEqual(['preparePlanAcceptance', 'openApprovalStep', 'recordApprovalDecision', 'finishPlanAcceptance']);
    const [opened] = r!.of('openApprovalStep');
    expect(opened).toMatchObject({ subject: expect.stringMatching(/^plan-assignment:/), subjectType: 'plan-assignment', round: 1, step: 0, visit: 1 });
    expect(opened!.stages).toEqual([expect.objectContaining({ id: 'rep-acceptance', approverIds: ['rep-1'], decisions: ['accept', 'decline'], actingRole: 'rep' })]);
    expect(Date.parse(opened!.stages[0]!.deadline!) - Date.parse(r!.of('preparePlanAcceptance')[0]!.at)).toBeGreaterThanOrEqual(14 * DAY - 1000);
    const [recorded] = r!.of('recordApprovalDecision');
    expect(recorded).toMatchObject({ stageCompleted: true, stepEnded: true, documentHash: 'pdf-sha-1', decision: { actorId: 'rep-1', decision: 'accept', ip: '203.0.113.7', userAgent: 'jest' } });
    expect(r!.of('finishPlanAcceptance')).toEqual([expect.objectContaining({ outcome: 'approved' })]);
    // Generation 3: the document and the invite in local activities inside the first workflow
    // task (markers), so the server schedules activities only for the decision and the finish.
    const events = (await handle!.fetchHistory()).events ?? [];
    const scheduled = events.map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name).filter((n): n is string => !!n);
    // Everything up to waiting for the rep (its deadline's timer) in the first workflow task.
    const tasksUntilWaiting = events.slice(0, events.findIndex((e) => e.timerStartedEventAttributes)).filter((e) => e.workflowTaskCompletedEventAttributes).length;
    const markers = events.filter((e) => e.markerRecordedEventAttributes).map((e) => e.markerRecordedEventAttributes!.markerName);
    expect({ scheduled, tasksUntilWaiting, markers }).toEqual({ scheduled: ['recordApprovalDecision', 'finishPlanAcceptance'], tasksUntilWaiting: 1, markers: ['core_patch', 'core_local_activity', 'core_local_activity'] });
  });

  it('refuses a decision while the plan document is still being prepared', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    await scenario('preparing', { handlers: { preparePlanAcceptance: async () => (await gate, prepared()) } }, async (run) => {
      const refusal = await run.refused(decision('rep-1', 'accept'));
      expect([refusal.type, refusal.message]).toEqual(['PLAN_ASSIGNMENT.NOT_PENDING', 'The plan document is still being prepared.']);
      release();
      await run.opened();
      await run.decide(decision('rep-1', 'decline', { comment: 'too low' }));
    });
  });

  it('refuses what could not be stored or would be wrong: NUL, no reason, another person, a second decision', async () => {
    await scenario('refusals', {}, async (run) => {
      await run.opened();
      const nul = await run.refused(decision('rep-1', 'decline', { comment: 'no\u0000way' }));
      expect([nul.type, nul.details]).toEqual(['VALIDATION.FAILED', [{ field: 'comment' }]]);
      const noReason = await run.refused(decision('rep-1', 'decline'));
      expect([noReason.type, noReason.details]).toEqual(['VALIDATION.FAILED', [{ field: 'comment' }]]);
      const other = await run.refused(decision('mgr-1', 'accept'));
      expect(other.type).toBe('AUTH.FORBIDDEN');
      await run.decide(decision('rep-1', 'decline', { comment: 'quota too high' }));
      const again = await run.refused(decision('rep-1', 'accept'));
      expect(again.type).toBe('PLAN_ASSIGNMENT.ALREADY_DECIDED');
      expect(run.recorder.count('recordApprovalDecision')).toBe(1);
    });
  });

  it('manager pre-approval first; the manager’s rejection ends it and the rep is never asked', async () => {
    let r: ActivityRecorder | undefined;
    const final = await scenario('manager-reject', { settings: { managerPreApproval: true }, record: 'manager-rejected' }, async (run) => {
      r = run.recorder;
      await run.opened();
      expect((await run.status()).state).toBe('pending_manager');
      expect((await run.refused(decision('rep-1', 'accept'))).type).toBe('PLAN_ASSIGNMENT.NOT_PENDING');
      await run.decide(decision('mgr-1', 'reject', { comment: 'wrong plan for this role' }));
    });
    expect(final.state).toBe('declined');
    expect(r!.of('openApprovalStep').map((o) => o.stages.map((s) => s.id))).toEqual([['manager-preapproval']]);
    expect(r!.of('finishPlanAcceptance')).toEqual([expect.objectContaining({ outcome: 'returned', decision: expect.objectContaining({ actorId: 'mgr-1', comment: 'wrong plan for this role' }) })]);
  });

  it('manager approval hands over to the rep, who accepts', async () => {
    let r: ActivityRecorder | undefined;
    const final = await scenario('manager-approve', { settings: { managerPreApproval: true }, record: 'manager-approved-then-accepted' }, async (run) => {
      r = run.recorder;
      await run.opened();
      await run.decide(decision('mgr-1', 'approve'));
      await run.until((s) => s.state === 'pending_rep');
      await run.decide(decision('rep-1', 'accept'));
    });
    expect(final.state).toBe('accepted');
    expect(r!.of('openApprovalStep').map((o) => [o.step, o.stages[0]!.id])).toEqual([[0, 'manager-preapproval'], [1, 'rep-acceptance']]);
    expect(r!.of('recordApprovalDecision').map((d) => [d.stage.id, d.decision.decision, d.stage.actingRole])).toEqual([
      ['manager-preapproval', 'approve', 'manager'],
      ['rep-acceptance', 'accept', 'rep'],
    ]);
  });

  it('reminds on days 3, 6, 9 and 12, escalates on day 7, expires on day 14, and then refuses decisions', async () => {
    let r: ActivityRecorder | undefined;
    const final = await scenario('expiry', { record: 'expired-after-reminders-and-escalation' }, async (run) => {
      r = run.recorder;
      await run.opened();
      await suite.env.sleep(15 * DAY);
      await run.handle.result();
      // The workflow has ended: Temporal itself refuses the Update (the API answers PLAN_ASSIGNMENT.NOT_PENDING).
      await expect(run.decide(decision('rep-1', 'accept'))).rejects.toThrow(/not found|completed/i);
    });
    expect(final).toMatchObject({ state: 'expired', remindersSent: 4, escalated: true });
    const opened = Date.parse(r!.of('openApprovalStep')[0]!.stages[0]!.deadline!) - 14 * DAY;
    const notices = r!.of('notifyApprovalStage').map((n) => [n.event, n.reminder ?? null]);
    expect(notices).toEqual([['reminder', 1], ['reminder', 2], ['escalation', null], ['reminder', 3], ['reminder', 4], ['deadline', null]]);
    expect(r!.of('notifyApprovalStage').find((n) => n.event === 'escalation')!.stage.escalateToIds).toEqual(['mgr-1']);
    expect(opened).toBeGreaterThan(0);
    expect(r!.of('finishPlanAcceptance')).toEqual([expect.objectContaining({ outcome: 'expired' })]);
    expect(r!.count('recordApprovalDecision')).toBe(0);
  });

  it('a supersede (an Update: a malformed one is refused) ends it superseded; a decision afterwards is refused', async () => {
    let r: ActivityRecorder | undefined;
    const final = await scenario('superseded', { record: 'superseded' }, async (run) => {
      r = run.recorder;
      await run.opened();
      const malformed = await run.handle.executeUpdate(supersedeUpdate, { args: [{ byAssignmentId: 'not-an-id' }] }).catch((e: WorkflowUpdateFailedError) => e.cause as ApplicationFailure);
      expect((malformed as ApplicationFailure).type).toBe('VALIDATION.FAILED');
      expect(await run.handle.executeUpdate(supersedeUpdate, { args: [{ byAssignmentId: NEXT }] })).toEqual({ state: 'superseded' });
      await run.handle.result();
      await expect(run.decide(decision('rep-1', 'accept'))).rejects.toThrow(/not found|completed/i);
    });
    expect(final.state).toBe('superseded');
    expect(r!.of('finishPlanAcceptance')).toEqual([expect.objectContaining({ outcome: 'cancelled', supersededById: NEXT })]);
    expect(r!.count('recordApprovalDecision')).toBe(0);
  });

  it('a permanent failure of an activity ends it failed and reports it once, instead of retrying forever', async () => {
    let r: ActivityRecorder | undefined;
    const final = await scenario(
      'failed',
      { handlers: { recordApprovalDecision: async () => { throw ApplicationFailure.nonRetryable('invalid byte sequence for encoding "UTF8": 0x00 (SQLSTATE 22021)', 'DATABASE.INVALID_DATA'); } } },
      async (run) => {
        r = run.recorder;
        await run.opened();
        await run.decide(decision('rep-1', 'accept'));
      },
    );
    expect(final).toMatchObject({ state: 'failed', failure: { code: 'DATABASE.INVALID_DATA' } });
    expect(r!.of('reportWorkflowFailure')).toEqual([expect.objectContaining({ subjectType: 'plan-assignment', code: 'DATABASE.INVALID_DATA' })]);
    expect(r!.count('recordApprovalDecision')).toBe(1);
    expect(r!.count('finishPlanAcceptance')).toBe(0);
  });
});
