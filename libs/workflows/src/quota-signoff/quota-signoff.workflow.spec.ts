/**
 * Quota sign-off on the time-skipping server, with recording activities. The organisation:
 * ops-1 submits; West (mgr-w: r1, r2) and East (mgr-e: r3) are signed off in parallel; fin-1 is finance.
 */
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import * as path from 'node:path';
import type { Organisation, QuotaSet } from '@quotaflow/domain';
import { bundleWorkflows, createTimeSkippingEnv } from '../../../../test/support/temporal';
import { recordHistory } from '../../../../test/support/histories';
import type { ApprovalTaskActivities, CloseApprovalTasksInput, OpenApprovalTasksInput, SendNoticeInput } from '../approval/task-activities';
import type { RecordAuditInput } from '../plan-acceptance/activities';
import type {
  AcknowledgeQuotaInput,
  LockQuotaSetInput,
  QuotaSignoffActivities,
  SaveQuotaVersionInput,
  SetQuotaSetStateInput,
} from './activities';
import {
  quotaAdjustUpdate,
  quotaDecideUpdate,
  quotaReviseUpdate,
  quotaSignoffWorkflowId,
  quotaStatusQuery,
  type QuotaDecisionRequest,
  type QuotaSignoffInput,
  type QuotaSignoffStatus,
} from './messages';

const DAY = 24 * 60 * 60 * 1000;
/** `RECORD_HISTORIES=1 RECORD_HISTORIES_PREFIX=<generation>- npx jest <this file>` records what the replay spec replays. */
const HISTORIES = path.join(__dirname, '__histories__');

let env: TestWorkflowEnvironment;
let bundle: WorkflowBundleWithSourceMap;
let seq = 0;

beforeAll(async () => {
  [env, bundle] = await Promise.all([createTimeSkippingEnv(), bundleWorkflows(require.resolve('../__fixtures__/test-workflows'))]);
});

afterAll(async () => {
  await env?.teardown();
});

const ORG: Organisation = {
  teams: [
    { id: 't-west', managerId: 'mgr-w' },
    { id: 't-east', managerId: 'mgr-e' },
  ],
  people: [
    { id: 'ops-1', roles: ['ops'], active: true },
    { id: 'fin-1', roles: ['finance'], active: true },
    { id: 'mgr-w', roles: ['manager'], teamId: 't-west', active: true },
    { id: 'mgr-e', roles: ['manager'], teamId: 't-east', active: true },
    { id: 'r1', roles: ['rep'], teamId: 't-west', managerId: 'mgr-w', active: true },
    { id: 'r2', roles: ['rep'], teamId: 't-west', managerId: 'mgr-w', active: true },
    { id: 'r3', roles: ['rep'], teamId: 't-east', managerId: 'mgr-e', active: true },
  ],
};

/** East's reps fall 50,000.00 short of its target; r1 moves +50 % from last period. */
const SET: QuotaSet = {
  periodLabel: '2026-Q1',
  companyTarget: '1000000.00',
  teams: [
    { teamId: 't-west', target: '600000.00' },
    { teamId: 't-east', target: '400000.00' },
  ],
  quotas: [
    { personId: 'r1', teamId: 't-west', amount: '300000.00' },
    { personId: 'r2', teamId: 't-west', amount: '300000.00' },
    { personId: 'r3', teamId: 't-east', amount: '350000.00' },
  ],
};

