/**
 * Plan acceptance on the time-skipping server, with recording activities.
 * Days are measured from the `published` audit event (workflow time passed as occurredAt).
 */
import { WorkflowUpdateFailedError, WorkflowUpdateStage } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import * as path from 'node:path';
import { bundleWorkflows, createTimeSkippingEnv } from '../../../../test/support/temporal';
import { recordHistory } from '../../../../test/support/histories';
import type { ApprovalTaskActivities, CloseApprovalTasksInput, OpenApprovalTasksInput } from '../approval/task-activities';
import type {
  PlanAcceptanceActivities,
  RecordAuditInput,
  SendEmailInput,
  SetAssignmentStateInput,
} from './activities';
import {
  decideUpdate,
  planAcceptanceWorkflowId,
  statusQuery,
  supersedeSignal,
  type DecisionRequest,
  type PlanAcceptanceInput,
  type PlanAcceptanceStatus,
} from './messages';

const DAY = 24 * 60 * 60 * 1000;
/** `RECORD_HISTORIES=1 RECORD_HISTORIES_PREFIX=<generation>- npx jest <this file>` records what the replay spec replays. */
const HISTORIES = path.join(__dirname, '__histories__');

let env: TestWorkflowEnvironment;
let bundle: WorkflowBundleWithSourceMap;
let queueSeq = 0;

beforeAll(async () => {
  [env, bundle] = await Promise.all([createTimeSkippingEnv(), bundleWorkflows(require.resolve('../__fixtures__/test-workflows'))]);
});

afterAll(async () => {
  await env?.teardown();
});

/** Recording activities; `gate` lets a test hold `setAssignmentState` for a final status. */
function recorder() {
  const audits: RecordAuditInput[] = [];
  const emails: SendEmailInput[] = [];
  const states: SetAssignmentStateInput[] = [];
  let release: () => void = () => undefined;
  let gate: Promise<void> | undefined;
  const tasks: Array<OpenApprovalTasksInput | CloseApprovalTasksInput> = [];
  const activities: PlanAcceptanceActivities & ApprovalTaskActivities = {
    async openApprovalTasks(input) {
      tasks.push(input);
      return { opened: input.approverIds.length };
    },
    async closeApprovalTasks(input) {
      tasks.push(input);
      return { closed: 1 };
    },
    async sendNotice() {
      return { sent: 1 };
    },
    async renderPlanDocument() {
      return { sha256: 'doc-hash-1', pages: 2 };
    },
    async sendEmail(input) {
      if (!emails.some((e) => e.purpose === input.purpose)) emails.push(input);
      return { outboxId: input.purpose, status: 'sent', messageId: `<${input.purpose}>` };
    },
    async recordAudit(input) {
      if (!audits.some((a) => a.dedupeKey === input.dedupeKey)) audits.push(input);
    },
    async setAssignmentState(input) {
      if (gate && input.status !== 'pending_rep') await gate;
      states.push(input);
    },
  };
  const hold = () => {
    gate = new Promise((resolve) => (release = resolve));
  };
  /** Days since the rep's stage opened (its deadline minus the 14 default days). */
  const day = (iso?: string) => {
    const opened = Date.parse(states.find((s) => s.status === 'pending_rep')!.nextDeadline!) - 14 * DAY;
    // to the ~minute: the activities of a step take a few ms of workflow time
    return Math.round(((Date.parse(iso!) - opened) / DAY) * 1000) / 1000;
  };
  const sincePublished = (iso?: string) => {
    const published = audits.find((a) => a.action === 'plan-assignment.published')!;
    return (Date.parse(iso!) - Date.parse(published.occurredAt!)) / DAY;
  };
  const actions = () => audits.map((a) => a.action);
  return { audits, emails, states, tasks, activities, hold, release: () => release(), day, sincePublished, actions };
}

const input = (over: Partial<PlanAcceptanceInput> = {}): PlanAcceptanceInput => ({
  assignmentId: `a-${++queueSeq}`,
  personId: 'rep-1',
  managerId: 'mgr-1',
  opsIds: ['ops-1', 'ops-2'],
  planVersionId: 'pv-1',
  publishedById: 'ops-1',
  settings: {},
  ...over,
});

const rep = (decision: DecisionRequest['decision'], over: Partial<DecisionRequest> = {}): DecisionRequest => ({
  actorId: 'rep-1',
  actorRoles: ['rep'],
  decision,
  ip: '203.0.113.7',
  userAgent: 'jest',
  ...over,
});

async function withWorker<T>(activities: PlanAcceptanceActivities & ApprovalTaskActivities, fn: (taskQueue: string) => Promise<T>): Promise<T> {
  const taskQueue = `plan-acceptance-spec-${queueSeq}-${process.pid}`;
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities });
  return worker.runUntil(fn(taskQueue));
}

