import { DataSource } from 'typeorm';
import { createDataSource } from '../data-source';
import { AuditEventEntity } from '../entities/audit-event.entity';
import { createTestDatabase, TestDatabase } from '../../../../test/support/database';
import { AUDIT_GENESIS_HASH, AuditEventInput, AuditLog } from './audit-log.service';

const ASSIGNMENT = '0b7c1c52-5d0e-4a31-9d38-1f0d39a4f1a1';
const ACTOR = '5f3c9c1e-8e7a-4c5b-9a55-2e6f2b0c7d10';

/** Each test gets its own database: tampering must not leak into other tests. */
async function withAudit(fn: (ctx: { app: DataSource; owner: DataSource; audit: AuditLog }) => Promise<void>): Promise<void> {
  const db: TestDatabase = await createTestDatabase();
  const app = await createDataSource({ url: db.url, appRole: 'quotaflow_app' }, { role: 'app' }).initialize();
  const owner = await createDataSource({ url: db.url, appRole: 'quotaflow_app' }, { role: 'owner' }).initialize();
  try {
    await fn({ app, owner, audit: new AuditLog(app) });
  } finally {
    await app.destroy();
    await owner.destroy();
    await db.drop();
  }
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
    await m.query('ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only');
    await m.query(sql, params);
    await m.query('ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only');
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
      expect(await audit.verify()).toEqual({ ok: true, count: 12 });
    }));

  it('verifies an empty trail', () => withAudit(async ({ audit }) => expect(await audit.verify()).toEqual({ ok: true, count: 0 })));

  it('appends once per dedupe key, returning the first row on retry', () =>
    withAudit(async ({ audit }) => {
      const first = await audit.append(event(0, { dedupeKey: 'plan-acceptance:x:published' }));
      const retry = await audit.append(event(0, { dedupeKey: 'plan-acceptance:x:published', comment: 'retried' }));
      expect(retry.id).toBe(first.id);
      expect(retry.comment).toBeNull();
      await audit.append(event(1, { dedupeKey: 'plan-acceptance:x:reminded:1' }));
      expect(await audit.verify()).toEqual({ ok: true, count: 2 });
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
        reason: "hash does not match the event's contents",
      });
    }));

  it('names the event after a removed one', () =>
    withAudit(async ({ audit, owner }) => {
      const rows: AuditEventEntity[] = [];
      for (let n = 0; n < 5; n++) rows.push(await audit.append(event(n)));
      await tamper(owner, 'DELETE FROM audit_events WHERE id = $1', [rows[2]!.id]);
      const result = await audit.verify();
      expect(result).toMatchObject({ ok: false, count: 2, firstBrokenId: rows[3]!.id });
      expect(result.reason).toMatch(/^prev_hash does not match/);
    }));

  it('keeps one valid chain under 20 concurrent appends', () =>
    withAudit(async ({ audit }) => {
      await audit.append(event(0));
      const rows = await Promise.all(Array.from({ length: 20 }, (_, i) => audit.append(event(i + 1, { dedupeKey: `c-${i}` }))));
      expect(new Set(rows.map((r) => r.prevHash)).size).toBe(20);
      expect(await audit.verify()).toEqual({ ok: true, count: 21 });
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
      expect(await audit.verify()).toEqual({ ok: true, count: 2 });
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
      expect(await app.query('SELECT current_user AS who')).toEqual([{ who: 'quotaflow_app' }]);
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
      expect(await audit.verify()).toEqual({ ok: true, count: 1 });
    }));
});
