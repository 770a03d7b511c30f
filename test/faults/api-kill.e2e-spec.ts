/**
 * Fault test, the API: the real API process (dist/, a child process) is SIGKILLed while a rep's
 * decline is in flight, at two points: (1) before the workflow has it (no worker polls: the
 * Update waits to be accepted); (2) after the workflow answered the Update, before the API stored
 * the Idempotency-Key's answer and wrote the response (held there by the test hook,
 * libs/config/src/fault-hooks.ts). A new API process answers the client's retry with the same
 * Idempotency-Key: one decision, one audit event, the same answer for every retry.
 */
import { ApprovalDecisionEntity, AuditEventEntity, EmailOutboxEntity, IdempotencyRequestEntity, PlanAssignmentEntity } from '@quotaflow/persistence';
import { freePort } from '@quotaflow/devstack';
import { aePlanDocument, eventually, type Harness, startHarness } from '../e2e/harness';
import { API_MAIN, type Child, FaultHolds, killAll, spawnChild, WORKER_MAIN } from './processes';

jest.setTimeout(180_000);

describe('the API SIGKILLed during a decision request', () => {
  let h: Harness;
  const holds = new FaultHolds();
  // What the summary line reports, per test: API processes SIGKILLed, what the client saw, the decisions and audit events counted.
  const observed: Record<'early' | 'late', string | undefined> = { early: undefined, late: undefined };

  beforeAll(async () => {
    h = await startHarness('faults-api-kill', { inProcessWorker: false });
  });
  afterAll(async () => {
    await killAll();
    await h?.close();
    holds.remove();
  });

  async function api(hold: Record<string, string> = {}): Promise<{ proc: Child; url: string }> {
    const port = await freePort();
    const proc = spawnChild(API_MAIN, { ...h.env, ...hold, PORT: String(port) });
    const url = `http://127.0.0.1:${port}`;
    await eventually(async () => {
      if (proc.child.exitCode !== null) throw new Error(`api exited: ${proc.output().slice(-2000)}`);
      return (await fetch(`${url}/health`).catch(() => undefined))?.status === 200;
    }, `the API process up (output: ${proc.output().slice(-1500)})`, 60_000);
    return { proc, url };
  }

  const decline = (url: string, id: string, key: string) =>
    fetch(`${url}/api/v1/plan-assignments/${id}/decline`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.token(h.org.rep)}`, 'content-type': 'application/json', 'Idempotency-Key': key },
      body: JSON.stringify({ reason: 'Territory too small' }),
    });

  async function publishToRep(key: string): Promise<string> {
    const plan = await h.http('POST', '/api/v1/plans', { as: h.org.ops, body: { key, name: key, periodLabel: 'FY2026', effectiveFrom: '2026-01-01', document: aePlanDocument(key) } });
    expect(plan.status).toBe(201);
    const published = await h.http('POST', `/api/v1/plan-versions/${plan.body.versions[0].id}/publish`, { as: h.org.ops, body: { personIds: [h.org.rep.id] } });
    expect(published.status).toBe(202);
    const id: string = published.body.assignments[0].assignmentId;
    await eventually(async () => (await h.db.getRepository(EmailOutboxEntity).findOneBy({ purpose: `plan-acceptance:${id}:invite` }))?.status === 'sent', 'invite sent', 90_000);
    return id;
  }

  async function expectOneDecline(id: string, key: string): Promise<string> {
    const subject = `plan-assignment:${id}`;
    await eventually(async () => (await h.db.getRepository(PlanAssignmentEntity).findOneByOrFail({ id })).status === 'declined', 'declined', 60_000);
    await eventually(async () => (await h.db.getRepository(ApprovalDecisionEntity).countBy({ subject })) > 0, 'decision recorded', 60_000);
    const decisions = await h.db.getRepository(ApprovalDecisionEntity).findBy({ subject });
    expect(decisions.map((d) => [d.decision, d.idempotencyKey])).toEqual([['decline', key]]);
    const audited = await h.db.getRepository(AuditEventEntity).countBy({ subject, action: 'plan-assignment.declined' });
    expect(audited).toBe(1);
    return `${decisions.length} decision, ${audited} declined audit event`;
  }

  it('killed before the workflow has the decision: the retry with the same Idempotency-Key records it once', async () => {
    const worker = spawnChild(WORKER_MAIN, h.env);
    const id = await publishToRep('api-kill-early');
    await worker.stop(); // nobody accepts the Update now: the request waits inside the API
    const first = await api();
    const inFlight = decline(first.url, id, 'api-kill-early-1').then((r) => ({ status: r.status }), (e: Error) => ({ error: e.message }));
    await eventually(async () => (await h.db.getRepository(IdempotencyRequestEntity).countBy({ key: 'api-kill-early-1' })) === 1, 'the key claimed by the first API', 30_000);
    await first.proc.kill9();
    expect(await inFlight).toEqual({ error: 'fetch failed' });

    const again = spawnChild(WORKER_MAIN, h.env);
    const second = await api();
    const retried = await decline(second.url, id, 'api-kill-early-1');
    expect(retried.status).toBe(200);
    expect(await retried.json()).toMatchObject({ status: 'declined' });
    const counted = await expectOneDecline(id, 'api-kill-early-1');
    observed.early = `1 API SIGKILL with the Update waiting (client: ${JSON.stringify(await inFlight)}), 1 retry answered ${retried.status}, ${counted}`;
    await second.proc.stop();
    await again.stop();
  });

  it('killed after the workflow answered, before the API did: the retry gets that answer and nothing is recorded twice', async () => {
    const worker = spawnChild(WORKER_MAIN, h.env);
    const id = await publishToRep('api-kill-late');
    const first = await api(holds.env('decision-answered'));
    const inFlight = decline(first.url, id, 'api-kill-decline-1').then(
      (r) => ({ status: r.status }),
      (e: Error) => ({ error: e.message }),
    );
    expect(await holds.held('decision-answered', first.proc)).toBe('api-kill-decline-1');
    await first.proc.kill9();
    // The client saw the connection die, not an answer.
    expect(await inFlight).toEqual({ error: 'fetch failed' });

    const second = await api();
    const retried = await decline(second.url, id, 'api-kill-decline-1');
    expect(retried.status).toBe(200);
    const body = (await retried.json()) as { status: string };
    expect(body).toMatchObject({ status: 'declined' });
    const again = await decline(second.url, id, 'api-kill-decline-1');
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual(body);

    const counted = await expectOneDecline(id, 'api-kill-decline-1');
    observed.late = `1 API SIGKILL after the workflow answered (client: ${JSON.stringify(await inFlight)}), 2 retries answered ${retried.status} and ${again.status} with the same body, ${counted}`;
    console.log(`api-kill: early: ${observed.early ?? 'not run'}; late: ${observed.late}`);
    await second.proc.stop();
    await worker.stop();
  });
});
