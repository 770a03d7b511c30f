import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The monthly commission close (issue 13): periods (`open → closing → closed`), the frozen input
 * snapshot of each close run, payouts per rep and calculation version, and the rendered statements.
 *
 * Immutability is the database's: once a period is `closed` its row, its snapshots, payouts and
 * statements refuse UPDATE and DELETE (triggers, for every role, the owner included). Snapshots,
 * payouts and statements are written once and never changed in any state: the application role
 * has no UPDATE or DELETE on them at all (a new calculation version is new rows).
 */
export class CommissionClose1767225600300 implements MigrationInterface {
  name = 'CommissionClose1767225600300';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE periods (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        key text NOT NULL CONSTRAINT periods_key_key UNIQUE CONSTRAINT periods_key_check CHECK (key ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
        kind text NOT NULL DEFAULT 'month' CONSTRAINT periods_kind_check CHECK (kind IN ('month')),
        start_date date NOT NULL,
        end_date date NOT NULL,
        status text NOT NULL DEFAULT 'open' CONSTRAINT periods_status_check CHECK (status IN ('open','closing','closed')),
        workflow_id text,
        current_version integer NOT NULL DEFAULT 0 CONSTRAINT periods_current_version_check CHECK (current_version >= 0),
        created_by_id uuid NOT NULL REFERENCES people (id),
        created_at timestamptz NOT NULL DEFAULT now(),
        closed_at timestamptz,
        CONSTRAINT periods_dates_check CHECK (end_date >= start_date),
        CONSTRAINT periods_closed_at_check CHECK ((status = 'closed') = (closed_at IS NOT NULL))
      )`);
    await q.query(`CREATE INDEX periods_start_date_idx ON periods (start_date)`);

    await q.query(`
      CREATE TABLE close_snapshots (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        period_id uuid NOT NULL REFERENCES periods (id),
        run_id text NOT NULL,
        frozen_at timestamptz NOT NULL,
        content jsonb NOT NULL,
        content_hash text NOT NULL,
        exceptions jsonb NOT NULL DEFAULT '[]'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT close_snapshots_period_id_run_id_key UNIQUE (period_id, run_id)
      )`);
    await q.query(`
      CREATE TABLE payouts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        period_id uuid NOT NULL REFERENCES periods (id),
        person_id uuid NOT NULL REFERENCES people (id),
        calculation_version integer NOT NULL CONSTRAINT payouts_calculation_version_check CHECK (calculation_version > 0),
        snapshot_id uuid NOT NULL REFERENCES close_snapshots (id),
        plan_version_id uuid NOT NULL REFERENCES plan_versions (id),
        team_id uuid,
        currency text NOT NULL CONSTRAINT payouts_currency_check CHECK (currency ~ '^[A-Z]{3}$'),
        earnings numeric(18,2) NOT NULL,
        adjustments numeric(18,2) NOT NULL,
        draw numeric(18,2) NOT NULL,
        recovery numeric(18,2) NOT NULL,
        payout numeric(18,2) NOT NULL,
        result jsonb NOT NULL,
        state jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT payouts_period_id_person_id_calculation_version_key UNIQUE (period_id, person_id, calculation_version)
      )`);
    await q.query(`CREATE INDEX payouts_person_id_idx ON payouts (person_id)`);
    await q.query(`
      CREATE TABLE statements (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        period_id uuid NOT NULL REFERENCES periods (id),
        person_id uuid NOT NULL REFERENCES people (id),
        payout_id uuid NOT NULL REFERENCES payouts (id),
        calculation_version integer NOT NULL,
        pdf bytea NOT NULL,
        sha256 text NOT NULL,
        pages integer NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT statements_period_id_person_id_key UNIQUE (period_id, person_id)
      )`);
    await q.query(`CREATE INDEX statements_person_id_idx ON statements (person_id)`);

    // A closed period: nothing of it changes, whoever asks.
    await q.query(`
      CREATE FUNCTION periods_refuse_change_when_closed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF OLD.status = 'closed' THEN
          RAISE EXCEPTION 'period % is closed: % refused', OLD.key, TG_OP USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
      END $$`);
    await q.query(`CREATE TRIGGER periods_closed_immutable BEFORE UPDATE OR DELETE ON periods FOR EACH ROW EXECUTE FUNCTION periods_refuse_change_when_closed()`);
    await q.query(`
      CREATE FUNCTION close_rows_refuse_change_when_closed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF EXISTS (SELECT 1 FROM periods p WHERE p.id = OLD.period_id AND p.status = 'closed') THEN
          RAISE EXCEPTION '% of a closed period: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
      END $$`);
    for (const table of ['close_snapshots', 'payouts', 'statements']) {
      await q.query(`CREATE TRIGGER ${table}_closed_immutable BEFORE UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION close_rows_refuse_change_when_closed()`);
      await q.query(`CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION audit_events_refuse_change()`);
      // Written once: the application never rewrites a snapshot, a payout or a statement.
      await q.query(`REVOKE UPDATE, DELETE, TRUNCATE ON ${table} FROM quotaflow_app`);
    }
    await q.query(`REVOKE DELETE, TRUNCATE ON periods FROM quotaflow_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['statements', 'payouts', 'close_snapshots']) {
      await q.query(`DROP TRIGGER ${table}_no_truncate ON ${table}`);
      await q.query(`DROP TRIGGER ${table}_closed_immutable ON ${table}`);
    }
    await q.query(`DROP TRIGGER periods_closed_immutable ON periods`);
    await q.query(`DROP FUNCTION close_rows_refuse_change_when_closed()`);
    await q.query(`DROP FUNCTION periods_refuse_change_when_closed()`);
    await q.query(`DROP TABLE statements`);
    await q.query(`DROP TABLE payouts`);
    await q.query(`DROP TABLE close_snapshots`);
    await q.query(`DROP TABLE periods`);
  }
}
