import { closeBusinessDay, monthEndedBefore, monthPeriod, SYSTEM_CLOSE_REQUESTER_ID, upcomingCloseRuns } from '@quotaflow/domain';
import { AccountEntity, AuditEventEntity, DealEntity, PeriodEntity, PlanAssignmentEntity, TerritoryEntity } from '@quotaflow/persistence';
import type { ScheduledCloseResult } from '@quotaflow/workflows';
import { ensureCloseSchedule } from '../../apps/worker/src/close/close-schedule';
import { connectDevServer, type DevServerConnection, uniqueTaskQueue } from '../support/temporal';
import { eventually, type Harness, startHarness } from './harness';
import { fromStage } from '../support/stages';

jest.setTimeout(180_000);

/** Pays 5% of the month's credited amount: no quota needed, so the close runs on one accepted plan and one deal. */
const PLAN = { id: 'sched-ae', components: [{ id: 'commission', kind: 'commission', window: 'period', basis: 'amount', table: { split: 'step', tiers: [{ from: 0, rate: '0.05' }] } }] };

/**
 * The close Schedule on the real dev server: created idempotently (paused, its calendar the domain's
 * business day N of each month, UTC), and a run of it — `trigger()`, as on business day N — starts
 * `close:<periodId>` for the month just ended as the system requester, so the one finance person may
 * still approve it; a second run while that close is going starts nothing.
 */
