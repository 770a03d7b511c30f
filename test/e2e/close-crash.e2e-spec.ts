/**
 * Fault test of the monthly close: the worker process is SIGKILLed once inside the calculation (a
 * batch activity held by the test hook right after its payouts committed, before it answered: the
 * close is still `calculating`) and once while statements are being emailed; a new worker process
 * takes over each time (the held batch is retried and finds its payouts: nothing is written twice). Every rep has
 * exactly one payout, one statement and one statement email (distinct Message-IDs = reps), the
 * payouts are the engine's; raw SMTP duplicates are at most one per lane in flight.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { calculate } from '@quotaflow/domain';
import { CLOSE_CONCURRENCY } from '@quotaflow/workflows';
import { eventually, type Harness, startHarness } from './harness';
import type { PersonEntity } from '@quotaflow/persistence';
import { addPerson } from './fixtures';
import { FaultHolds } from '../faults/processes';
import { fromStage } from '../support/stages';

jest.setTimeout(300_000);

const WORKER_MAIN = resolve(__dirname, '../../dist/apps/worker/src/main.js');
const REPS = 400;
const PLAN = { id: 'crash-close', components: [{ id: 'commission', kind: 'commission', window: 'period', basis: 'amount', table: { split: 'step', tiers: [{ from: 0, rate: '0.05' }, { from: 1500, rate: '0.07' }] } }] };

function spawnWorker(env: Record<string, string>): { child: ChildProcess; output: () => string } {
  let output = '';
  const child = spawn(process.execPath, [WORKER_MAIN], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d: Buffer) => { output = (output + d.toString()).slice(-20_000); });
  child.stderr!.on('data', (d: Buffer) => { output = (output + d.toString()).slice(-20_000); });
  return { child, output: () => output };
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', () => r()));
}

describe('a worker killed during a close', () => {
  let h: Harness;
  const children: ChildProcess[] = [];
  const holds = new FaultHolds();

  beforeAll(async () => {
    if (!existsSync(WORKER_MAIN)) throw new Error(`${WORKER_MAIN} is missing: run the tests through \`npm test\`, which builds first`);
    h = await startHarness('close-crash', { inProcessWorker: false });
  });
  afterAll(async () => {
    if (third && third.child.exitCode === null && third.child.signalCode === null) {
      third.child.kill('SIGTERM');
      await exited(third.child);
    }
    for (const c of children) if (c.exitCode === null && c.signalCode === null) { c.kill('SIGKILL'); await exited(c); }
    await h?.close();
    holds.remove();
  });

  async function decide(person: PersonEntity, subject: string, stagePrefix: string) {
    const task = await eventually(async () => {
      const inbox = await h.http('GET', '/api/v1/me/approvals?limit=200', { as: person });
      return ((inbox.body?.tasks ?? []) as { id: string; subject: string; stage: { id: string } }[]).find((t) => t.subject === subject && t.stage.id.startsWith(stagePrefix));
    }, `${person.name}'s ${stagePrefix} task`, 120_000);
    const res = await h.http('POST', `/api/v1/approvals/${task.id}/decisions`, { as: person, body: { decision: 'approve' }, headers: { 'Idempotency-Key': `crash-${task.id}` } });
    expect(res.status).toBe(200);
  }

  const count = async (sql: string, params: unknown[]) => ((await h.db.query(sql, params)) as { n: number }[])[0]!.n;

  // What each stage leaves for the next (fromStage fails a stage at once when the one it needs did not finish).
  let fred: PersonEntity | undefined;
  let periodId: string | undefined;
  let second: ReturnType<typeof spawnWorker> | undefined;
  let third: ReturnType<typeof spawnWorker> | undefined;
  let payoutsAtKill: number | undefined;
  let atKill: number | undefined;
  let closed: true | undefined;

  it('400 reps of team West on an amount plan, one won January deal each', async () => {
    const { ops, manager, team } = h.org;
    const person = await addPerson(h, 'Fred Finance', ['finance']);
    const plan = await h.http('POST', '/api/v1/plans', {
      as: ops,
      body: {
        key: 'crash-close', name: 'Crash Close', periodLabel: 'FY2026', effectiveFrom: '2026-01-01', effectiveTo: '2026-12-31',
        document: PLAN,
      },
    });
    expect(plan.status).toBe(201);
    await h.db.query(
      `INSERT INTO people (name, email, roles, team_id, manager_id, active, attributes)
       SELECT 'Crash Rep ' || i, 'crash.rep.' || i || '@e2e.test', '{rep}', $1, $2, true, '{}'::jsonb FROM generate_series(1, $3) i`,
      [team.id, manager.id, REPS],
    );
    await h.db.query(
      `INSERT INTO plan_assignments (plan_version_id, person_id, status, settings, workflow_id, published_by_id, published_at, decided_at, effective_at)
       SELECT $1, p.id, 'accepted', '{"managerPreApproval":false,"reminderEveryDays":3,"escalateAfterDays":7,"expireAfterDays":14}'::jsonb,
              'plan-acceptance:fixture-' || p.id, $2, '2025-12-15', '2025-12-16', '2025-12-16'
         FROM people p WHERE p.email LIKE 'crash.rep.%'`,
      [plan.body.versions[0].id, ops.id],
    );
    const [territory] = (await h.db.query(`INSERT INTO territories (name, team_id) VALUES ('Crash West', $1) RETURNING id`, [team.id])) as { id: string }[];
    const [account] = (await h.db.query(`INSERT INTO accounts (name, territory_id) VALUES ('Crash Account', $1) RETURNING id`, [territory!.id])) as { id: string }[];
    await h.db.query(
      `INSERT INTO deals (account_id, name, amount, stage, close_date, currency, type, credits, external_id)
       SELECT $1, 'Deal ' || p.name, 1000 + row_number() OVER (ORDER BY p.email), 'won', '2026-01-15', 'USD', 'new',
              jsonb_build_array(jsonb_build_object('personId', p.id, 'share', '1')), 'CRASH-' || row_number() OVER (ORDER BY p.email)
         FROM people p WHERE p.email LIKE 'crash.rep.%'`,
      [account!.id],
    );
    fred = person;
  });

  it('kill 1: the worker SIGKILLed inside a calculation batch (its payouts committed, the activity not answered, the close still calculating); a new worker takes over', async () => {
    fromStage(fred, 'the 400 reps seeded');
    const { ops, finance } = h.org;
    const first = spawnWorker({ ...h.env, ...holds.env('close-batch-stored') });
    children.push(first.child);
    const period = await h.http('POST', '/api/v1/periods', { as: ops, body: { key: '2026-01' } });
    const id = period.body.id as string;
    expect((await h.http('POST', `/api/v1/periods/${id}/close`, { as: finance })).status).toBe(202);

    expect(await holds.held('close-batch-stored', first)).toMatch(new RegExp(`^${id}:\\d+$`));
    expect((await h.http('GET', `/api/v1/periods/${id}/close`, { as: finance })).body.state).toBe('calculating');
    first.child.kill('SIGKILL');
    await exited(first.child);
    const stored = await count(`SELECT count(*)::int AS n FROM payouts WHERE period_id = $1`, [id]);
    expect(stored).toBeGreaterThan(0);
    payoutsAtKill = stored;
    const next = spawnWorker(h.env);
    children.push(next.child);
    second = next;
    periodId = id;
  });

  it('the manager, finance and ops approve on the new worker; kill 2: SIGKILLed while statements are being emailed; a third worker closes the period', async () => {
    const id = fromStage(periodId, 'kill 1 and the second worker');
    const worker = fromStage(second, 'kill 1 and the second worker');
    const person = fromStage(fred, 'the 400 reps seeded');
    const { ops, finance, manager } = h.org;
    await decide(manager, `close:${id}`, 'team:');
    await decide(person, `close:${id}`, 'finance');
    await decide(ops, `close:${id}`, 'payroll');

    const sentSoFar = () => count(`SELECT count(*)::int AS n FROM email_outbox WHERE purpose LIKE $1 AND status = 'sent'`, [`close:${id}:statement:%`]);
    await eventually(async () => (await sentSoFar()) >= 50, `statements being sent (worker: ${worker.output().slice(-1500)})`, 120_000);
    worker.child.kill('SIGKILL');
    await exited(worker.child);
    atKill = await sentSoFar();
    const last = spawnWorker(h.env);
    children.push(last.child);
    third = last;

    await eventually(async () => (await h.http('GET', `/api/v1/periods/${id}`, { as: finance })).body.status === 'closed', `period closed (worker: ${last.output().slice(-1500)})`, 180_000);
    closed = true;
  });

  it('every rep has exactly one payout and one statement; the statement emails have 400 distinct Message-IDs, raw duplicates at most one per lane in flight', async () => {
    const id = fromStage(periodId, 'kill 1 and the second worker');
    fromStage(closed, 'the period closed after kill 2');
    expect(await count(`SELECT count(*)::int AS n FROM payouts WHERE period_id = $1 AND calculation_version = 1`, [id])).toBe(REPS);
    expect(await count(`SELECT count(*)::int AS n FROM (SELECT person_id FROM payouts WHERE period_id = $1 GROUP BY person_id, calculation_version HAVING count(*) > 1) d`, [id])).toBe(0);
    expect(await count(`SELECT count(*)::int AS n FROM statements WHERE period_id = $1`, [id])).toBe(REPS);
    const statementMails = h.smtp.messages.filter((m) => /commission statement/i.test(m.subject ?? ''));
    const distinct = new Set(statementMails.map((m) => m.messageId));
    expect(distinct.size).toBe(REPS);
    const duplicates = statementMails.length - distinct.size;
    console.log(`close-crash: ${REPS} reps, ${payoutsAtKill} payouts stored at the first kill, ${atKill} statements sent before the second kill, ${statementMails.length} raw deliveries, ${duplicates} raw duplicates`);
    expect(duplicates).toBeLessThanOrEqual(CLOSE_CONCURRENCY);
  });

  it('the payouts equal the engine’s over the same inputs, undisturbed by the kills', async () => {
    const id = fromStage(periodId, 'kill 1 and the second worker');
    fromStage(closed, 'the period closed after kill 2');
    const rows = (await h.db.query(
      `SELECT d.external_id AS id, d.amount::text AS amount, d.credits->0->>'personId' AS "personId" FROM deals d WHERE d.external_id LIKE 'CRASH-%'`,
    )) as { id: string; amount: string; personId: string }[];
    const engine = calculate({
      currency: 'USD', periods: [{ id: '2026-01', start: '2026-01-01', end: '2026-01-31' }], plans: [{ ...PLAN, id: 'p' }],
      participants: rows.map((r) => ({ id: r.personId, planId: 'p' })),
      transactions: rows.map((r) => ({ id: r.id, date: '2026-01-15', amount: r.amount, type: 'new', credits: [{ participantId: r.personId, share: '1' }] })),
    });
    const stored = new Map(((await h.db.query(`SELECT person_id, payout::text AS payout FROM payouts WHERE period_id = $1`, [id])) as { person_id: string; payout: string }[]).map((r) => [r.person_id, r.payout]));
    expect(engine.periods[0]!.participants.filter((p) => stored.get(p.participantId) !== p.payout)).toEqual([]);
  });
});
