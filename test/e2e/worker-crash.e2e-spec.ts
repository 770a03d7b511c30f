/**
 * Fault test: the worker process is SIGKILLed while an acceptance waits for the rep; a
 * new worker process takes over; the rep accepts; nothing is lost and no email is sent twice.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { EmailOutboxEntity, PlanAssignmentEntity } from '@quotaflow/persistence';
import { aePlanDocument, eventually, type Harness, startHarness } from './harness';

jest.setTimeout(240_000);

const WORKER_MAIN = resolve(__dirname, '../../dist/apps/worker/src/main.js');

function spawnWorker(env: Record<string, string>): { child: ChildProcess; output: () => string } {
  let output = '';
  const child = spawn(process.execPath, [WORKER_MAIN], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d: Buffer) => { output += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { output += d.toString(); });
  return { child, output: () => output };
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', () => r()));
}

describe('a worker killed mid-workflow', () => {
  let h: Harness;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    if (!existsSync(WORKER_MAIN)) throw new Error(`${WORKER_MAIN} is missing: run the tests through \`npm test\`, which builds first`);
    h = await startHarness('worker-crash', { inProcessWorker: false });
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) { c.kill('SIGKILL'); await exited(c); }
    await h?.close();
  });

  it('loses nothing and sends every email exactly once', async () => {
    const first = spawnWorker(h.env);
    children.push(first.child);
    const plan = await h.http('POST', '/api/v1/plans', { as: h.org.ops, body: { key: 'crash-plan', name: 'Crash Plan', periodLabel: 'FY2026', effectiveFrom: '2026-01-01', document: aePlanDocument() } });
    expect(plan.status).toBe(201);
    const published = await h.http('POST', `/api/v1/plan-versions/${plan.body.versions[0].id}/publish`, { as: h.org.ops, body: { personIds: [h.org.rep.id] } });
    expect(published.status).toBe(202);
    const assignmentId: string = published.body.assignments[0].assignmentId;
    await h.smtp.waitFor((m) => JSON.stringify(m.to).includes(h.org.rep.email), 90_000);
    await eventually(async () => (await h.db.getRepository(PlanAssignmentEntity).findOneByOrFail({ id: assignmentId })).status === 'pending_rep', 'pending_rep');
    // The acceptance now waits: the invitation is delivered and recorded as sent.
    await eventually(async () => {
      const rows = await h.db.getRepository(EmailOutboxEntity).find();
      const invite = rows.find((o) => o.purpose.includes(assignmentId) && o.purpose.endsWith(':invite'));
      return invite?.status === 'sent';
    }, 'invite recorded as sent');

    // Kill -9 while the workflow waits for the rep's decision.
    first.child.kill('SIGKILL');
    await exited(first.child);
    expect(first.child.signalCode).toBe('SIGKILL');

    const second = spawnWorker(h.env);
    children.push(second.child);
    const accepted = await eventually(async () => {
      const r = await h.http('POST', `/api/v1/plan-assignments/${assignmentId}/accept`, { as: h.org.rep, body: {}, headers: { 'Idempotency-Key': 'crash-accept-0001' } });
      return r.status === 200 ? r : undefined;
    }, `accept after restart (worker output: ${second.output().slice(-2000)})`, 90_000);
    expect(accepted.body.status).toBe('accepted');
    // An activity the killed worker had started is retried once its attempt times out (20 s).
    await eventually(async () => (await h.db.getRepository(PlanAssignmentEntity).findOneByOrFail({ id: assignmentId })).status === 'accepted', 'accepted in the database', 90_000);

    // Every outbox purpose was delivered once, and the SMTP server saw each Message-ID once.
    const outbox = await h.db.getRepository(EmailOutboxEntity).find();
    const mine = outbox.filter((o) => o.purpose.includes(assignmentId));
    expect(mine.length).toBeGreaterThanOrEqual(1);
    for (const row of mine) {
      await eventually(async () => (await h.db.getRepository(EmailOutboxEntity).findOneByOrFail({ id: row.id })).status === 'sent', `outbox ${row.purpose} sent`, 90_000);
      expect(h.smtp.messages.filter((m) => m.messageId === row.messageId)).toHaveLength(1);
    }
    second.child.kill('SIGTERM');
    await exited(second.child);
  });
});