describe('close schedule (Temporal Schedule, business day N after month end)', () => {
  let h: Harness;
  let temporal: DevServerConnection;
  const scheduleId = uniqueTaskQueue('close-schedule');
  const today = new Date();
  const month = monthPeriod(monthEndedBefore(today.toISOString().slice(0, 10)));

  beforeAll(async () => {
    h = await startHarness('close-schedule');
    temporal = await connectDevServer();
  });

  afterAll(async () => {
    if (started) await temporal?.client.workflow.getHandle(`close:${started.periodId}`).terminate('test over').catch(() => undefined);
    await temporal?.client.schedule.getHandle(scheduleId).delete().catch(() => undefined);
    await temporal?.close();
    await h?.close();
  });

  const options = (paused: boolean, at = today) => ({ scheduleId, taskQueue: h.config.temporal.taskQueue, businessDay: 3, hourUtc: 6, paused, today: at });

  // What each stage leaves for the next (fromStage fails a stage at once when the one it needs did not finish).
  let created: true | undefined;
  let started: { periodId: string; firstRun: string } | undefined;

  const schedule = () => temporal.client.schedule.getHandle(scheduleId);
  /** The result of the schedule's run `index` (0 = its first), once that run has started and ended. */
  const runResult = async (index: number): Promise<ScheduledCloseResult> => {
    const action = await eventually(async () => (await schedule().describe()).info.recentActions[index], `run ${index + 1} of the schedule`);
    if (action.action.type !== 'startWorkflow') throw new Error('not a workflow start');
    return temporal.client.workflow.getHandle(action.action.workflow.workflowId, action.action.workflow.firstExecutionRunId).result() as Promise<ScheduledCloseResult>;
  };

  it('is created once, paused, with one start per month on business day 3 at 06:00 UTC', async () => {
    const fixed = new Date('2026-12-02T10:00:00Z');
    const first = await ensureCloseSchedule(temporal.client, options(true, fixed));
    expect(first.created).toBe(true);
    created = true;
    const d = first.description;
    expect(d.state).toMatchObject({ paused: true, note: expect.stringContaining('CLOSE_SCHEDULE_PAUSED') });
    expect(d.action).toMatchObject({ type: 'startWorkflow', workflowType: 'scheduledCloseWorkflow', taskQueue: h.config.temporal.taskQueue });
    expect(d.policies).toMatchObject({ overlap: 'SKIP' });
    expect(d.spec.timezone).toBe('UTC');
    const calendars = d.spec.calendars ?? [];
    expect(calendars).toHaveLength(24);
    const day = (c: (typeof calendars)[number]) => `${c.year?.[0]?.start}-${c.month?.[0]?.start}-${c.dayOfMonth?.[0]?.start} ${c.hour?.[0]?.start}h ${c.comment}`;
    expect(calendars.slice(0, 3).map(day)).toEqual(['2026-DECEMBER-3 6h close of 2026-11', '2027-JANUARY-5 6h close of 2026-12', '2027-FEBRUARY-3 6h close of 2027-01']);
    expect(closeBusinessDay('2026-12', 3)).toBe('2027-01-05');
  });

  it('the worker starting again (unpaused by configuration) updates the calendar and keeps the pause', async () => {
    fromStage(created, 'the schedule created');
    const again = await ensureCloseSchedule(temporal.client, options(false));
    expect(again.created).toBe(false);
    expect(again.description.state.paused).toBe(true);
    const next = upcomingCloseRuns(today.toISOString().slice(0, 10), 3, 1)[0]!;
    expect(again.description.spec.calendars?.[0]?.comment).toBe(`close of ${next.periodKey}`);
    expect(again.description.spec.calendars?.[0]?.dayOfMonth?.[0]?.start).toBe(Number(next.date.slice(8)));
  });

  it('a run starts the close of the month just ended (not the open month before it) as the system requester, and the audit names the system', async () => {
    fromStage(created, 'the schedule created');
    const { ops, rep } = h.org;
    // Two open periods: the month just ended and the one before it.
    const earlier = monthPeriod(monthEndedBefore(month.start));
    for (const key of [earlier.key, month.key]) expect((await h.http('POST', '/api/v1/periods', { as: ops, body: { key } })).status).toBe(201);
    const periods = h.db.getRepository(PeriodEntity);
    const period = await periods.findOneByOrFail({ key: month.key });
    const plan = await h.http('POST', '/api/v1/plans', {
      as: ops, body: { key: 'sched-ae', name: 'Scheduled AE', periodLabel: 'months', effectiveFrom: earlier.start, effectiveTo: month.end, document: PLAN },
    });
    expect(plan.status).toBe(201);
    await h.db.getRepository(PlanAssignmentEntity).save({
      planVersionId: plan.body.versions[0].id, personId: rep.id, quota: null, status: 'accepted', workflowId: `plan-acceptance:fixture-${rep.id}`,
      settings: { managerPreApproval: false, reminderEveryDays: 3, escalateAfterDays: 7, expireAfterDays: 14 },
      publishedById: ops.id, publishedAt: new Date(`${earlier.start}T09:00:00Z`), decidedAt: new Date(`${earlier.start}T10:00:00Z`), effectiveAt: new Date(`${earlier.start}T10:00:00Z`),
    });
    const territory = await h.db.getRepository(TerritoryEntity).save({ name: 'Scheduled West', teamId: h.org.team.id, ownerPersonId: rep.id });
    const account = await h.db.getRepository(AccountEntity).save({ name: 'Scheduled Co', territoryId: territory.id });
    await h.db.getRepository(DealEntity).save({ accountId: account.id, name: 'Scheduled deal', externalId: 'D-SCHED-1', amount: '10000.00', stage: 'won', closeDate: month.start, currency: 'USD', type: 'new', credits: [{ personId: rep.id, share: '1' }] });

    await schedule().trigger();
    expect(await runResult(0)).toEqual({ started: true, periodKey: month.key, periodId: period.id, workflowId: `close:${period.id}` });
    expect(await periods.findOneByOrFail({ id: period.id })).toMatchObject({ status: 'closing', workflowId: `close:${period.id}` });
    expect((await periods.findOneByOrFail({ key: earlier.key })).status).toBe('open');
    const firstRun = (await temporal.client.workflow.getHandle(`close:${period.id}`).describe()).runId;
    started = { periodId: period.id, firstRun };

    // Started by nobody: the audit names the system.
    const event = await eventually(() => h.db.getRepository(AuditEventEntity).findOneBy({ subject: `close:${period.id}`, action: 'period.close-started' }), 'the close-started event');
    expect(event).toMatchObject({ actorId: SYSTEM_CLOSE_REQUESTER_ID, actorRole: 'system' });
  });

  it('separation of duties bars no finance person from the scheduled close: the manager, then the one finance person approve it', async () => {
    const { periodId } = fromStage(started, 'the close started by the schedule');
    const { finance, manager } = h.org;
    const taskOf = (person: typeof finance, prefix: string) => eventually(async () => {
      const tasks = (await h.http('GET', '/api/v1/me/approvals?limit=200', { as: person })).body?.tasks as { id: string; subject: string; status: string; stage: { id: string } }[] | undefined;
      return tasks?.find((t) => t.subject === `close:${periodId}` && t.stage.id.startsWith(prefix) && t.status === 'open');
    }, `${person.name}'s ${prefix} task`, 60_000);
    const review = await taskOf(manager, 'team:');
    expect((await h.http('POST', `/api/v1/approvals/${review.id}/decisions`, { as: manager, body: { decision: 'approve' }, headers: { 'Idempotency-Key': `sched-${review.id}` } })).status).toBe(200);
    const financeTask = await taskOf(finance, 'finance');
    const decided = await h.http('POST', `/api/v1/approvals/${financeTask.id}/decisions`, { as: finance, body: { decision: 'approve' }, headers: { 'Idempotency-Key': `sched-${financeTask.id}` } });
    expect([decided.status, decided.body?.code]).toEqual([200, undefined]);
  });

  it('a second run while the close is going starts nothing, even when the period row reads open again; the first run goes on', async () => {
    const { periodId, firstRun } = fromStage(started, 'the close started by the schedule');
    const periods = h.db.getRepository(PeriodEntity);
    const close = temporal.client.workflow.getHandle(`close:${periodId}`);
    await schedule().trigger();
    expect(await runResult(1)).toEqual({ started: false, periodKey: month.key, periodId, reason: 'closing' });
    // Even when the period row reads open again (a race with the API's write), the running close is not started twice.
    await periods.update({ id: periodId }, { status: 'open' });
    await schedule().trigger();
    expect(await runResult(2)).toEqual({ started: false, periodKey: month.key, periodId, reason: 'already-running' });
    await periods.update({ id: periodId }, { status: 'closing' });
    const described = await close.describe();
    expect([described.runId, described.status.name]).toEqual([firstRun, 'RUNNING']);
  });
});
