import { Client } from 'pg';
import { createTestDatabase, TestDatabase } from '../../../test/support/database';
import { TEST_APP_DB_USER } from '../../../test/support/secrets';

/*
 * Item 4 of issue 8: the application's connection cannot change or remove audit events,
 * acceptances or approval decisions by any route. The connection is exactly what the API and
 * the worker use (DATABASE_URL of the harness: the app's own login).
 */
let db: TestDatabase;
let app: Client;
let owner: Client;

beforeAll(async () => {
  db = await createTestDatabase();
  owner = new Client({ connectionString: db.ownerUrl });
  app = new Client({ connectionString: db.url });
  await Promise.all([owner.connect(), app.connect()]);
  const [{ id: person }] = (await owner.query(`INSERT INTO people (name, email, roles) VALUES ('Rita Rep', 'rita@login.test', '{rep}') RETURNING id`)).rows as Array<{ id: string }>;
  const [{ id: plan }] = (await owner.query(`INSERT INTO plans (key, name, created_by_id) VALUES ('p', 'P', $1) RETURNING id`, [person])).rows as Array<{ id: string }>;
  const [{ id: version }] = (await owner.query(
    `INSERT INTO plan_versions (plan_id, version, document, period_label, effective_from, document_hash, created_by_id) VALUES ($1, 1, '{}', 'FY', '2026-01-01', 'h', $2) RETURNING id`, [plan, person],
  )).rows as Array<{ id: string }>;
  const [{ id: assignment }] = (await owner.query(
    `INSERT INTO plan_assignments (plan_version_id, person_id, status, settings, workflow_id, published_by_id, published_at) VALUES ($1, $2, 'accepted', '{}', 'w', $2, now()) RETURNING id`, [version, person],
  )).rows as Array<{ id: string }>;
  await app.query(`INSERT INTO acceptances (assignment_id, person_id, decision, decided_at, ip, user_agent, document_hash) VALUES ($1, $2, 'accepted', now(), '127.0.0.1', 'spec', 'h')`, [assignment, person]);
  await app.query(`INSERT INTO approval_decisions (subject, stage, approver_id, approver_role, decision, idempotency_key, workflow_id, run_id, decided_at) VALUES ('plan-assignment:x', 'rep', $1, 'rep', 'accept', 'k-1', 'w', 'r', now())`, [person]);
  await app.query(`INSERT INTO audit_events (id, occurred_at, action, subject, prev_hash, hash, hash_version) VALUES (1, now(), 'a', 's:1', 'p', 'h', 2)`);
});

afterAll(async () => {
  await Promise.all([app?.end(), owner?.end()]);
  await db?.drop();
});

/** Runs `sql` in its own transaction on the app's connection; resolves to the error message (or 'succeeded'). */
async function attempt(sql: string): Promise<string> {
  await app.query('BEGIN');
  try {
    await app.query(sql);
    return 'succeeded';
  } catch (error) {
    return (error as Error).message;
  } finally {
    await app.query('ROLLBACK');
  }
}

const PROTECTED = ['audit_events', 'acceptances', 'approval_decisions'] as const;

describe("the application's database login", () => {
  it('is its own role: no superuser, no owner, no role creation, member of quotaflow_app only', async () => {
    const { rows } = await app.query(`SELECT current_user AS who, r.rolsuper, r.rolcreaterole, r.rolcreatedb, r.rolbypassrls,
        array_to_json(array(SELECT b.rolname FROM pg_auth_members m JOIN pg_roles b ON b.oid = m.roleid WHERE m.member = r.oid)) AS member_of,
        (SELECT count(*)::int FROM pg_class c WHERE c.relowner = r.oid) AS owned
      FROM pg_roles r WHERE r.rolname = current_user`);
    expect(rows).toEqual([{ who: TEST_APP_DB_USER, rolsuper: false, rolcreaterole: false, rolcreatedb: false, rolbypassrls: false, member_of: ['quotaflow_app'], owned: 0 }]);
  });

  it.each(PROTECTED)('cannot UPDATE, DELETE or TRUNCATE %s directly', async (table) => {
    expect(await attempt(`UPDATE ${table} SET ${table === 'audit_events' ? 'comment' : table === 'acceptances' ? 'reason' : 'comment'} = 'x'`)).toBe(`permission denied for table ${table}`);
    expect(await attempt(`DELETE FROM ${table}`)).toBe(`permission denied for table ${table}`);
    expect(await attempt(`TRUNCATE ${table}`)).toBe(`permission denied for table ${table}`);
    expect(await attempt(`WITH gone AS (DELETE FROM ${table} RETURNING 1) SELECT count(*) FROM gone`)).toBe(`permission denied for table ${table}`);
  });

  it.each([
    // the attack of issue 8: become the superuser, switch the triggers off, delete
    ['SET ROLE postgres; SET LOCAL session_replication_role = replica; DELETE FROM audit_events', 'permission denied to set role "postgres"'],
    ['SET ROLE postgres', 'permission denied to set role "postgres"'],
    ['SET SESSION AUTHORIZATION postgres', 'permission denied to set session authorization'],
    ['SET LOCAL session_replication_role = replica', 'permission denied to set parameter "session_replication_role"'],
    ['ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only', 'must be owner of table audit_events'],
    ['ALTER TABLE audit_events DISABLE TRIGGER USER', 'must be owner of table audit_events'],
    ['ALTER TABLE acceptances DISABLE TRIGGER ALL', 'must be owner of table acceptances'],
    ['DROP TRIGGER audit_events_append_only ON audit_events', 'must be owner of relation audit_events'],
    ['DROP TABLE audit_events', 'must be owner of table audit_events'],
    ['ALTER TABLE audit_events RENAME TO old_events', 'must be owner of table audit_events'],
    ['CREATE TABLE audit_events_copy (id int)', 'permission denied for schema public'],
    [`CREATE FUNCTION wipe() RETURNS void LANGUAGE sql SECURITY DEFINER AS 'DELETE FROM audit_events'`, 'permission denied for schema public'],
    [`CREATE RULE r AS ON INSERT TO audit_events DO INSTEAD NOTHING`, 'must be owner of table audit_events'],
    ['ALTER ROLE CURRENT_USER SUPERUSER', 'permission denied to alter role'],
    // GRANT without the right only warns ("no privileges were granted"): the UPDATE after it still fails.
    ['GRANT UPDATE ON audit_events TO CURRENT_USER; UPDATE audit_events SET comment = NULL', 'permission denied for table audit_events'],
    [`CREATE EXTENSION IF NOT EXISTS dblink`, 'permission denied to create extension "dblink"'],
  ])('cannot lift the protection: %s', async (sql, refused) => {
    expect(await attempt(sql)).toContain(refused);
  });

  it('SET ROLE to its group role gains nothing', async () => {
    expect(await attempt(`SET ROLE quotaflow_app; DELETE FROM audit_events`)).toBe('permission denied for table audit_events');
  });

  it.each(PROTECTED)('the triggers refuse changes to %s even by the owner', async (table) => {
    await expect(owner.query(`DELETE FROM ${table}`)).rejects.toThrow(`${table} is append-only: DELETE refused`);
    await expect(owner.query(`TRUNCATE ${table} CASCADE`)).rejects.toThrow('append-only: TRUNCATE refused');
  });
});
