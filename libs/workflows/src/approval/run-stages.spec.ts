/** The approval routine on its own (test workflow in __fixtures__), on the time-skipping server. */
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { ApprovalStage } from '@quotaflow/domain';
import { bundleWorkflows, createTimeSkippingEnv, uniqueTaskQueue } from '../../../../test/support/temporal';
import { routineDecide, routineStatus, type RoutineActivities, type RoutineNotice } from '../__fixtures__/approval-routine.workflow';
import type { ApprovalAuditEntry, ApprovalOutcome, StageDecisionInput } from './run-stages';

let env: TestWorkflowEnvironment;
let bundle: WorkflowBundleWithSourceMap;

beforeAll(async () => {
  [env, bundle] = await Promise.all([createTimeSkippingEnv(), bundleWorkflows(require.resolve('../__fixtures__/test-workflows'))]);
});
afterAll(async () => {
  await env?.teardown();
});

const stage = (id: string, approverIds: string[], over: Partial<ApprovalStage> = {}): ApprovalStage => ({
  id,
  label: id,
  approvers: approverIds.map((personId) => ({ kind: 'person', personId })),
  approverIds,
  mode: 'any',
  decisions: ['approve', 'reject'],
  escalateToIds: [],
  onDeadline: 'expire',
  ...over,
});

function recorder() {
  const audits: ApprovalAuditEntry[] = [];
  const notices: RoutineNotice[] = [];
  const activities: RoutineActivities = {
    async audit(entry) {
      audits.push(entry);
    },
    async notify(notice) {
      notices.push(notice);
    },
  };
  return { audits, notices, activities };
}

async function run(stages: ApprovalStage[], script: (h: Handle) => Promise<void>, request?: { requesterId: string; subjectPersonIds?: string[] }) {
  const r = recorder();
  const taskQueue = uniqueTaskQueue('run-stages');
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities: r.activities });
  const outcome = await worker.runUntil(async () => {
    const handle = await env.client.workflow.start('approvalRoutineWorkflow', {
      taskQueue,
      workflowId: taskQueue,
      args: [{ subject: 'quota-set:q1', stages, request }],
    });
    await script({
      decide: (d) => handle.executeUpdate(routineDecide, { args: [d] }).then(() => undefined),
      refused: (d) =>
        handle.executeUpdate(routineDecide, { args: [d] }).then(
          () => 'accepted',
          (e: unknown) => (e instanceof WorkflowUpdateFailedError && e.cause instanceof ApplicationFailure ? e.cause.type ?? '' : 'other'),
        ),
      open: async () => (await handle.query(routineStatus)).openStageIds,
    });
    return (await handle.result()) as ApprovalOutcome;
  });
  return { outcome, ...r };
}

interface Handle {
  decide(d: StageDecisionInput): Promise<void>;
  refused(d: StageDecisionInput): Promise<string>;
  open(): Promise<string[]>;
}

