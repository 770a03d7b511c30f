import { DataSource } from 'typeorm';
import { createDataSource } from '../data-source';
import { AuditEventEntity } from '../entities/audit-event.entity';
import { createTestDatabase, TestDatabase } from '../../../../test/support/database';
import { TEST_AUDIT_HMAC_KEY } from '../../../../test/support/secrets';
import { AUDIT_GENESIS_HASH, AuditEventInput, auditEventHash, AuditLog, keyedAuditEventHash } from './audit-log.service';

const ASSIGNMENT = '0b7c1c52-5d0e-4a31-9d38-1f0d39a4f1a1';
const ACTOR = '5f3c9c1e-8e7a-4c5b-9a55-2e6f2b0c7d10';

/** Each test gets its own database: tampering must not leak into other tests. */
async function withAudit(fn: (ctx: { app: DataSource; owner: DataSource; audit: AuditLog; db: TestDatabase }) => Promise<void>): Promise<void> {
  const db: TestDatabase = await createTestDatabase();
  const app = await createDataSource({ url: db.url, migrationUrl: db.ownerUrl, appRole: 'quotaflow_app' }, { role: 'app' }).initialize();
  const owner = await createDataSource({ url: db.url, migrationUrl: db.ownerUrl, appRole: 'quotaflow_app' }, { role: 'owner' }).initialize();
  try {
    await fn({ app, owner, db, audit: new AuditLog(app, { hmacKey: TEST_AUDIT_HMAC_KEY }) });
  } finally {
    await app.destroy();
    await owner.destroy();
    await db.drop();
  }
}

function forgerHash(forger: AuditLog, id: string, prev: string, e: AuditEventEntity): string {
  // The same HMAC construction with the forger's own key.
  return keyedAuditEventHash((forger as unknown as { keys: { chain: Buffer } }).keys.chain, id, prev, e);
}

function event(n: number, extra: Partial<AuditEventInput> = {}): AuditEventInput {
  return {
    action: n === 0 ? 'plan-assignment.published' : 'plan-assignment.reminded',
    subject: `plan-assignment:${ASSIGNMENT}`,
    actorId: ACTOR,
    actorRole: 'ops',
    workflowId: `plan-acceptance:${ASSIGNMENT}`,
    runId: 'run-1',
    occurredAt: new Date(Date.UTC(2026, 0, 1, 9, 0, n)),
    data: { n, quota: '120000.00', nested: { b: 1, a: [1, 'x', null] } },
    ...extra,
  };
}

/** Rewrites a stored row as the owner, with the append-only trigger briefly disabled. */
async function tamper(owner: DataSource, sql: string, params: unknown[]): Promise<void> {
  await owner.transaction(async (m) => {
    await m.query('ALTER TABLE audit_events DISABLE TRIGGER USER');
    await m.query(sql, params);
    await m.query('ALTER TABLE audit_events ENABLE TRIGGER USER');
  });
}