async function start(taskQueue: string, args: PlanAcceptanceInput) {
  return env.client.workflow.start('planAcceptanceWorkflow', {
    taskQueue,
    workflowId: planAcceptanceWorkflowId(args.assignmentId),
    args: [args],
  });
}

/** Polls the status Query until the predicate holds (queries do not advance time). */
async function until(handle: { query: (q: typeof statusQuery) => Promise<PlanAcceptanceStatus> }, pred: (s: PlanAcceptanceStatus) => boolean) {
  for (let i = 0; i < 200; i++) {
    const s = await handle.query(statusQuery);
    if (pred(s)) return s;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('status never reached the expected state');
}

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

/** Invited and waiting on the rep's deadline (the workflow is idle). */
const invited = (s: PlanAcceptanceStatus) =>
  s.nextDeadline !== undefined && s.history.some((h) => h.event === 'emailed' && h.detail?.startsWith('plan-invite'));

describe('planAcceptanceWorkflow', () => {
  it('reminds on days 3, 6, 9 and 12, escalates to the manager on day 7 and expires on day 14 with a note to ops', async () => {
    const r = recorder();
    const args = input();
    const result = await withWorker(r.activities, async (tq) => {
      const handle = await start(tq, args);
      const done = await handle.result();
      await recordHistory(HISTORIES, 'expired-after-reminders-and-escalation', handle);
      return done;
    });

    expect(result.state).toBe('expired');
    const reminders = r.audits.filter((a) => a.action === 'plan-assignment.reminded');
    expect(reminders.map((a) => r.day(a.occurredAt))).toEqual([3, 6, 9, 12]);
    const escalation = r.audits.filter((a) => a.action === 'plan-assignment.escalated');
    expect(escalation.map((a) => r.day(a.occurredAt))).toEqual([7]);
    const expired = r.audits.find((a) => a.action === 'plan-assignment.expired')!;
    expect(r.day(expired.occurredAt)).toBe(14);

    const purposes = r.emails.map((e) => `${e.purpose} → ${e.to}`);
    expect(purposes).toEqual([
      `plan-acceptance:${args.assignmentId}:invite → rep`,
      `plan-acceptance:${args.assignmentId}:rep-acceptance:reminder:1 → rep`,
      `plan-acceptance:${args.assignmentId}:rep-acceptance:reminder:2 → rep`,
      `plan-acceptance:${args.assignmentId}:rep-acceptance:escalation → manager`,
      `plan-acceptance:${args.assignmentId}:rep-acceptance:reminder:3 → rep`,
      `plan-acceptance:${args.assignmentId}:rep-acceptance:reminder:4 → rep`,
      `plan-acceptance:${args.assignmentId}:expired:ops → ops`,
    ]);
    expect(r.emails.at(-1)!.recipientIds).toEqual(['ops-1', 'ops-2']);
    expect(r.emails.find((e) => e.template === 'plan-escalation')!.recipientIds).toEqual(['mgr-1']);
    expect(r.states.map((s) => s.status)).toEqual(['pending_rep', 'expired']);
    expect(r.sincePublished(r.states[0].nextDeadline!)).toBeCloseTo(14, 3);
    expect(result.remindersSent).toBe(4);
    expect(result.escalated).toBe(true);
    // every step carries the workflow id and run id
    expect(new Set(r.audits.map((a) => a.workflowId))).toEqual(new Set([planAcceptanceWorkflowId(args.assignmentId)]));
    expect(r.audits.every((a) => a.runId.length > 0)).toBe(true);
  });

  it('records an acceptance within the deadline with ip, user agent and document hash', async () => {
    const r = recorder();
    const args = input();
    const status = await withWorker(r.activities, async (tq) => {
      const handle = await start(tq, args);
      await until(handle, invited);
      await env.sleep('4 days');
      const after = await handle.executeUpdate(decideUpdate, { args: [rep('accept')], updateId: 'idem-accept-1' });
      await handle.result();
      return after;
    });

    expect(status.state).toBe('accepted');
    const accepted = r.audits.find((a) => a.action === 'plan-assignment.accepted')!;
    expect(accepted).toMatchObject({
      actorId: 'rep-1',
      actorRole: 'rep',
      data: expect.objectContaining({ ip: '203.0.113.7', userAgent: 'jest', documentHash: 'doc-hash-1' }),
      approvalDecision: expect.objectContaining({ stage: 'rep-acceptance', decision: 'accept', idempotencyKey: 'idem-accept-1' }),
    });
    expect(r.day(accepted.occurredAt)).toBe(4);
    const final = r.states.at(-1)!;
    expect(final).toMatchObject({
      status: 'accepted',
      decision: { personId: 'rep-1', decision: 'accepted', ip: '203.0.113.7', userAgent: 'jest', documentHash: 'doc-hash-1' },
    });
    expect(final.effectiveAt).toBe(accepted.occurredAt);
    // The inbox: the rep's task opened with the stage (no extra email: the invite is the notice), closed by the decision.
    expect(r.tasks[0]).toMatchObject({ stageId: 'rep-acceptance', approverIds: ['rep-1'], notify: false, subjectType: 'plan-assignment' });
    expect(r.tasks[1]).toMatchObject({ stageId: 'rep-acceptance', status: 'done', decision: 'accept', decidedById: 'rep-1' });
    expect(r.tasks.at(-1)).toMatchObject({ status: 'cancelled' });
    expect((r.tasks.at(-1) as CloseApprovalTasksInput).stageId).toBeUndefined();
    expect(r.actions()).toEqual([
      'plan-assignment.published',
      'plan-assignment.emailed',
      'plan-assignment.reminded',
      'plan-assignment.accepted',
    ]);
  });

  it('refuses a decline without a reason, then takes one with a reason and tells manager and ops', async () => {
    const r = recorder();
    const args = input();
    const { refused, status } = await withWorker(r.activities, async (tq) => {
      const handle = await start(tq, args);
      await until(handle, invited);
      const refused = await refusal(handle.executeUpdate(decideUpdate, { args: [rep('decline', { reason: '  ' })] }));
      const status = await handle.executeUpdate(decideUpdate, { args: [rep('decline', { reason: 'Quota too high' })] });
      await handle.result();
      await recordHistory(HISTORIES, 'declined-with-reason', handle);
      return { refused, status };
    });

    expect(refused).toEqual({ type: 'VALIDATION.FAILED', field: 'reason' });
    expect(status.state).toBe('declined');
    expect(r.states.at(-1)).toMatchObject({ status: 'declined', decision: { decision: 'declined', reason: 'Quota too high' } });
    expect(r.emails.filter((e) => e.template === 'plan-declined').map((e) => [e.to, e.data?.reason])).toEqual([
      ['manager', 'Quota too high'],
      ['ops', 'Quota too high'],
    ]);
    expect(r.audits.find((a) => a.action === 'plan-assignment.declined')!.comment).toBe('Quota too high');
  });

  it('refuses someone other than the rep with AUTH.FORBIDDEN and nothing enters history', async () => {
    const r = recorder();
    const args = input();
    const { refused, before, after, wrongDecision } = await withWorker(r.activities, async (tq) => {
      const handle = await start(tq, args);
      await until(handle, invited);
      const before = (await handle.fetchHistory()).events!;
      const refused = await refusal(handle.executeUpdate(decideUpdate, { args: [rep('accept', { actorId: 'intruder' })] }));
      const wrongDecision = await refusal(handle.executeUpdate(decideUpdate, { args: [rep('approve')] }));
      const after = (await handle.fetchHistory()).events!;
      await handle.signal(supersedeSignal, { byAssignmentId: 'cleanup' });
      await handle.result();
      return { refused, before, after, wrongDecision };
    });

    expect(refused).toEqual({ type: 'AUTH.FORBIDDEN', field: 'actorId' });
    expect(wrongDecision).toEqual({ type: 'VALIDATION.FAILED', field: 'decision' });
    // The time-skipping server writes a workflow task per validated update (the dev server writes
    // nothing; see the dev-server spec): nothing but workflow-task events may appear.
    const added = after.slice(before.length);
    expect(added.every((e) => e.workflowTaskScheduledEventAttributes || e.workflowTaskStartedEventAttributes || e.workflowTaskCompletedEventAttributes)).toBe(true);
    expect(after.some((e) => e.workflowExecutionUpdateAcceptedEventAttributes)).toBe(false);
    expect(r.actions()).not.toContain('plan-assignment.accepted');
  });

  it('refuses a second decision with PLAN_ASSIGNMENT.ALREADY_DECIDED', async () => {
    const r = recorder();
    const args = input();
    r.hold();
    const { second, first } = await withWorker(r.activities, async (tq) => {
      const handle = await start(tq, args);
      await until(handle, invited);
      const firstUpdate = await handle.startUpdate(decideUpdate, { args: [rep('accept')], waitForStage: WorkflowUpdateStage.ACCEPTED });
      const second = await refusal(handle.executeUpdate(decideUpdate, { args: [rep('decline', { reason: 'changed my mind' })] }));
      r.release();
      const first = await firstUpdate.result();
      await handle.result();
      return { second, first };
    });

    expect(second.type).toBe('PLAN_ASSIGNMENT.ALREADY_DECIDED');
    expect(first.state).toBe('accepted');
    expect(r.actions().filter((a) => a === 'plan-assignment.accepted' || a === 'plan-assignment.declined')).toEqual([
      'plan-assignment.accepted',
    ]);
  });

  it('asks the manager first when pre-approval is on; the rep cannot decide before', async () => {
    const r = recorder();
    const args = input({ settings: { managerPreApproval: true } });
    const seen = await withWorker(r.activities, async (tq) => {
      const handle = await start(tq, args);
      const pending = await until(handle, (s) => s.history.some((h) => h.event === 'emailed'));
      const repTooEarly = await refusal(handle.executeUpdate(decideUpdate, { args: [rep('accept')] }));
      const rejectWithoutComment = await refusal(
        handle.executeUpdate(decideUpdate, { args: [{ actorId: 'mgr-1', actorRoles: ['manager'], decision: 'reject' }] }),
      );
      await env.sleep('1 day');
      const approved = await handle.executeUpdate(decideUpdate, {
        args: [{ actorId: 'mgr-1', actorRoles: ['manager'], decision: 'approve', comment: 'fine' }],
      });
      await until(handle, invited);
      const accepted = await handle.executeUpdate(decideUpdate, { args: [rep('accept')] });
      await handle.result();
      await recordHistory(HISTORIES, 'manager-approved-then-accepted', handle);
      return { pending: pending.state, repTooEarly, rejectWithoutComment, approved: approved.state, accepted: accepted.state };
    });

    expect(seen).toEqual({
      pending: 'pending_manager',
      repTooEarly: { type: 'PLAN_ASSIGNMENT.NOT_PENDING', field: 'actorId' },
      rejectWithoutComment: { type: 'VALIDATION.FAILED', field: 'reason' },
      approved: 'pending_rep',
      accepted: 'accepted',
    });
    expect(r.emails.map((e) => e.template)).toEqual(['manager-preapproval', 'plan-invite']);
    expect(r.actions()).toEqual([
      'plan-assignment.published',
      'plan-assignment.emailed',
      'plan-assignment.approved',
      'plan-assignment.emailed',
      'plan-assignment.accepted',
    ]);
    // the rep's deadlines count from when the rep was invited, not from publication
    expect(r.sincePublished(r.states[0].nextDeadline!)).toBeCloseTo(15, 3);
  });

  it('refuses a pre-approval by the manager who published the plan (AUTH.SELF_DECISION)', async () => {
    const r = recorder();
    const args = input({ publishedById: 'mgr-1', settings: { managerPreApproval: true } });
    const refused = await withWorker(r.activities, async (tq) => {
      const handle = await start(tq, args);
      await until(handle, (s) => s.nextDeadline !== undefined);
      const refused = await refusal(handle.executeUpdate(decideUpdate, { args: [{ actorId: 'mgr-1', actorRoles: ['manager'], decision: 'approve' }] }));
      await handle.signal(supersedeSignal, { byAssignmentId: 'cleanup' });
      await handle.result();
      return refused;
    });
    expect(refused.type).toBe('AUTH.SELF_DECISION');
    expect(r.actions()).not.toContain('plan-assignment.approved');
  });

  it('ends as declined when the manager rejects, with the comment, and tells ops', async () => {
    const r = recorder();
    const args = input({ settings: { managerPreApproval: true } });
    const status = await withWorker(r.activities, async (tq) => {
      const handle = await start(tq, args);
      await until(handle, (s) => s.history.some((h) => h.event === 'emailed'));
      const answer = await handle.executeUpdate(decideUpdate, {
        args: [{ actorId: 'mgr-1', actorRoles: ['manager'], decision: 'reject', comment: 'Wrong territory' }],
      });
      // The Update answers once the decision is recorded; its effects follow before the run ends.
      await handle.result();
      return answer;
    });

    expect(status.state).toBe('declined');
    expect(r.states.map((x) => x.status)).toEqual(['declined']);
    expect(r.states[0].decision).toBeUndefined();
    expect(r.emails.at(-1)).toMatchObject({ template: 'plan-rejected-by-manager', to: 'ops', data: { comment: 'Wrong territory' } });
    expect(r.audits.find((a) => a.action === 'plan-assignment.rejected')).toMatchObject({ actorId: 'mgr-1', comment: 'Wrong territory' });
  });

  it('ends as superseded on the supersede signal, and then refuses decisions as not pending', async () => {
    const r = recorder();
    const args = input();
    const result = await withWorker(r.activities, async (tq) => {
      const handle = await start(tq, args);
      await until(handle, invited);
      await handle.signal(supersedeSignal, { byAssignmentId: 'a-new' });
      const done = await handle.result();
      await recordHistory(HISTORIES, 'superseded', handle);
      return done;
    });

    expect(result.state).toBe('superseded');
    expect(r.states.at(-1)).toMatchObject({ status: 'superseded', supersededById: 'a-new' });
    expect(r.audits.at(-1)).toMatchObject({ action: 'plan-assignment.superseded', data: { byAssignmentId: 'a-new' } });
  });
});
