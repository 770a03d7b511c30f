/**
 * Issue 8, item 3 (and issue 9's "a broken audit chain over HTTP and through npm run audit:verify"):
 * the chain written by the running API is checked over HTTP and by the CLI, against signed
 * checkpoints kept outside the database; truncation, a rewrite that recomputes every later hash,
 * and a well-formed event inserted as the app role are found and named by id.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { Client } from 'pg';
import { type Harness, startHarness } from './harness';
import { auditEventHash } from '@quotaflow/persistence';

const ROOT = resolve(__dirname, '../..');

/** `npm run audit:<job>` as a person runs it, against this harness's database and checkpoint folder. */
function npmAudit(h: Harness, job: 'verify' | 'checkpoint'): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('npm', ['run', '--silent', `audit:${job}`], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...h.env }, timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function createTeams(h: Harness, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const res = await h.http('POST', '/api/v1/teams', { as: h.org.admin, body: { name: `Team ${i} ${Math.random().toString(36).slice(2, 7)}` } });
    expect(res.status).toBe(201);
  }
}

/** As the database's superuser (triggers off): what an attacker with the owner's password could do. */
async function asSuperuser(h: Harness, sql: string, params: unknown[] = []): Promise<void> {
  await h.db.transaction(async (m) => {
    await m.query('ALTER TABLE audit_events DISABLE TRIGGER USER');
    await m.query(sql, params);
    await m.query('ALTER TABLE audit_events ENABLE TRIGGER USER');
  });
}

describe('the audit chain under attack', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness('audit-chain', { inProcessWorker: false });
    await createTeams(h, 6);
  });
  afterEach(async () => h?.close());

  it('is intact, checkpointed by npm run audit:checkpoint, exported over HTTP', async () => {
    expect((await h.http('GET', '/api/v1/audit/verify', { as: h.org.auditor })).body).toMatchObject({ ok: true, count: 6, checkpointsChecked: 0 });
    const written = npmAudit(h, 'checkpoint');
    expect(written.status).toBe(0);
    // the last line: bootstrap may print a set-up line before it
    const checkpoint = JSON.parse(written.stdout.trim().split('\n').at(-1)!) as { lastId: string; count: number; signature: string };
    expect(checkpoint).toMatchObject({ v: 1, lastId: '6', count: 6 });
    const exported = await h.http('GET', '/api/v1/audit/checkpoints', { as: h.org.auditor });
    expect(exported.status).toBe(200);
    expect(exported.body).toMatchObject({ count: 1, unreadableLines: [], checkpoints: [checkpoint] });
    expect((await h.http('GET', '/api/v1/audit/checkpoints', { as: h.org.rep })).status).toBe(403);
    expect((await h.http('GET', '/api/v1/audit/verify', { as: h.org.auditor })).body).toMatchObject({ ok: true, count: 6, checkpointsChecked: 1 });
    const verified = npmAudit(h, 'verify');
    expect(verified).toMatchObject({ status: 0, stdout: expect.stringContaining('audit chain OK: 6 events, 1 signed checkpoints') });
  });

  it('names the first missing event after the newest ones were deleted (truncation)', async () => {
    expect(npmAudit(h, 'checkpoint').status).toBe(0);
    await asSuperuser(h, 'DELETE FROM audit_events WHERE id >= 5');
    const res = await h.http('GET', '/api/v1/audit/verify', { as: h.org.auditor });
    expect(res.body).toMatchObject({ ok: false, count: 4, firstBrokenId: '5' });
    expect(res.body.reason).toMatch(/events 5\.\.6 are missing/);
    const cli = npmAudit(h, 'verify');
    expect(cli.status).toBe(1);
    expect(cli.stdout).toMatch(/^audit chain BROKEN at event 5: events 5\.\.6 are missing/);
  });

  it('names a deleted middle event by its own id', async () => {
    await asSuperuser(h, 'DELETE FROM audit_events WHERE id = 3');
    expect((await h.http('GET', '/api/v1/audit/verify', { as: h.org.auditor })).body).toMatchObject({ ok: false, count: 2, firstBrokenId: '3', reason: 'event 3 is missing (removed from the chain)' });
    const cli = npmAudit(h, 'verify');
    expect(cli.status).toBe(1);
    expect(cli.stdout).toContain('audit chain BROKEN at event 3: event 3 is missing');
  });

  it('names the edited event when every later hash was recomputed', async () => {
    const rows = (await h.db.query(`SELECT id::text AS id, occurred_at, actor_id, actor_role, action, subject, after, prev_hash, hash FROM audit_events ORDER BY id`)) as Array<Record<string, unknown>>;
    let prev = rows[1]!.hash as string;
    for (const row of rows.slice(2)) {
      const after = row.id === '3' ? { name: 'Renamed after the fact' } : row.after;
      const fields = { occurredAt: row.occurred_at as Date, actorId: row.actor_id, actorRole: row.actor_role, action: row.action, subject: row.subject, after, workflowId: null, runId: null, comment: null, before: null, data: null, dedupeKey: null } as never;
      const hash = auditEventHash(prev, fields);
      await asSuperuser(h, 'UPDATE audit_events SET after = $2, prev_hash = $3, hash = $4 WHERE id = $1', [row.id, JSON.stringify(after), prev, hash]);
      prev = hash;
    }
    const res = await h.http('GET', '/api/v1/audit/verify', { as: h.org.auditor });
    expect(res.body).toMatchObject({ ok: false, count: 2, firstBrokenId: '3' });
    expect(res.body.reason).toMatch(/written without the key/);
    const cli = npmAudit(h, 'verify');
    expect(cli.status).toBe(1);
    expect(cli.stdout).toContain('audit chain BROKEN at event 3: hash does not match');
  });

  it('names a well-formed event inserted with the application\'s own database login', async () => {
    const app = new Client({ connectionString: h.env.DATABASE_URL });
    await app.connect();
    try {
      const [last] = (await app.query(`SELECT hash FROM audit_events ORDER BY id DESC LIMIT 1`)).rows as Array<{ hash: string }>;
      await app.query(
        `INSERT INTO audit_events (id, occurred_at, actor_id, actor_role, action, subject, after, prev_hash, hash, hash_version)
         VALUES (7, now(), $1, 'manager', 'plan-assignment.approved', 'plan-assignment:forged', '{}', $2, $3, 2)`,
        [h.org.manager.id, last!.hash, 'f'.repeat(64)],
      );
    } finally {
      await app.end();
    }
    expect((await h.http('GET', '/api/v1/audit/verify', { as: h.org.auditor })).body).toMatchObject({ ok: false, count: 6, firstBrokenId: '7' });
    const cli = npmAudit(h, 'verify');
    expect(cli.status).toBe(1);
    expect(cli.stdout).toContain('audit chain BROKEN at event 7');
  });
});
