/**
 * Fault test, Temporal mid-close: a dev server of the test's own with its state file is stopped and
 * started again on the same file and port twice, each time while the worker (a real child process)
 * holds inside an activity of the close after its work is done. The server stays down longer than
 * the worker retries the activity's answer (sdk-core gives up after 10 s) and than the activity's
 * heartbeat timeout (15 s): back up, it times the attempt out and runs the activity again (the
 * history shows attempt 2), so what the product does against doing things twice is exercised:
 * 1. while the close waits for the other manager, inside the recording of the first manager's
 *    decision (its transaction committed): the retried recording finds the decision (unique on its
 *    Idempotency-Key) and its audit event (unique on its dedupe key);
 * 2. inside the statement batch, the SMTP server having accepted the first statement: the held
 *    attempt marks it sent and sends the others while the server is down; the retried batch finds
 *    every statement sent and sends none again (OutboxDelivery skips a sent outbox row).
 * The close resumes from the stored state: one decision per approver, each statement once, closed.
 */
import { ApprovalDecisionEntity, AuditEventEntity, EmailOutboxEntity, PeriodEntity } from '@quotaflow/persistence';
import { Client, Connection } from '@temporalio/client';
import { eventually, type Harness, startHarness } from '../e2e/harness';
import { fromStage } from '../support/stages';
import { testDataConverter } from '../support/temporal';
import { approve, type CloseFixture, seedCloseMonth } from './close-inputs';
import { ownTemporal, type OwnTemporal } from './own-servers';
import { type Child, FaultHolds, killAll, spawnChild, WORKER_MAIN } from './processes';

jest.setTimeout(240_000);

/** Longer than sdk-core retries an activity's answer (10 s) and than the activities' heartbeat timeout (15 s). */
const DOWN_MS = 20_000;