function recorder() {
  const audits: RecordAuditInput[] = [];
  const emails: SendNoticeInput[] = [];
  const opened: OpenApprovalTasksInput[] = [];
  const closed: CloseApprovalTasksInput[] = [];
  const versions: SaveQuotaVersionInput[] = [];
  const states: SetQuotaSetStateInput[] = [];
  const locks: LockQuotaSetInput[] = [];
  const acks: AcknowledgeQuotaInput[] = [];
  const activities: QuotaSignoffActivities & ApprovalTaskActivities & { recordAudit(input: RecordAuditInput): Promise<void> } = {
    async recordAudit(input) {
      if (!audits.some((a) => a.dedupeKey === input.dedupeKey)) audits.push(input);
    },
    async sendNotice(input) {
      if (!emails.some((e) => e.purpose === input.purpose)) emails.push(input);
      return { sent: input.recipientIds.length };
    },
    async openApprovalTasks(input) {
      const fresh = input.approverIds.filter(
        (id) => !opened.some((o) => o.stageId === input.stageId && o.visit === input.visit && o.approverIds.includes(id)),
      );
      if (fresh.length > 0) opened.push({ ...input, approverIds: fresh });
      return { opened: fresh.length };
    },
    async closeApprovalTasks(input) {
      closed.push(input);
      return { closed: 1 };
    },
    async saveQuotaVersion(input) {
      const created = !versions.some((v) => v.version === input.version);
      if (created) versions.push(input);
      return { created };
    },
    async setQuotaSetState(input) {
      states.push(input);
    },
    async acknowledgeQuota(input) {
      acks.push(input);
    },
    async lockQuotaSet(input) {
      locks.push(input);
    },
  };
  const actions = () => audits.map((a) => a.action);
  return { audits, emails, opened, closed, versions, states, locks, acks, activities, actions };
}

function input(over: Partial<QuotaSignoffInput> = {}): QuotaSignoffInput {
  return {
    quotaSetId: `qs-${++seq}`,
    version: 1,
    requesterId: 'ops-1',
    periodId: '2026-Q1',
    set: SET,
    previous: [
      { personId: 'r1', amount: '200000.00' },
      { personId: 'r2', amount: '290000.00' },
    ],
    changePercentFlag: '20',
    org: ORG,
    ...over,
  };
}

const as = (actorId: string, decision: QuotaDecisionRequest['decision'], over: Partial<QuotaDecisionRequest> = {}): QuotaDecisionRequest => ({
  actorId,
  actorRoles: [actorId.startsWith('mgr') ? 'manager' : actorId.startsWith('fin') ? 'finance' : 'rep'],
  decision,
  ...over,
});

async function withWorker<T>(activities: object, fn: (taskQueue: string) => Promise<T>): Promise<T> {
  const taskQueue = `quota-signoff-spec-${++seq}-${process.pid}`;
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities });
  return worker.runUntil(fn(taskQueue));
}

async function start(taskQueue: string, args: QuotaSignoffInput) {
  return env.client.workflow.start('quotaSignoffWorkflow', { taskQueue, workflowId: quotaSignoffWorkflowId(args.quotaSetId), args: [args] });
}

type Handle = Awaited<ReturnType<typeof start>>;