describe('ApprovalRun', () => {
  it('waits for every approver of a parallel `all` stage before moving on', async () => {
    const { outcome } = await run([stage('managers', ['m1', 'm2'], { mode: 'all' }), stage('finance', ['f1'])], async (h) => {
      await h.decide({ actorId: 'm1', decision: 'approve' });
      expect(await h.open()).toEqual(['managers']);
      expect(await h.refused({ actorId: 'm1', decision: 'approve' })).toBe('APPROVAL.ALREADY_DECIDED');
      expect(await h.refused({ actorId: 'f1', decision: 'approve' })).toBe('APPROVAL.WRONG_STAGE');
      await h.decide({ actorId: 'm2', decision: 'approve' });
      expect(await h.open()).toEqual(['finance']);
      await h.decide({ actorId: 'f1', decision: 'approve' });
    });
    expect(outcome).toMatchObject({ kind: 'approved', flaggedStageIds: [] });
    expect(outcome.kind === 'approved' && outcome.decisions.map((d) => `${d.stageId}:${d.actorId}`)).toEqual([
      'managers:m1',
      'managers:m2',
      'finance:f1',
    ]);
  });

  it('runs the stages of one step in parallel', async () => {
    const { outcome, notices } = await run(
      [stage('team:a', ['ma'], { step: 1 }), stage('team:b', ['mb'], { step: 1 }), stage('finance', ['f1'], { step: 2 })],
      async (h) => {
        expect(await h.open()).toEqual(['team:a', 'team:b']);
        await h.decide({ actorId: 'mb', decision: 'approve' });
        expect(await h.open()).toEqual(['team:a']);
        await h.decide({ actorId: 'ma', decision: 'approve' });
        await h.decide({ actorId: 'f1', decision: 'approve' });
      },
    );
    expect(outcome.kind).toBe('approved');
    expect(notices.filter((n) => n.kind === 'stage-opened').map((n) => n.stageId)).toEqual(['team:a', 'team:b', 'finance']);
  });

  it('returns a rejection one stage back with the comment; the earlier stage decides again', async () => {
    const { outcome, notices, audits } = await run([stage('manager', ['m1']), stage('finance', ['f1'])], async (h) => {
      await h.decide({ actorId: 'm1', decision: 'approve' });
      await h.decide({ actorId: 'f1', decision: 'reject', comment: 'Total above target' });
      expect(await h.open()).toEqual(['manager']);
      await h.decide({ actorId: 'm1', decision: 'approve', comment: 'Lowered team B' });
      await h.decide({ actorId: 'f1', decision: 'approve' });
    });
    expect(outcome.kind).toBe('approved');
    expect(notices.find((n) => n.kind === 'returned')).toMatchObject({ stageId: 'manager', fromStageId: 'finance', comment: 'Total above target', visit: 2 });
    expect(audits.map((a) => `${a.action}:${a.dedupeKey}`)).toEqual([
      'approved:quota-set:q1:manager:1:decision:m1',
      'rejected:quota-set:q1:finance:1:decision:f1',
      'approved:quota-set:q1:manager:2:decision:m1',
      'approved:quota-set:q1:finance:2:decision:f1',
    ]);
  });

  it('ends as rejected when the first stage rejects (back to the requester)', async () => {
    const { outcome } = await run([stage('manager', ['m1']), stage('finance', ['f1'])], async (h) => {
      await h.decide({ actorId: 'm1', decision: 'reject', comment: 'Not this quarter' });
    });
    expect(outcome).toMatchObject({ kind: 'rejected', decision: { actorId: 'm1', comment: 'Not this quarter' } });
  });

  it('refuses a decision the stage does not allow and a stranger', async () => {
    await run([stage('ack', ['r1'], { decisions: ['acknowledge'] })], async (h) => {
      expect(await h.refused({ actorId: 'r1', decision: 'approve' })).toBe('VALIDATION.FAILED');
      expect(await h.refused({ actorId: 'x', decision: 'acknowledge' })).toBe('AUTH.NOT_AN_APPROVER');
      await h.decide({ actorId: 'r1', decision: 'acknowledge' });
    });
  });

  it('applies separation of duties: no self-decision, no second step by the same person', async () => {
    const { outcome } = await run(
      [stage('manager', ['m1', 'ops1', 'rep1']), stage('finance', ['f1', 'm1'])],
      async (h) => {
        expect(await h.refused({ actorId: 'ops1', decision: 'approve' })).toBe('AUTH.SELF_DECISION');
        expect(await h.refused({ actorId: 'rep1', decision: 'approve' })).toBe('AUTH.SELF_DECISION');
        await h.decide({ actorId: 'm1', decision: 'approve' });
        expect(await h.refused({ actorId: 'm1', decision: 'approve' })).toBe('AUTH.SECOND_STAGE_SAME_PERSON');
        await h.decide({ actorId: 'f1', decision: 'approve' });
      },
      { requesterId: 'ops1', subjectPersonIds: ['rep1'] },
    );
    expect(outcome.kind).toBe('approved');
  });

  it('escalate-only: reminds, escalates at the deadline and keeps waiting; proceed-flagged moves on', async () => {
    const { outcome, audits } = await run(
      [
        stage('finance', ['f1'], { reminderEveryDays: 2, deadlineDays: 5, onDeadline: 'escalate-only', escalateToIds: ['cfo'] }),
        stage('ops', ['o1'], { deadlineDays: 3, onDeadline: 'proceed-flagged' }),
      ],
      async (h) => {
        await env.sleep('6 days');
        expect(await h.open()).toEqual(['finance']);
        await h.decide({ actorId: 'f1', decision: 'approve' });
      },
    );
    expect(outcome).toMatchObject({ kind: 'approved', flaggedStageIds: ['ops'] });
    expect(audits.map((a) => `${a.data.stageId}:${a.action}`)).toEqual([
      'finance:reminded',
      'finance:reminded',
      'finance:deadline-passed',
      'finance:escalated',
      'finance:approved',
      'ops:deadline-passed',
    ]);
  });
});