describe('AuditLog', () => {
  it('links a chain of events from the genesis hash and verifies it', () =>
    withAudit(async ({ audit }) => {
      const rows: AuditEventEntity[] = [];
      for (let n = 0; n < 12; n++) rows.push(await audit.append(event(n, { before: n === 0 ? null : { status: 'pending_rep' } })));
      expect(rows[0]!.prevHash).toBe(AUDIT_GENESIS_HASH);
      for (let i = 1; i < rows.length; i++) expect(rows[i]!.prevHash).toBe(rows[i - 1]!.hash);
      expect(rows[5]!.data).toEqual({ n: 5, quota: '120000.00', nested: { b: 1, a: [1, 'x', null] } });
      expect(new Set(rows.map((r) => r.hash)).size).toBe(12);
      expect(await audit.verify()).toMatchObject({ ok: true, count: 12, lastId: rows[11]!.id, headHash: rows[11]!.hash });
      expect(rows.map((r) => r.id)).toEqual(Array.from({ length: 12 }, (_, i) => String(i + 1)));
      expect(rows.every((r) => r.hashVersion === 2)).toBe(true);
    }));

  it('verifies an empty trail', () => withAudit(async ({ audit }) => expect(await audit.verify()).toEqual({ ok: true, count: 0, checkpointsChecked: 0, lastId: '0', headHash: AUDIT_GENESIS_HASH })));

  it('appends once per dedupe key, returning the first row on retry', () =>
    withAudit(async ({ audit }) => {
      const first = await audit.append(event(0, { dedupeKey: 'plan-acceptance:x:published' }));
      const retry = await audit.append(event(0, { dedupeKey: 'plan-acceptance:x:published', comment: 'retried' }));
      expect(retry.id).toBe(first.id);
      expect(retry.comment).toBeNull();
      await audit.append(event(1, { dedupeKey: 'plan-acceptance:x:reminded:1' }));
      expect(await audit.verify()).toMatchObject({ ok: true, count: 2 });
    }));

  it('names the first altered event', () =>
    withAudit(async ({ audit, owner }) => {
      const rows: AuditEventEntity[] = [];
      for (let n = 0; n < 6; n++) rows.push(await audit.append(event(n)));
      await tamper(owner, `UPDATE audit_events SET data = jsonb_set(data, '{quota}', '"999999.00"') WHERE id = $1`, [rows[3]!.id]);
      expect(await audit.verify()).toEqual({
        ok: false,
        count: 3,
        firstBrokenId: rows[3]!.id,
        reason: "hash does not match the event's contents (altered, or written without the key)",
        checkpointsChecked: 0,
      });
    }));

  it('names a removed event by its own id', () =>
    withAudit(async ({ audit, owner }) => {
      const rows: AuditEventEntity[] = [];
      for (let n = 0; n < 5; n++) rows.push(await audit.append(event(n)));
      await tamper(owner, 'DELETE FROM audit_events WHERE id = $1', [rows[2]!.id]);
      const result = await audit.verify();
      expect(result).toMatchObject({ ok: false, count: 2, firstBrokenId: rows[2]!.id, reason: `event ${rows[2]!.id} is missing (removed from the chain)` });
    }));

  it('a rolled-back append leaves no gap in the ids', () =>
    withAudit(async ({ app, audit }) => {
      await audit.append(event(0));
      await expect(app.transaction(async (m) => {
        await audit.append(event(1), m);
        throw new Error('rolled back');
      })).rejects.toThrow('rolled back');
      const next = await audit.append(event(2));
      expect(next.id).toBe('2');
      expect(await audit.verify()).toMatchObject({ ok: true, count: 2 });
    }));

  it('detects a rewrite that recomputes every later hash without the key', () =>
    withAudit(async ({ audit, owner }) => {
      const rows: AuditEventEntity[] = [];
      for (let n = 0; n < 6; n++) rows.push(await audit.append(event(n)));
      // The attacker edits event 3 and recomputes 3..6 with everything the database holds
      // (but not AUDIT_HMAC_KEY): with the old unkeyed formula, and with a guessed key.
      for (const attack of ['unkeyed', 'other-key'] as const) {
        const forger = new AuditLog(owner, { hmacKey: 'a-key-the-attacker-guessed-0123456789abcdef' });
        let prev = rows[1]!.hash;
        for (const row of rows.slice(2)) {
          const changed = { ...row, comment: row.id === rows[2]!.id ? `rewritten (${attack})` : row.comment };
          const hash = attack === 'unkeyed' ? auditEventHash(prev, changed) : forgerHash(forger, row.id, prev, changed);
          await tamper(owner, `UPDATE audit_events SET comment = $2, prev_hash = $3, hash = $4, hash_version = $5 WHERE id = $1`, [
            row.id, changed.comment, prev, hash, attack === 'unkeyed' ? 1 : 2,
          ]);
          prev = hash;
        }
        const result = await audit.verify();
        expect(result).toMatchObject({ ok: false, count: 2, firstBrokenId: rows[2]!.id });
        expect(result.reason).toMatch(attack === 'unkeyed' ? /unkeyed \(version 1\) event after the keyed chain began/ : /written without the key/);
      }
    }));

  it('detects a well-formed event inserted as the app role, named by its id', () =>
    withAudit(async ({ app, audit }) => {
      for (let n = 0; n < 3; n++) await audit.append(event(n));
      const last = (await audit.list()).at(-1)!;
      const forged = { ...event(9), occurredAt: new Date('2026-01-01T09:00:09.000Z'), before: null, after: null, comment: null, dedupeKey: null, hashVersion: 2 } as never;
      // The attacker knows the formula but not the key: they use the old unkeyed one.
      await app.query(
        `INSERT INTO audit_events (id, occurred_at, actor_id, actor_role, action, subject, workflow_id, run_id, data, prev_hash, hash, hash_version)
         VALUES (4, $1, $2, 'manager', 'plan-assignment.approved', $3, $4, 'run-1', $5, $6, $7, 2)`,
        ['2026-01-01T09:00:09.000Z', ACTOR, `plan-assignment:${ASSIGNMENT}`, `plan-acceptance:${ASSIGNMENT}`, JSON.stringify(event(9).data), last.hash, auditEventHash(last.hash, forged)],
      );
      expect(await audit.verify()).toMatchObject({ ok: false, count: 3, firstBrokenId: '4', reason: "hash does not match the event's contents (altered, or written without the key)" });
      // An insert that is not the next id, or not keyed, is refused outright.
      await expect(app.query(`INSERT INTO audit_events (id, occurred_at, action, subject, prev_hash, hash, hash_version) VALUES (9, now(), 'x', 'y:1', 'p', 'h', 2)`)).rejects.toThrow('the next event id is 5, got 9');
      await expect(app.query(`INSERT INTO audit_events (id, occurred_at, action, subject, prev_hash, hash, hash_version) VALUES (5, now(), 'x', 'y:1', 'p', 'h', 1)`)).rejects.toThrow('only keyed (hash_version 2) events may be appended');
    }));

  it('keeps one valid chain under 20 concurrent appends', () =>
    withAudit(async ({ audit }) => {
      await audit.append(event(0));
      const rows = await Promise.all(Array.from({ length: 20 }, (_, i) => audit.append(event(i + 1, { dedupeKey: `c-${i}` }))));
      expect(new Set(rows.map((r) => r.prevHash)).size).toBe(20);
      expect(await audit.verify()).toMatchObject({ ok: true, count: 21 });
      expect(rows.map((r) => Number(r.id)).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 2));
    }));

  it('writes concurrent appends in groups: one chain, one row per dedupe key, each caller its own row', () =>
    withAudit(async ({ app, audit }) => {
      await audit.append(event(0));
      const statements: string[] = [];
      const logged = app.createQueryRunner().constructor.prototype as { query: (q: string, ...rest: unknown[]) => Promise<unknown> };
      const query = logged.query;
      logged.query = function (this: unknown, q: string, ...rest: unknown[]) {
        statements.push(q);
        return query.call(this, q, ...rest);
      };
      let rows: AuditEventEntity[];
      try {
        // 150 appends at once, every third one a retry of an earlier key (also within one group).
        rows = await Promise.all(Array.from({ length: 150 }, (_, i) => audit.append(event(i + 1, { dedupeKey: `g-${i % 3 === 2 ? i - 1 : i}` }))));
      } finally {
        logged.query = query;
      }
      expect(rows.map((r) => r.dedupeKey)).toEqual(Array.from({ length: 150 }, (_, i) => `g-${i % 3 === 2 ? i - 1 : i}`));
      // A retried key answers the first row written for it.
      rows.forEach((r, i) => {
        if (i % 3 === 2) expect(r).toEqual(rows[i - 1]);
      });
      expect(new Set(rows.map((r) => r.id)).size).toBe(100);
      expect(await audit.verify()).toMatchObject({ ok: true, count: 101 });
      // The lock was taken once per group (the first append alone, then at most 100 at a time), not once per event.
      expect(statements.filter((q) => q.includes('pg_advisory_xact_lock'))).toHaveLength(3);
    }));

  it('fails only the bad event of a group', () =>
    withAudit(async ({ audit }) => {
      await audit.append(event(0));
      const results = await Promise.allSettled(
        // PostgreSQL refuses a NUL character in text: that insert fails, the others are written.
        Array.from({ length: 10 }, (_, i) => audit.append(event(i + 1, { dedupeKey: `b-${i}`, ...(i === 4 ? { comment: 'bad\u0000comment' } : {}) }))),
      );
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
      expect(await audit.verify()).toMatchObject({ ok: true, count: 10 });
    }));

  it('joins the caller transaction and rolls back with it', () =>
    withAudit(async ({ app, audit }) => {
      await audit.append(event(0));
      await expect(
        app.transaction(async (m) => {
          await audit.append(event(1), m);
          throw new Error('business step failed');
        }),
      ).rejects.toThrow('business step failed');
      const kept = await app.transaction((m) => audit.append(event(2), m));
      expect(kept.prevHash).toBe((await audit.list())[0]!.hash);
      expect(await audit.verify()).toMatchObject({ ok: true, count: 2 });
    }));

  it('lists by subject and by subject prefix, oldest first', () =>
    withAudit(async ({ audit }) => {
      await audit.append(event(0, { subject: 'plan-assignment:a' }));
      await audit.append(event(1, { subject: 'quota-set:q1' }));
      await audit.append(event(2, { subject: 'plan-assignment:b' }));
      await audit.append(event(3, { subject: 'plan-assignment:a' }));
      await audit.append(event(4, { subject: 'plan_assignment:c' }));
      expect((await audit.list({ subject: 'plan-assignment:a' })).map((e) => e.data)).toEqual([
        expect.objectContaining({ n: 0 }),
        expect.objectContaining({ n: 3 }),
      ]);
      expect((await audit.list({ subjectPrefix: 'plan-assignment:' })).map((e) => e.subject)).toEqual([
        'plan-assignment:a', 'plan-assignment:b', 'plan-assignment:a',
      ]);
      // `_` is a LIKE wildcard: it must be matched literally.
      expect((await audit.list({ subjectPrefix: 'plan_' })).map((e) => e.subject)).toEqual(['plan_assignment:c']);
      expect((await audit.list({ limit: 2, offset: 1 })).map((e) => e.subject)).toEqual(['quota-set:q1', 'plan-assignment:b']);
    }));

  it('refuses an event without action or subject', () =>
    withAudit(async ({ audit }) => {
      await expect(audit.append({ ...event(0), action: ' ' })).rejects.toThrow('audit event action is required');
    }));
});

