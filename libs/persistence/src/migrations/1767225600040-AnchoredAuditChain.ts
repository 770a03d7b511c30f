import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 8, items 3 and 4.
 * - `audit_events.hash_version`: 1 = the old unkeyed sha256 chain (every row written before this
 *   migration), 2 = HMAC-SHA256 with a key the database never sees. Only version 2 may be
 *   inserted from now on, so the unkeyed rows form a closed prefix (the migration boundary).
 * - Ids are assigned by the application under the chain's advisory lock (last id + 1), never by
 *   the sequence: a rolled-back append leaves no gap, so a missing id is a deleted row. A trigger
 *   refuses any insert that is not exactly the next id, whoever sends it.
 * - `acceptances` and `approval_decisions` become append-only like `audit_events`: the app role
 *   loses UPDATE/DELETE, and triggers refuse UPDATE/DELETE/TRUNCATE for everybody.
 * - Nobody but the owner creates objects in `public` (PostgreSQL 15+ does this by default; said
 *   explicitly for older servers), so the app login cannot plant a SECURITY DEFINER function.
 */
export class AnchoredAuditChain1767225600040 implements MigrationInterface {
  name = 'AnchoredAuditChain1767225600040';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE audit_events ADD COLUMN hash_version smallint NOT NULL DEFAULT 1`);
    await q.query(`ALTER TABLE audit_events ALTER COLUMN hash_version DROP DEFAULT`);
    await q.query(`ALTER TABLE audit_events ALTER COLUMN id DROP DEFAULT`);
    await q.query(`REVOKE ALL ON SEQUENCE audit_events_id_seq FROM quotaflow_app`);
    await q.query(`
      CREATE FUNCTION audit_events_check_insert() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        expected bigint;
      BEGIN
        IF NEW.hash_version IS DISTINCT FROM 2 THEN
          RAISE EXCEPTION 'audit_events: only keyed (hash_version 2) events may be appended' USING ERRCODE = 'check_violation';
        END IF;
        SELECT coalesce(max(id), 0) + 1 INTO expected FROM audit_events;
        IF NEW.id IS DISTINCT FROM expected THEN
          RAISE EXCEPTION 'audit_events: the next event id is %, got %', expected, NEW.id USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(`
      CREATE TRIGGER audit_events_next_id BEFORE INSERT ON audit_events
      FOR EACH ROW EXECUTE FUNCTION audit_events_check_insert()`);

    await q.query(`
      CREATE FUNCTION append_only_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    for (const table of ['acceptances', 'approval_decisions']) {
      await q.query(`REVOKE UPDATE, DELETE, TRUNCATE ON ${table} FROM quotaflow_app`);
      await q.query(`
        CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE ON ${table}
        FOR EACH ROW EXECUTE FUNCTION append_only_refuse_change()`);
      await q.query(`
        CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table}
        FOR EACH STATEMENT EXECUTE FUNCTION append_only_refuse_change()`);
    }
    await q.query(`REVOKE CREATE ON SCHEMA public FROM PUBLIC`);
    await q.query(`REVOKE CREATE ON SCHEMA public FROM quotaflow_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['approval_decisions', 'acceptances']) {
      await q.query(`DROP TRIGGER ${table}_no_truncate ON ${table}`);
      await q.query(`DROP TRIGGER ${table}_append_only ON ${table}`);
      await q.query(`GRANT UPDATE, DELETE ON ${table} TO quotaflow_app`);
    }
    await q.query(`DROP FUNCTION append_only_refuse_change()`);
    await q.query(`DROP TRIGGER audit_events_next_id ON audit_events`);
    await q.query(`DROP FUNCTION audit_events_check_insert()`);
    await q.query(`SELECT setval('audit_events_id_seq', coalesce((SELECT max(id) FROM audit_events), 0) + 1, false)`);
    await q.query(`ALTER TABLE audit_events ALTER COLUMN id SET DEFAULT nextval('audit_events_id_seq')`);
    await q.query(`GRANT USAGE, SELECT ON SEQUENCE audit_events_id_seq TO quotaflow_app`);
    // Keyed rows stay; the code before this migration reports them as broken (it has no key).
    await q.query(`ALTER TABLE audit_events DROP COLUMN hash_version`);
  }
}
