import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The application connects as the owner and switches to `quotaflow_app` (DATABASE_APP_ROLE):
 * full DML everywhere except `audit_events`, which it may only read and append to. A trigger
 * refuses UPDATE/DELETE/TRUNCATE on `audit_events` even for the owner (defense in depth).
 * The role is cluster-wide (shared by every database, e.g. cloned test databases), so `down`
 * revokes this database's grants but leaves the role itself in place.
 */
export class AppRoleAndAppendOnlyAudit1767225600001 implements MigrationInterface {
  name = 'AppRoleAndAppendOnlyAudit1767225600001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      DO $$
      BEGIN
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'quotaflow_app') THEN
          CREATE ROLE quotaflow_app NOLOGIN;
        END IF;
      EXCEPTION WHEN duplicate_object THEN NULL; -- created concurrently by another database's migration
      END $$`);
    await q.query(`
      DO $$
      BEGIN
        IF NOT pg_has_role(current_user, 'quotaflow_app', 'MEMBER') THEN
          EXECUTE format('GRANT quotaflow_app TO %I', current_user);
        END IF;
      END $$`);
    await q.query(`GRANT USAGE ON SCHEMA public TO quotaflow_app`);
    await q.query(`
      GRANT SELECT, INSERT, UPDATE, DELETE ON
        teams, people, plans, plan_versions, plan_assignments, plan_documents,
        acceptances, approval_decisions, email_outbox
      TO quotaflow_app`);
    await q.query(`GRANT SELECT, INSERT ON audit_events TO quotaflow_app`);
    await q.query(`GRANT USAGE, SELECT ON SEQUENCE audit_events_id_seq TO quotaflow_app`);
    // Tables added by later migrations get the ordinary grants; an append-only one must REVOKE.
    await q.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO quotaflow_app`);
    await q.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO quotaflow_app`);

    await q.query(`
      CREATE FUNCTION audit_events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query(`
      CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
      FOR EACH ROW EXECUTE FUNCTION audit_events_refuse_change()`);
    await q.query(`
      CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
      FOR EACH STATEMENT EXECUTE FUNCTION audit_events_refuse_change()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER audit_events_no_truncate ON audit_events`);
    await q.query(`DROP TRIGGER audit_events_append_only ON audit_events`);
    await q.query(`DROP FUNCTION audit_events_refuse_change()`);
    await q.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE USAGE, SELECT ON SEQUENCES FROM quotaflow_app`);
    await q.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM quotaflow_app`);
    await q.query(`REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM quotaflow_app`);
    await q.query(`REVOKE ALL ON ALL TABLES IN SCHEMA public FROM quotaflow_app`);
    await q.query(`REVOKE USAGE ON SCHEMA public FROM quotaflow_app`);
  }
}