describe('audit_events is append-only', () => {
  it('the app role may read and append but not update, delete or truncate', () =>
    withAudit(async ({ app, audit }) => {
      const row = await audit.append(event(0));
      expect(await app.query('SELECT current_user AS who')).toEqual([{ who: 'quotaflow_app_user' }]);
      await expect(app.query(`UPDATE audit_events SET comment = 'x' WHERE id = $1`, [row.id])).rejects.toThrow(
        'permission denied for table audit_events',
      );
      await expect(app.query('DELETE FROM audit_events WHERE id = $1', [row.id])).rejects.toThrow(
        'permission denied for table audit_events',
      );
      await expect(app.query('TRUNCATE audit_events')).rejects.toThrow('permission denied for table audit_events');
      // Ordinary tables stay writable for the app.
      await app.query(`INSERT INTO teams (name) VALUES ('Ops')`);
      await app.query(`UPDATE teams SET name = 'Operations' WHERE name = 'Ops'`);
    }));

  it('the trigger refuses changes even by the owner', () =>
    withAudit(async ({ owner, audit }) => {
      const row = await audit.append(event(0));
      await expect(owner.query(`UPDATE audit_events SET comment = 'x' WHERE id = $1`, [row.id])).rejects.toThrow(
        'audit_events is append-only: UPDATE refused',
      );
      await expect(owner.query('DELETE FROM audit_events')).rejects.toThrow('audit_events is append-only: DELETE refused');
      await expect(owner.query('TRUNCATE audit_events')).rejects.toThrow('audit_events is append-only: TRUNCATE refused');
      expect(await audit.verify()).toMatchObject({ ok: true, count: 1 });
    }));
});