/** Polls the status Query until the predicate holds (queries do not advance time). */
async function until(handle: Handle, pred: (s: QuotaSignoffStatus) => boolean): Promise<QuotaSignoffStatus> {
  for (let i = 0; i < 200; i++) {
    const s = await handle.query(quotaStatusQuery);
    if (pred(s)) return s;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('status never reached the expected state');
}

const openIs = (...ids: string[]) => (s: QuotaSignoffStatus) => [...s.openStageIds].sort().join() === [...ids].sort().join();

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

async function approveTeams(handle: Handle) {
  await until(handle, openIs('team:t-west', 'team:t-east'));
  await handle.executeUpdate(quotaDecideUpdate, { args: [as('mgr-w', 'approve')] });
  await handle.executeUpdate(quotaDecideUpdate, { args: [as('mgr-e', 'approve')] });
  await until(handle, openIs('finance'));
}

async function acknowledgeAll(handle: Handle, reps = ['r1', 'r2', 'r3']) {
  await until(handle, (s) => s.openStageIds.some((id) => id.startsWith('acknowledge:')));
  let last: QuotaSignoffStatus | undefined;
  for (const rep of reps) last = await handle.executeUpdate(quotaDecideUpdate, { args: [as(rep, 'acknowledge')] });
  return last!;
}

describe('quotaSignoffWorkflow', () => {
  it('opens both team stages in parallel, shows finance the flags, and locks after every rep acknowledges', async () => {
    const r = recorder();
    const args = input();
    const { teamsOpen, financeView, locked } = await withWorker(r.activities, async (tq) => {
      const handle = await start(tq, args);
      const teamsOpen = await until(handle, openIs('team:t-west', 'team:t-east'));
      // East signs first: the order within the parallel step does not matter.
      await handle.executeUpdate(quotaDecideUpdate, { args: [as('mgr-e', 'approve', { comment: 'ok' })] });
      const afterEast = await handle.query(quotaStatusQuery);
      expect(afterEast.openStageIds).toEqual(['team:t-west']);
      await handle.executeUpdate(quotaDecideUpdate, { args: [as('mgr-w', 'approve')] });
      const financeView = await until(handle, openIs('finance'));
      await handle.executeUpdate(quotaDecideUpdate, { args: [as('fin-1', 'approve', { idempotencyKey: 'fin-approve-0001' })] });
      const locked = await acknowledgeAll(handle);
      await handle.result();
      await recordHistory(HISTORIES, 'parallel-teams-finance-acknowledged-locked', handle);
      return { teamsOpen, financeView, locked };
    });

    expect(teamsOpen.stages.filter((s) => s.state === 'open').map((s) => s.approverIds)).toEqual([['mgr-w'], ['mgr-e']]);
    const teamTasks = r.opened.filter((o) => o.stageId.startsWith('team:'));
    expect(teamTasks.map((o) => [o.stageId, o.visit, o.approverIds])).toEqual([
      ['team:t-west', 1, ['mgr-w']],
      ['team:t-east', 1, ['mgr-e']],
    ]);
    expect(teamTasks.every((o) => o.subject === `quota-set:${args.quotaSetId}` && o.subjectType === 'quota-set')).toBe(true);

    // Finance: 950,000.00 of reps' quotas against a 1,000,000.00 target; r1 moved +50 % (> 20 %).
    expect(financeView.review).toMatchObject({ companyTotal: '950000.00', shortfall: '50000.00', shortfallFlag: true });
    expect(financeView.review.repChanges.filter((c) => c.flagged).map((c) => [c.personId, c.changePercent])).toEqual([['r1', '50.00']]);
    expect(financeView.review.teams.find((t) => t.teamId === 't-east')).toMatchObject({ status: 'under', difference: '-50000.00' });
    const financeTask = r.opened.find((o) => o.stageId === 'finance')!;
    expect(financeTask.approverIds).toEqual(['fin-1']);
    expect(financeTask.summary).toContain('short of the company target by 50000.00');
    expect(financeTask.summary).toContain('1 rep quota(s) changed more than 20%');

    expect(locked.state).toBe('locked');
    expect(locked.flagged).toBe(false);
    expect(r.locks).toEqual([expect.objectContaining({ quotaSetId: args.quotaSetId, version: 1, flagged: false })]);
    expect(r.acks.map((a) => a.personId)).toEqual(['r1', 'r2', 'r3']);
    expect(r.actions()).toEqual([
      'quota-set.submitted',
      'quota-set.approved',
      'quota-set.approved',
      'quota-set.approved',
      'quota-set.acknowledged',
      'quota-set.acknowledged',
      'quota-set.acknowledged',
      'quota-set.locked',
    ]);
    const finance = r.audits.find((a) => a.approvalDecision?.stage === 'finance')!;
    expect(finance).toMatchObject({ actorId: 'fin-1', actorRole: 'finance', approvalDecision: { approverRole: 'finance', idempotencyKey: 'fin-approve-0001' } });
    expect(finance.data).toMatchObject({ review: { shortfallFlag: true } });
    expect(r.audits.every((a) => a.subject === `quota-set:${args.quotaSetId}` && a.workflowId === quotaSignoffWorkflowId(args.quotaSetId))).toBe(true);
    // Acknowledgements are no approval decisions (approval_decisions takes approve/reject/accept/decline).
    expect(r.audits.filter((a) => a.action === 'quota-set.acknowledged').every((a) => a.approvalDecision === undefined)).toBe(true);
    expect(r.closed.at(-1)).toEqual({ workflowId: quotaSignoffWorkflowId(args.quotaSetId), status: 'cancelled' });
    expect(r.emails.map((e) => [e.purpose, e.recipientIds])).toEqual([[`${quotaSignoffWorkflowId(args.quotaSetId)}:locked`, ['ops-1', 'r1', 'r2', 'r3']]]);
    expect(r.emails[0]).toMatchObject({ subject: 'Quota set 2026-Q1: locked', link: `/api/v1/quota-sets/${args.quotaSetId}` });
  });

  it('a finance reject goes one stage back with the comment; a team reject returns to ops, who revises and resubmits', async () => {
    const r = recorder();
    const args = input();
    const seen = await withWorker(r.activities, async (tq) => {
      const handle = await start(tq, args);
      await approveTeams(handle);
      const rejectNoComment = await refusal(handle.executeUpdate(quotaDecideUpdate, { args: [as('fin-1', 'reject')] }));
      const backToTeams = await handle.executeUpdate(quotaDecideUpdate, { args: [as('fin-1', 'reject', { comment: 'East is short' })] });
      await until(handle, openIs('team:t-west', 'team:t-east'));
      // West's manager rejects in turn: the set goes back to ops.
      const returned = await handle.executeUpdate(quotaDecideUpdate, { args: [as('mgr-w', 'reject', { comment: 'Targets too high' })] });
      const decideWhileReturned = await refusal(handle.executeUpdate(quotaDecideUpdate, { args: [as('mgr-e', 'approve')] }));
      const reviseByRep = await refusal(
        handle.executeUpdate(quotaReviseUpdate, { args: [{ actorId: 'r1', actorRoles: ['rep'], set: SET, comment: 'mine' }] }),
      );
      const revisedSet: QuotaSet = {
        ...SET,
        teams: [
          { teamId: 't-west', target: '580000.00' },
          { teamId: 't-east', target: '420000.00' },
        ],
        quotas: [
          { personId: 'r1', teamId: 't-west', amount: '290000.00' },
          { personId: 'r2', teamId: 't-west', amount: '290000.00' },
          { personId: 'r3', teamId: 't-east', amount: '420000.00' },
        ],
      };
      const revised = await handle.executeUpdate(quotaReviseUpdate, {
        args: [{ actorId: 'ops-1', actorRoles: ['ops'], set: revisedSet, comment: 'Lower West, East covered' }],
      });
      await approveTeams(handle);
      const financeReview = (await handle.query(quotaStatusQuery)).review;
      await handle.executeUpdate(quotaDecideUpdate, { args: [as('fin-1', 'approve')] });
      const locked = await acknowledgeAll(handle);
      await handle.result();
      await recordHistory(HISTORIES, 'finance-reject-team-reject-revised-locked', handle);
      return { rejectNoComment, backToTeams, returned, decideWhileReturned, reviseByRep, revised, financeReview, locked };
    });

    expect(seen.rejectNoComment).toEqual({ type: 'VALIDATION.FAILED', field: 'comment' });
    expect(seen.backToTeams.state).toBe('in_review');
    expect(seen.returned).toMatchObject({ state: 'returned', returned: { byId: 'mgr-w', stageId: 'team:t-west', comment: 'Targets too high' } });
    expect(seen.decideWhileReturned.type).toBe('APPROVAL.NOT_PENDING');
    expect(seen.reviseByRep).toEqual({ type: 'AUTH.FORBIDDEN', field: 'actorId' });
    expect(seen.revised).toMatchObject({ state: 'in_review', version: 2 });
    expect(seen.financeReview).toMatchObject({ shortfallFlag: false, shortfall: '0.00' });
    expect(seen.locked).toMatchObject({ state: 'locked', version: 2, round: 2 });

    // The reopened team stages tell the managers why (visit 2); the next round continues the count.
    const west = r.opened.filter((o) => o.stageId === 'team:t-west');
    expect(west.map((o) => o.visit)).toEqual([1, 2, 3]);
    expect(west[1].summary).toContain('East is short');
    const returnedMail = r.emails.find((e) => e.purpose.endsWith(':r1:returned'))!;
    expect(returnedMail.recipientIds).toEqual(['ops-1']);
    expect(returnedMail.text).toContain('Targets too high');
    expect(r.versions).toEqual([expect.objectContaining({ version: 2, reason: 'revision', createdById: 'ops-1', comment: 'Lower West, East covered' })]);
    expect(r.states.map((s) => `${s.status}:v${s.currentVersion}`)).toEqual(['in_review:v1', 'returned:v1', 'in_review:v2']);
    expect(r.locks).toEqual([expect.objectContaining({ version: 2 })]);
    expect(r.actions()).toEqual([
      'quota-set.submitted',
      'quota-set.approved',
      'quota-set.approved',
      'quota-set.rejected',
      'quota-set.rejected',
      'quota-set.returned',
      'quota-set.revised',
      'quota-set.approved',
      'quota-set.approved',
      'quota-set.approved',
      'quota-set.acknowledged',
      'quota-set.acknowledged',
      'quota-set.acknowledged',
      'quota-set.locked',
    ]);
    expect(r.audits.filter((a) => a.action === 'quota-set.rejected').map((a) => [a.actorId, a.comment])).toEqual([
      ['fin-1', 'East is short'],
      ['mgr-w', 'Targets too high'],
    ]);
    // Dedupe keys never repeat across rounds.
    expect(new Set(r.audits.map((a) => a.dedupeKey)).size).toBe(r.audits.length);
  });

  it('a manager moves quota inside their team during their stage: a new version with the comment; the team total may not move', async () => {
    const r = recorder();
    const args = input();
    const seen = await withWorker(r.activities, async (tq) => {
      const handle = await start(tq, args);
      await until(handle, openIs('team:t-west', 'team:t-east'));
      const adjust = (actorId: string, teamId: string, changes: { personId: string; amount: string }[], comment = 'rebalance') =>
        handle.executeUpdate(quotaAdjustUpdate, { args: [{ actorId, actorRoles: ['manager'], teamId, changes, comment }] });
      const totalMoves = await refusal(adjust('mgr-w', 't-west', [{ personId: 'r1', amount: '310000.00' }]));
      const otherTeam = await refusal(adjust('mgr-e', 't-west', [{ personId: 'r1', amount: '250000.00' }, { personId: 'r2', amount: '350000.00' }]));
      const repOfOtherTeam = await refusal(adjust('mgr-w', 't-west', [{ personId: 'r3', amount: '1.00' }]));
      const noComment = await refusal(adjust('mgr-w', 't-west', [{ personId: 'r1', amount: '250000.00' }, { personId: 'r2', amount: '350000.00' }], ' '));
      const adjusted = await adjust('mgr-w', 't-west', [
        { personId: 'r1', amount: '250000.00' },
        { personId: 'r2', amount: '350000.00' },
      ], 'Rita takes the smaller patch');
      await handle.executeUpdate(quotaDecideUpdate, { args: [as('mgr-w', 'approve')] });
      const afterApproval = await refusal(adjust('mgr-w', 't-west', [{ personId: 'r1', amount: '300000.00' }, { personId: 'r2', amount: '300000.00' }]));
      await handle.executeUpdate(quotaDecideUpdate, { args: [as('mgr-e', 'approve')] });
      await until(handle, openIs('finance'));
      await handle.executeUpdate(quotaDecideUpdate, { args: [as('fin-1', 'approve')] });
      const locked = await acknowledgeAll(handle);
      await handle.result();
      await recordHistory(HISTORIES, 'manager-adjustment-locked', handle);
      return { totalMoves, otherTeam, repOfOtherTeam, noComment, adjusted, afterApproval, locked };
    });

    expect(seen.totalMoves).toEqual({ type: 'QUOTA.TEAM_TOTAL_CHANGED', field: 'changes' });
    expect(seen.otherTeam).toEqual({ type: 'AUTH.NOT_AN_APPROVER', field: 'actorId' });
    expect(seen.repOfOtherTeam).toEqual({ type: 'QUOTA.NOT_IN_TEAM', field: 'changes[0].personId' });
    expect(seen.noComment).toEqual({ type: 'VALIDATION.FAILED', field: 'comment' });
    expect(seen.adjusted.version).toBe(2);
    expect(seen.adjusted.review.repChanges.find((c) => c.personId === 'r1')).toMatchObject({ current: '250000.00', changePercent: '25.00', flagged: true });
    expect(seen.afterApproval).toEqual({ type: 'APPROVAL.WRONG_STAGE', field: 'teamId' });
    expect(r.versions).toEqual([
      expect.objectContaining({
        version: 2,
        reason: 'manager-adjustment',
        createdById: 'mgr-w',
        comment: 'Rita takes the smaller patch',
        quotas: [
          { personId: 'r1', teamId: 't-west', amount: '250000.00' },
          { personId: 'r2', teamId: 't-west', amount: '350000.00' },
          { personId: 'r3', teamId: 't-east', amount: '350000.00' },
        ],
      }),
    ]);
    expect(r.audits.find((a) => a.action === 'quota-set.adjusted')).toMatchObject({
      actorId: 'mgr-w',
      actorRole: 'manager',
      comment: 'Rita takes the smaller patch',
      data: expect.objectContaining({ version: 2, teamId: 't-west' }),
    });
    expect(seen.locked).toMatchObject({ state: 'locked', version: 2 });
    expect(r.acks.every((a) => a.version === 2)).toBe(true);
    expect(r.locks).toEqual([expect.objectContaining({ version: 2 })]);
  });

  it('reps are reminded; past the deadline their managers are told and the set locks anyway, flagged', async () => {
    const r = recorder();
    const args = input();
    const result = await withWorker(r.activities, async (tq) => {
      const handle = await start(tq, args);
      await approveTeams(handle);
      await handle.executeUpdate(quotaDecideUpdate, { args: [as('fin-1', 'approve')] });
      await until(handle, (s) => s.openStageIds.length === 3 && s.openStageIds.every((id) => id.startsWith('acknowledge:')));
      await handle.executeUpdate(quotaDecideUpdate, { args: [as('r1', 'acknowledge')] });
      const done = await handle.result();
      await recordHistory(HISTORIES, 'acknowledgement-deadline-locked-flagged', handle);
      return done;
    });

    expect(result).toMatchObject({ state: 'locked', flagged: true });
    expect([...result.flaggedStageIds].sort()).toEqual(['acknowledge:r2', 'acknowledge:r3']);
    expect(r.locks).toEqual([expect.objectContaining({ flagged: true, version: 1 })]);
    const opened = Date.parse(r.audits.find((a) => a.action === 'quota-set.acknowledged')!.occurredAt!);
    const dayOf = (purposeEnd: string) =>
      r.audits.filter((a) => a.dedupeKey.endsWith(purposeEnd) && a.dedupeKey.includes('acknowledge:r2')).map((a) => Math.round((Date.parse(a.occurredAt!) - opened) / DAY));
    expect(dayOf(':reminder:1')).toEqual([3]);
    expect(dayOf(':escalation')).toEqual([5]);
    expect(dayOf(':deadline')).toEqual([10]);

    const mails = (end: RegExp) => r.emails.filter((e) => end.test(e.purpose));
    expect(mails(/:reminder:\d$/).map((e) => [e.recipientIds[0], e.purpose.slice(-1)])).toEqual([
      ['r2', '1'], ['r3', '1'], ['r2', '2'], ['r3', '2'], ['r2', '3'], ['r3', '3'],
    ]);
    expect(mails(/:escalation$/).map((e) => e.recipientIds)).toEqual([['mgr-w'], ['mgr-e']]);
    expect(mails(/:deadline$/).map((e) => [e.recipientIds, e.subject])).toEqual([
      [['mgr-w'], 'Quota set 2026-Q1: not acknowledged — Quota acknowledgement by r2'],
      [['mgr-e'], 'Quota set 2026-Q1: not acknowledged — Quota acknowledgement by r3'],
    ]);
    expect(r.emails.at(-1)!.subject).toBe('Quota set 2026-Q1: locked (flagged)');
    expect(r.closed).toEqual(expect.arrayContaining([expect.objectContaining({ stageId: 'acknowledge:r2', status: 'cancelled' })]));
    expect(r.audits.at(-1)).toMatchObject({ action: 'quota-set.locked', data: expect.objectContaining({ flagged: true }) });
  });

  it('refuses the requester, a rep about their own quota, a stage out of turn and a second stage by one person, with no history entry', async () => {
    const r = recorder();
    // mgr-w also holds the finance role; fin-1 is the other finance person.
    const org: Organisation = { ...ORG, people: ORG.people.map((p) => (p.id === 'mgr-w' ? { ...p, roles: ['manager', 'finance'] } : p)) };
    const args = input({ org });
    const seen = await withWorker(r.activities, async (tq) => {
      const handle = await start(tq, args);
      await until(handle, openIs('team:t-west', 'team:t-east'));
      const before = (await handle.fetchHistory()).events!;
      const requester = await refusal(handle.executeUpdate(quotaDecideUpdate, { args: [{ actorId: 'ops-1', actorRoles: ['ops'], decision: 'approve' }] }));
      const subject = await refusal(handle.executeUpdate(quotaDecideUpdate, { args: [as('r1', 'approve')] }));
      const outOfTurn = await refusal(handle.executeUpdate(quotaDecideUpdate, { args: [as('fin-1', 'approve')] }));
      const earlyAck = await refusal(handle.executeUpdate(quotaDecideUpdate, { args: [as('r1', 'acknowledge')] }));
      const wrongStage = await refusal(handle.executeUpdate(quotaDecideUpdate, { args: [as('mgr-w', 'approve', { stageId: 'team:t-east' })] }));
      const after = (await handle.fetchHistory()).events!;
      await approveTeams(handle);
      const secondStage = await refusal(handle.executeUpdate(quotaDecideUpdate, { args: [{ actorId: 'mgr-w', actorRoles: ['finance'], decision: 'approve' }] }));
      const status = await handle.query(quotaStatusQuery);
      await env.client.workflow.getHandle(handle.workflowId).terminate('test over');
      return { before, after, requester, subject, outOfTurn, earlyAck, wrongStage, secondStage, status };
    });

    expect(seen.requester).toEqual({ type: 'AUTH.SELF_DECISION', field: 'actorId' });
    expect(seen.subject).toEqual({ type: 'AUTH.SELF_DECISION', field: 'actorId' });
    expect(seen.outOfTurn).toEqual({ type: 'APPROVAL.WRONG_STAGE', field: 'actorId' });
    expect(seen.earlyAck).toEqual({ type: 'APPROVAL.WRONG_STAGE', field: 'actorId' });
    expect(seen.wrongStage).toEqual({ type: 'APPROVAL.WRONG_STAGE', field: 'stageId' });
    // The router kept mgr-w (who must sign West) out of finance; signing there again is refused.
    expect(seen.status.stages.find((s) => s.id === 'finance')!.approverIds).toEqual(['fin-1']);
    expect(seen.secondStage.type).toMatch(/^(APPROVAL\.ALREADY_DECIDED|AUTH\.SECOND_STAGE_SAME_PERSON)$/);
    // A refused update leaves no trace in history: nothing accepted, nothing completed. (Activity
    // events of the open stages may still land meanwhile, so the check names the update events.)
    expect(seen.before.length).toBeGreaterThan(0);
    const updateEvents = seen.after.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes || e.workflowExecutionUpdateCompletedEventAttributes);
    expect(updateEvents).toEqual([]);
    expect(r.actions().filter((a) => a !== 'quota-set.reminded' && a !== 'quota-set.escalated')).toEqual([
      'quota-set.submitted', 'quota-set.approved', 'quota-set.approved',
    ]);
  });
});
