import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { createDataSource, revertLastMigration, runMigrations } from '../data-source';
import { createTestDatabase, TestDatabase } from '../../../../test/support/database';
import { TEST_AUDIT_HMAC_KEY } from '../../../../test/support/secrets';
import { AuditCheckpointJob, AuditCheckpoints, readCheckpointFile, signCheckpoint } from './audit-checkpoints';
import { AUDIT_GENESIS_HASH, auditEventHash, AuditEventInput, AuditLog } from './audit-log.service';

interface Ctx { app: DataSource; owner: DataSource; audit: AuditLog; checkpoints: AuditCheckpoints; dir: string; db: TestDatabase; logged: string[] }

async function withCheckpoints(fn: (ctx: Ctx) => Promise<void>): Promise<void> {
  const db = await createTestDatabase();
  const dir = mkdtempSync(join(tmpdir(), 'audit-checkpoints-'));
  const config = { url: db.url, migrationUrl: db.ownerUrl, appRole: 'quotaflow_app' };
  const app = await createDataSource(config).initialize();
  const owner = await createDataSource(config, { role: 'owner' }).initialize();
  const audit = new AuditLog(app, { hmacKey: TEST_AUDIT_HMAC_KEY });
  const logged: string[] = [];
  try {
    await fn({ app, owner, audit, db, dir, logged, checkpoints: new AuditCheckpoints(app, audit, { dir, log: (line) => logged.push(line) }) });
  } finally {
    await app.destroy();
    await owner.destroy();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const event = (n: number): AuditEventInput => ({ action: 'quota-set.approved', subject: 'quota-set:q1', actorRole: 'finance', data: { n, amount: '1000.00' }, occurredAt: new Date(Date.UTC(2026, 0, 2, 8, 0, n)) });

async function superuserDelete(owner: DataSource, where: string): Promise<void> {
  await owner.transaction(async (m) => {
    await m.query('ALTER TABLE audit_events DISABLE TRIGGER USER');
    await m.query(`DELETE FROM audit_events WHERE ${where}`);
    await m.query('ALTER TABLE audit_events ENABLE TRIGGER USER');
  });
}

describe('signed audit checkpoints', () => {
  it('writes a signed (last id, head hash, count) to the file and the log', () =>
    withCheckpoints(async ({ audit, checkpoints, dir, logged }) => {
      for (let n = 0; n < 4; n++) await audit.append(event(n));
      const { written } = await checkpoints.write();
      const head = await audit.head();
      expect(written).toMatchObject({ v: 1, lastId: '4', headHash: head.headHash, count: 4 });
      expect(written!.signature).toMatch(/^[0-9a-f]{64}$/);
      expect(readFileSync(join(dir, 'checkpoints.jsonl'), 'utf8')).toBe(`${JSON.stringify(written)}\n`);
      expect(logged).toEqual([`audit checkpoint ${JSON.stringify(written)}`]);
      expect(await checkpoints.write()).toEqual({ skipped: 'no new events' });
    }));

  it('detects deleting the newest events (truncation) and names the first missing id', () =>
    withCheckpoints(async ({ audit, checkpoints, owner }) => {
      for (let n = 0; n < 6; n++) await audit.append(event(n));
      await checkpoints.write();
      await superuserDelete(owner, 'id >= 5');
      // The links of what is left still hold: only the checkpoint shows it.
      expect(await audit.verify()).toMatchObject({ ok: true, count: 4 });
      const result = await audit.verify({ checkpoints: checkpoints.list().checkpoints });
      expect(result).toMatchObject({ ok: false, count: 4, firstBrokenId: '5' });
      expect(result.reason).toMatch(/^events 5\.\.6 are missing: the signed checkpoint of .* counts 6 events up to 6 \(the chain was truncated\)$/);
      // and no new checkpoint blesses the shortened chain (event 5 is new: 6 is the first the checkpoint misses)
      await audit.append(event(7));
      expect(await checkpoints.write()).toMatchObject({ skipped: 'the chain is broken', broken: { firstBrokenId: '6' } });
    }));

  it('detects truncation followed by new appends reaching past the checkpoint', () =>
    withCheckpoints(async ({ audit, checkpoints, owner }) => {
      for (let n = 0; n < 5; n++) await audit.append(event(n));
      await checkpoints.write();
      await superuserDelete(owner, 'id >= 3');
      for (let n = 0; n < 4; n++) await audit.append(event(10 + n)); // ids 3..6 again, correctly keyed
      const result = await audit.verify({ checkpoints: checkpoints.list().checkpoints });
      expect(result).toMatchObject({ ok: false, firstBrokenId: '5' });
      expect(result.reason).toMatch(/event 5 differs from the signed checkpoint/);
    }));

  it('refuses a checkpoint that was not signed with the key', () =>
    withCheckpoints(async ({ audit, checkpoints, dir }) => {
      await audit.append(event(0));
      const head = await audit.head();
      const forged = signCheckpoint(Buffer.from('not-the-key'), { v: 1, lastId: head.lastId, headHash: head.headHash, count: 1, at: '2026-01-02T00:00:00.000Z' });
      writeFileSync(join(dir, 'checkpoints.jsonl'), `${JSON.stringify(forged)}\n`);
      const result = await audit.verify({ checkpoints: checkpoints.list().checkpoints });
      expect(result.ok).toBe(false);
      expect(result.reason).toMatch(/has no valid signature/);
    }));

  it('the periodic job checkpoints after N new events, not before', () =>
    withCheckpoints(async ({ audit, checkpoints, dir }) => {
      const file = join(dir, 'checkpoints.jsonl');
      const job = new AuditCheckpointJob(checkpoints, audit, { everyEvents: 3, intervalSeconds: 3600, pollMs: 20, warn: (m) => { throw new Error(m); } });
      job.start();
      try {
        for (let n = 0; n < 3; n++) await audit.append(event(n));
        const deadline = Date.now() + 10_000;
        while (readCheckpointFile(file).checkpoints.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      } finally {
        await job.stop();
      }
      expect(readCheckpointFile(file).checkpoints.map((c) => c.lastId)).toEqual(['3']);
      await audit.append(event(3));
      await audit.append(event(4));
      expect(await job.tick()).toBe(false); // 2 new events, the interval not over
      await audit.append(event(5));
      expect(await job.tick()).toBe(true);
      expect(readCheckpointFile(file).checkpoints.map((c) => c.lastId)).toEqual(['3', '6']);
    }));
});

describe('the migration boundary', () => {
  it('events written with the old unkeyed hash still verify, followed by keyed ones', async () => {
    const db = await createTestDatabase();
    try {
      // Back to just before the anchored chain (later migrations first).
      let reverted: string | null;
      do reverted = await revertLastMigration(db.ownerUrl);
      while (reverted !== null && reverted !== 'AnchoredAuditChain1767225600040');
      expect(reverted).toBe('AnchoredAuditChain1767225600040');
      const before = await createDataSource({ url: db.ownerUrl, appRole: 'quotaflow_app' }).initialize();
      let prev = AUDIT_GENESIS_HASH;
      for (let n = 0; n < 3; n++) {
        const e = { occurredAt: new Date(Date.UTC(2025, 11, 1, 0, 0, n)), actorId: null, actorRole: 'ops', action: 'legacy.event', subject: 'plan-assignment:old', workflowId: null, runId: null, comment: null, before: null, after: null, data: { n }, dedupeKey: null, hashVersion: 1 };
        const hash = auditEventHash(prev, e);
        await before.query(
          `INSERT INTO audit_events (occurred_at, actor_role, action, subject, data, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
          [e.occurredAt, e.actorRole, e.action, e.subject, JSON.stringify(e.data), prev, hash],
        );
        prev = hash;
      }
      // a rolled-back append under the old code left a sequence gap: legitimate before the boundary
      await before.query(`SELECT nextval('audit_events_id_seq')`);
      await before.destroy();
      expect((await runMigrations(db.ownerUrl))[0]).toBe('AnchoredAuditChain1767225600040');
      const app = await createDataSource({ url: db.url, appRole: 'quotaflow_app' }).initialize();
      try {
        const audit = new AuditLog(app, { hmacKey: TEST_AUDIT_HMAC_KEY });
        const next = await audit.append(event(0));
        expect(next).toMatchObject({ id: '4', hashVersion: 2, prevHash: prev });
        await audit.append(event(1));
        expect(await audit.verify()).toMatchObject({ ok: true, count: 5, lastId: '5' });
      } finally {
        await app.destroy();
      }
    } finally {
      await db.drop();
    }
  });
});
