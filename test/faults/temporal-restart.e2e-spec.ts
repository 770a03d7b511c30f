/**
 * Fault test, Temporal: a dev server of the test's own, with its state file (`--db-filename`),
 * is stopped and started again on the same file and port twice — while the plan acceptance waits
 * for the rep (a decline meanwhile answers 503 and its retry with the same Idempotency-Key is
 * recorded once), and while the worker (a real child process) is inside the finish activity, after
 * the SMTP server accepted the manager's decline notice (held there by the test hook), kept down
 * past the worker's retries of the activity's answer and its heartbeat timeout so the server runs
 * the finish activity a second time (the history shows attempt 2). The workflow resumes from the
 * stored state: the decline made after the first restart is recorded once, the notices are each
 * delivered once (the outbox's sent rows are not sent again), the run completes.
 */
import { AuditEventEntity, ApprovalDecisionEntity, EmailOutboxEntity, PlanAssignmentEntity } from '@quotaflow/persistence';
import { Client, Connection } from '@temporalio/client';
import { aePlanDocument, eventually, type Harness, startHarness } from '../e2e/harness';
import { testDataConverter } from '../support/temporal';
import { type Child, FaultHolds, killAll, spawnChild, WORKER_MAIN } from './processes';
import { fromStage } from '../support/stages';
import { ownTemporal, type OwnTemporal } from './own-servers';

jest.setTimeout(240_000);
/** Longer than the worker retries an activity's answer (10 s) and than the activity's heartbeat timeout (15 s). */
const DOWN_MS = 20_000;