describe('the Temporal server restarted mid-close', () => {
  let temporal: OwnTemporal;
  let h: Harness;
  let worker: Child | undefined;
  let month: CloseFixture;
  const holds = new FaultHolds();
  // What each stage leaves for the next (fromStage fails a stage at once when the one it needs did not finish).
  let waitingForFinance: true | undefined;
  let allDecided: true | undefined;
  let closed: true | undefined;
  // What the summary line reports: the seconds each restart kept the server down, the attempts read from the history.
  const outageMs: number[] = [];
  let recordAttempts: number[] | undefined;
  let batchAttempts: number[] | undefined;

  beforeAll(async () => {
    temporal = await ownTemporal('close-temporal-restart');
    h = await startHarness('faults-close-temporal', { temporalAddress: temporal.address, inProcessWorker: false });
    worker = spawnChild(WORKER_MAIN, { ...h.env, CLOSE_SCHEDULE_ENABLED: 'false', ...holds.envAll([['decision-committed', 'close:'], ['smtp-accepted', ':statement:']]) });
    month = await seedCloseMonth(h, 'close-temporal');
  });
  afterAll(async () => {
    await worker?.stop();
    await killAll();
    await h?.close();
    await temporal?.remove();
    holds.remove();
  });

  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  /** `wait`, its failure completed with the end of the worker's output (what it logged while the close did not get there). */
  async function withWorkerOutput<T>(wait: Promise<T>): Promise<T> {
    try {
      return await wait;
    } catch (e) {
      throw new Error(`${e instanceof Error ? e.message : String(e)}\n--- worker output (end) ---\n${worker?.output().slice(-3000) ?? ''}`);
    }
  }

  /** The attempt that ended each run of an activity type in the close's history (one entry per scheduled activity, in order). */
  async function attemptsOf(activityType: (name: string) => boolean): Promise<number[]> {
    const connection = await Connection.connect({ address: temporal.address });
    try {
      const history = await new Client({ connection, dataConverter: testDataConverter() }).workflow.getHandle(month.subject).fetchHistory();
      const events = history.events ?? [];
      const scheduled = events.filter((e) => activityType(e.activityTaskScheduledEventAttributes?.activityType?.name ?? '')).map((e) => Number(e.eventId));
      return scheduled.map((id) => events.find((e) => Number(e.activityTaskStartedEventAttributes?.scheduledEventId ?? -1) === id)?.activityTaskStartedEventAttributes?.attempt ?? 0);
    } finally {
      await connection.close();
    }
  }

  /** Stops the server, lets the held worker finish its attempt, waits for `done`, stays down DOWN_MS more, starts it again. */
  async function restartAround(point: 'decision-committed' | 'smtp-accepted', done: () => Promise<void> = async () => undefined): Promise<void> {
    await temporal.stop();
    const down = Date.now();
    holds.release(point);
    await done();
    await sleep(DOWN_MS);
    await temporal.start();
    outageMs.push(Date.now() - down);
  }

  it('restarted inside the recording of the first manager’s decision (committed, not answered) and kept down past its heartbeat timeout: the recording runs a second time, the close goes on to the other manager and to finance', async () => {
    expect((await h.http('POST', `/api/v1/periods/${month.periodId}/close`, { as: h.org.finance })).status).toBe(202);
    await approve(h, h.org.manager, month.subject, 'team:');
    expect(await holds.held('decision-committed', worker!)).toBe(month.subject);
    await restartAround('decision-committed');

    // The close waited for the other manager through the restart; finance is next.
    await approve(h, h.org.otherManager, month.subject, 'team:');
    await withWorkerOutput(eventually(async () => {
      const inbox = await h.http('GET', '/api/v1/me/approvals?limit=200', { as: month.secondFinance });
      return ((inbox.body?.tasks ?? []) as { subject: string; stage: { id: string } }[]).some((t) => t.subject === month.subject && t.stage.id === 'finance');
    }, 'the finance task after both managers', 90_000));
    waitingForFinance = true;
    // Mia's recording answered on its second attempt (the first one's answer was lost with the server); Max's on its first.
    recordAttempts = await attemptsOf((name) => name.startsWith('recordApprovalDecision'));
    expect(recordAttempts).toEqual([2, 1]);
  });

  it('finance and ops approve; restarted inside the statement batch (SMTP accepted the first statement) and kept down until the held attempt sent every statement and past its heartbeat timeout: the batch runs a second time, the period closes', async () => {
    fromStage(waitingForFinance, 'the close waiting for finance after the first restart');
    await approve(h, month.secondFinance, month.subject, 'finance');
    await approve(h, h.org.ops, month.subject, '');

    expect(await holds.held('smtp-accepted', worker!)).toMatch(new RegExp(`^${month.subject}:statement:`));
    allDecided = true; // statements go out after the last approval is recorded
    await restartAround('smtp-accepted', async () => {
      // With the server down, the held attempt goes on: every statement of the batch is sent and marked so.
      await eventually(async () => {
        const rows = (await h.db.getRepository(EmailOutboxEntity).find()).filter((o) => o.purpose.startsWith(`${month.subject}:statement:`));
        return rows.length === month.reps.length && rows.every((r) => r.status === 'sent');
      }, 'every statement sent by the held attempt', 60_000);
    });

    await withWorkerOutput(eventually(async () => (await h.db.getRepository(PeriodEntity).findOneByOrFail({ id: month.periodId })).status === 'closed', 'the period closed', 150_000));
    closed = true;
    const connection = await Connection.connect({ address: temporal.address });
    try {
      const client = new Client({ connection, dataConverter: testDataConverter() });
      expect(await client.workflow.getHandle(month.subject).result()).toMatchObject({ state: 'closed', version: 1, statementsSent: 3 });
    } finally {
      await connection.close();
    }
    // The batch answered on its second attempt: the first one's answer was lost with the server.
    batchAttempts = await attemptsOf((name) => name === 'sendStatementBatch');
    expect(batchAttempts).toEqual([2]);
  });

  it('one decision per approver: each manager, finance and ops has exactly one decision row and one decision audit event', async () => {
    fromStage(allDecided, 'every approval given and recorded');
    const approvers = [h.org.manager, h.org.otherManager, month.secondFinance, h.org.ops];
    const nameOf = (id: string | null) => approvers.find((p) => p.id === id)?.name ?? `someone else (${id})`;
    const decisions = await h.db.getRepository(ApprovalDecisionEntity).findBy({ subject: month.subject });
    expect(decisions.map((d) => `${nameOf(d.approverId)}: ${d.decision}`).sort()).toEqual(approvers.map((p) => `${p.name}: approve`).sort());
    // Two managers, finance, ops: one decision each.
    expect(await h.db.getRepository(ApprovalDecisionEntity).countBy({ subject: month.subject })).toBe(4);
    const approved = await h.db.getRepository(AuditEventEntity).findBy({ subject: month.subject, action: 'period.approved' });
    expect(approved.map((e) => nameOf(e.actorId)).sort()).toEqual(approvers.map((p) => p.name).sort());
  });

  it('each statement once: one outbox row per rep, one message per Message-ID at the SMTP server, three in all, and one statement-sent audit event per rep', async () => {
    fromStage(closed, 'the period closed');
    const rows = (await h.db.getRepository(EmailOutboxEntity).find()).filter((o) => o.purpose.startsWith(`${month.subject}:statement:`));
    expect(rows.map((r) => r.toAddress).sort()).toEqual(month.reps.map((r) => r.email).sort());
    const statements = h.smtp.messages.filter((m) => m.subject?.startsWith('Your commission statement'));
    // Deliveries at the SMTP server by rep, counted by the Message-ID of the rep's outbox row.
    const deliveries = Object.fromEntries(rows.map((r) => [r.toAddress, statements.filter((m) => m.messageId === r.messageId).length]));
    expect(deliveries).toEqual(Object.fromEntries(month.reps.map((r) => [r.email, 1])));
    for (const row of rows) expect(statements.filter((m) => m.messageId === row.messageId)).toHaveLength(1);
    expect(statements).toHaveLength(3);
    const sent = await h.db.getRepository(AuditEventEntity).findBy({ subject: month.subject, action: 'period.statement-sent' });
    expect(sent.map((e) => (e.data as { purpose: string }).purpose).sort()).toEqual(rows.map((r) => r.purpose).sort());
    const decisions = await h.db.getRepository(ApprovalDecisionEntity).countBy({ subject: month.subject });
    const approved = await h.db.getRepository(AuditEventEntity).countBy({ subject: month.subject, action: 'period.approved' });
    const distinct = new Set(statements.map((m) => m.messageId)).size;
    console.log(`close-temporal-restart: 2 restarts (down ${outageMs.map((ms) => (ms / 1000).toFixed(1)).join(' s and ')} s); recordApprovalDecision attempts ${JSON.stringify(recordAttempts)}, sendStatementBatch attempts ${JSON.stringify(batchAttempts)}; ${decisions} decisions, ${approved} period.approved audit events; ${rows.length} statement rows, ${statements.length} statement deliveries, ${distinct} distinct Message-IDs, ${statements.length - distinct} duplicates, ${sent.length} statement-sent audit events`);
  });
});
