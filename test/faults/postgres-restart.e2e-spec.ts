/**
 * Fault test, PostgreSQL: a server of the test's own (embedded, restarted on the same data
 * directory and port) is stopped twice while activities are in flight — after the plan PDF is
 * rendered and before it is stored, and after the decline is committed and before the finish
 * activity runs (the worker, a real child process, held there by the test hook). The activities
 * fail while it is down, are retried by the production retry policy and complete once it is
 * back: one document, one decision, the audit trail and the emails of an undisturbed run.
 */
import { AuditEventEntity, ApprovalDecisionEntity, EmailOutboxEntity, PlanAssignmentEntity, PlanDocumentEntity } from '@quotaflow/persistence';
import { aePlanDocument, eventually, type Harness, startHarness } from '../e2e/harness';
import { FaultHolds, killAll, spawnChild, WORKER_MAIN } from './processes';
import { ownPostgres, type OwnPostgres } from './own-servers';

jest.setTimeout(180_000);

describe('PostgreSQL restarted mid-workflow', () => {
  let pg: OwnPostgres;
  let h: Harness;
  const holds = new FaultHolds();

  beforeAll(async () => {
    pg = await ownPostgres('pg-restart');
    h = await startHarness('faults-pg', { postgres: pg.server, inProcessWorker: false });
  });
  afterAll(async () => {
    await killAll();
    await pg?.start();
    await h?.close();
    await pg?.remove();
    holds.remove();
  });

  /**
   * Resolves once `activity` has failed at least `attempts - 1` times and is being retried (counted
   * by the worker: the prepare step is a local activity, whose retries the server does not list).
   */
  const retrying = (activity: string, attempts: number) =>
    eventually(async () => holds.failures(activity) >= attempts - 1, `${activity} at attempt ${attempts}`, 60_000);

  it('retries the activities that met the stopped server and loses or doubles nothing', async () => {
    const worker = spawnChild(WORKER_MAIN, { ...h.env, ...holds.envAll(['pdf-rendered', 'decision-committed']) });
    const plan = await h.http('POST', '/api/v1/plans', { as: h.org.ops, body: { key: 'pg-restart', name: 'PG restart', periodLabel: 'FY2026', effectiveFrom: '2026-01-01', document: aePlanDocument('pg-restart') } });
    expect(plan.status).toBe(201);
    const published = await h.http('POST', `/api/v1/plan-versions/${plan.body.versions[0].id}/publish`, { as: h.org.ops, body: { personIds: [h.org.rep.id] } });
    expect(published.status).toBe(202);
    const { assignmentId: id } = published.body.assignments[0] as { assignmentId: string };

    // 1. Down between rendering the PDF and storing it.
    expect(await holds.held('pdf-rendered', worker)).toBe(`plan-assignment:${id}`);
    await pg.stop();
    let down = Date.now();
    holds.release('pdf-rendered');
    await retrying('preparePlanAcceptance', 3);
    await pg.start();
    const outageMs = [Date.now() - down];
    await eventually(async () => (await h.db.getRepository(EmailOutboxEntity).findOneBy({ purpose: `plan-acceptance:${id}:invite` }))?.status === 'sent', 'the invite sent after the restart', 90_000);

    // 2. Down between the decline's commit and the finish activity (state, notices).
    const declined = await h.http('POST', `/api/v1/plan-assignments/${id}/decline`, { as: h.org.rep, body: { reason: 'Quota too high' }, headers: { 'Idempotency-Key': 'pg-restart-decline-1' } });
    expect(declined.status).toBe(200);
    expect(await holds.held('decision-committed', worker)).toBe(`plan-assignment:${id}`);
    await pg.stop();
    down = Date.now();
    holds.release('decision-committed');
    await retrying('finishPlanAcceptance', 2);
    await pg.start();
    outageMs.push(Date.now() - down);

    const rows = await eventually(async () => {
      const mine = (await h.db.getRepository(EmailOutboxEntity).find()).filter((o) => o.purpose.includes(id));
      return mine.length === 3 && mine.every((o) => o.status === 'sent') ? mine : undefined;
    }, 'the invite and both decline notices sent', 90_000);
    expect((await h.db.getRepository(PlanAssignmentEntity).findOneByOrFail({ id })).status).toBe('declined');
    expect(await h.db.getRepository(PlanDocumentEntity).countBy({ assignmentId: id })).toBe(1);
    expect(await h.db.getRepository(ApprovalDecisionEntity).countBy({ subject: `plan-assignment:${id}` })).toBe(1);
    const audit = await h.db.getRepository(AuditEventEntity).find({ where: { subject: `plan-assignment:${id}` }, order: { id: 'ASC' } });
    expect(audit.map((a) => a.action)).toEqual(['plan-assignment.published', 'plan-assignment.document-rendered', 'plan-assignment.emailed', 'plan-assignment.declined']);
    for (const row of rows) expect(h.smtp.messages.filter((m) => m.messageId === row.messageId)).toHaveLength(1);
    expect(h.smtp.messages).toHaveLength(3);
    const distinct = new Set(h.smtp.messages.map((m) => m.messageId)).size;
    console.log(`postgres-restart: 2 restarts (down ${outageMs.map((ms) => (ms / 1000).toFixed(1)).join(' s and ')} s); failed attempts counted by the worker: preparePlanAcceptance ${holds.failures('preparePlanAcceptance')}, finishPlanAcceptance ${holds.failures('finishPlanAcceptance')}; 1 plan document, 1 decision, ${audit.length} audit events; ${rows.length} outbox rows, all sent; ${h.smtp.messages.length} deliveries, ${distinct} distinct Message-IDs, ${h.smtp.messages.length - distinct} duplicates`);
    await worker.stop();
  });
});