describe('the Temporal server restarted mid-workflow', () => {
  let temporal: OwnTemporal;
  let h: Harness;
  const holds = new FaultHolds();
  let worker: Child | undefined;
  // What each stage leaves for the next (fromStage fails a stage at once when the one it needs did not finish).
  let published: { id: string; workflowId: string } | undefined;
  let declined: true | undefined;
  let rows: EmailOutboxEntity[] | undefined;
  // What the summary line reports: the seconds each restart kept the server down, the 503s the decline met, the finish activity's attempts.
  const outageMs: number[] = [];
  let refusals = 0;
  let finishAttempts: (number | null | undefined)[] | undefined;

  beforeAll(async () => {
    temporal = await ownTemporal('temporal-restart');
    h = await startHarness('faults-temporal', { temporalAddress: temporal.address, inProcessWorker: false });
    worker = spawnChild(WORKER_MAIN, { ...h.env, ...holds.env('smtp-accepted', ':declined:manager') });
  });
  afterAll(async () => {
    await worker?.stop();
    await killAll();
    await h?.close();
    await temporal?.remove();
    holds.remove();
  });

  it('the plan published to Rita; her invite sent', async () => {
    const plan = await h.http('POST', '/api/v1/plans', { as: h.org.ops, body: { key: 'temporal-restart', name: 'Temporal restart', periodLabel: 'FY2026', effectiveFrom: '2026-01-01', document: aePlanDocument('temporal-restart') } });
    expect(plan.status).toBe(201);
    const publish = await h.http('POST', `/api/v1/plan-versions/${plan.body.versions[0].id}/publish`, { as: h.org.ops, body: { personIds: [h.org.rep.id] } });
    expect(publish.status).toBe(202);
    const { assignmentId: id, workflowId } = publish.body.assignments[0] as { assignmentId: string; workflowId: string };
    await eventually(async () => (await h.db.getRepository(EmailOutboxEntity).findOneBy({ purpose: `plan-acceptance:${id}:invite` }))?.status === 'sent', 'invite sent', 90_000);
    published = { id, workflowId };
  });

  it('restart 1, while the workflow waits for the rep: the decline is refused 503 TEMPORAL.UNAVAILABLE while the server is down, nothing recorded; the same key after the restart records it', async () => {
    const { id } = fromStage(published, 'the plan published and the invite sent');
    // While it is down the decline is refused 503 TEMPORAL.UNAVAILABLE, nothing recorded; the same
    // key after the restart records it once.
    await temporal.stop();
    const down = Date.now();
    const refused = await h.http('POST', `/api/v1/plan-assignments/${id}/decline`, { as: h.org.rep, body: { reason: 'Quota too high' }, headers: { 'Idempotency-Key': 'temporal-restart-1' } });
    expect([refused.status, refused.body?.code]).toEqual([503, 'TEMPORAL.UNAVAILABLE']);
    expect(await h.db.getRepository(ApprovalDecisionEntity).countBy({ subject: `plan-assignment:${id}` })).toBe(0);
    refusals += 1;
    await temporal.start();
    outageMs.push(Date.now() - down);
    // The API's client reconnects by itself; until it has, the decline is refused as
    // TEMPORAL.UNAVAILABLE (503) and the client retries with the same key.
    const answer = await eventually(async () => {
      const r = await h.http('POST', `/api/v1/plan-assignments/${id}/decline`, { as: h.org.rep, body: { reason: 'Quota too high' }, headers: { 'Idempotency-Key': 'temporal-restart-1' } });
      if (r.status !== 200 && r.status !== 503) throw new Error(`decline answered ${r.status} ${JSON.stringify(r.body)}`);
      if (r.status === 503) refusals += 1;
      return r.status === 200 ? r : undefined;
    }, 'the decline after the restart', 90_000);
    expect(answer.body).toMatchObject({ status: 'declined' });
    declined = true;
  });

  it('restart 2, inside the finish activity (SMTP accepted the manager’s decline notice), kept down past the worker’s retries of the answer and the heartbeat timeout: the finish activity runs a second time, the run ends declined', async () => {
    const { id, workflowId } = fromStage(published, 'the plan published and the invite sent');
    fromStage(declined, 'the decline recorded after restart 1');
    // With the server down the held attempt goes on (the notice marked sent, the ops notice sent); the
    // server stays down past the worker's retries of the answer (sdk-core: 10 s) and the heartbeat
    // timeout (15 s), so back up it runs the finish activity again: the outbox's sent rows must not go out twice.
    expect(await holds.held('smtp-accepted', worker!)).toMatch(new RegExp(`^plan-acceptance:${id}:declined:manager:`));
    await temporal.stop();
    const down = Date.now();
    holds.release('smtp-accepted');
    const sentByHeldAttempt = async () => {
      const mine = (await h.db.getRepository(EmailOutboxEntity).find()).filter((o) => o.purpose.includes(id));
      return mine.length === 3 && mine.every((o) => o.status === 'sent') ? mine : undefined;
    };
    await eventually(sentByHeldAttempt, 'the invite and both decline notices sent by the held attempt', 60_000);
    await new Promise((r) => setTimeout(r, DOWN_MS));
    await temporal.start();
    outageMs.push(Date.now() - down);

    const sent = await eventually(sentByHeldAttempt, 'the invite and both decline notices sent', 90_000);
    const connection = await Connection.connect({ address: temporal.address });
    try {
      const client = new Client({ connection, dataConverter: testDataConverter() });
      const handle = client.workflow.getHandle(workflowId);
      const result = await handle.result();
      expect(result).toMatchObject({ state: 'declined' });
      rows = sent;
      // The finish activity answered on its second attempt: the first one's answer was lost with the server.
      const events = (await handle.fetchHistory()).events ?? [];
      const finish = events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'finishPlanAcceptance').map((e) => Number(e.eventId));
      finishAttempts = finish.map((scheduled) => events.find((e) => Number(e.activityTaskStartedEventAttributes?.scheduledEventId ?? -1) === scheduled)?.activityTaskStartedEventAttributes?.attempt);
      expect(finishAttempts).toEqual([2]);
    } finally {
      await connection.close();
    }
  });

  it('the decline made after the first restart is recorded once: the assignment declined, one decision row, the audit chain without repeats', async () => {
    const { id } = fromStage(published, 'the plan published and the invite sent');
    fromStage(rows, 'the run ended after restart 2');
    expect((await h.db.getRepository(PlanAssignmentEntity).findOneByOrFail({ id })).status).toBe('declined');
    expect(await h.db.getRepository(ApprovalDecisionEntity).countBy({ subject: `plan-assignment:${id}` })).toBe(1);
    const audit = await h.db.getRepository(AuditEventEntity).find({ where: { subject: `plan-assignment:${id}` }, order: { id: 'ASC' } });
    expect(audit.map((a) => a.action)).toEqual(['plan-assignment.published', 'plan-assignment.document-rendered', 'plan-assignment.emailed', 'plan-assignment.declined']);
  });

  it('each message once at the SMTP server (the held notice was marked sent before the retry): one per Message-ID, three in all', async () => {
    const sent = fromStage(rows, 'the run ended after restart 2');
    for (const row of sent) expect(h.smtp.messages.filter((m) => m.messageId === row.messageId)).toHaveLength(1);
    expect(h.smtp.messages).toHaveLength(3);
    const { id } = fromStage(published, 'the plan published and the invite sent');
    const distinct = new Set(h.smtp.messages.map((m) => m.messageId)).size;
    const decisions = await h.db.getRepository(ApprovalDecisionEntity).countBy({ subject: `plan-assignment:${id}` });
    const audit = await h.db.getRepository(AuditEventEntity).countBy({ subject: `plan-assignment:${id}` });
    console.log(`temporal-restart: 2 restarts (down ${outageMs.map((ms) => (ms / 1000).toFixed(1)).join(' s and ')} s), the decline refused with 503 ${refusals} time${refusals === 1 ? '' : 's'} before it was recorded; finish activity attempts ${JSON.stringify(finishAttempts)}; ${decisions} decision, ${audit} audit events; ${sent.length} outbox rows, all sent; ${h.smtp.messages.length} deliveries, ${distinct} distinct Message-IDs, ${h.smtp.messages.length - distinct} duplicates`);
  });
});
