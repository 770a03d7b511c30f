import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The review part of the monthly close (issue 13, items 4-5):
 * - `payouts.held` (a manager's hold: the payout is not paid in this close, it is carried) and
 *   `payouts.copied_from_version` (an unaffected rep's payout copied into the next version, not
 *   recalculated);
 * - `close_changes`: each adjustment and hold a manager asked for, on the version they reviewed,
 *   effective from the next one; append-only;
 * - `close_negative_acks`: finance's acknowledgement of each negative payout of a version; append-only;
 * - `close_carries`: a held payout carried out of a closed period, released once into the period
 *   whose close picks it up (the only change the application may make to it).
 * Rows of a closed period refuse UPDATE and DELETE like the rest of the close.
 */
export class CloseReview1767225600400 implements MigrationInterface {
  name = 'CloseReview1767225600400';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE payouts ADD COLUMN held boolean NOT NULL DEFAULT false, ADD COLUMN copied_from_version integer`);
    await q.query(`
      CREATE TABLE close_changes (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        period_id uuid NOT NULL REFERENCES periods (id),
        workflow_id text NOT NULL,
        run_id text NOT NULL,
        requested_on_version integer NOT NULL CONSTRAINT close_changes_requested_on_version_check CHECK (requested_on_version > 0),
        effective_version integer NOT NULL,
        kind text NOT NULL CONSTRAINT close_changes_kind_check CHECK (kind IN ('adjustment','hold')),
        person_id uuid NOT NULL REFERENCES people (id),
        team_id uuid,
        amount numeric(18,2),
        reason text NOT NULL,
        requested_by_id uuid NOT NULL REFERENCES people (id),
        stage_id text NOT NULL,
        round integer NOT NULL,
        requested_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT close_changes_effective_version_check CHECK (effective_version = requested_on_version + 1),
        CONSTRAINT close_changes_amount_check CHECK ((kind = 'adjustment') = (amount IS NOT NULL)),
        CONSTRAINT close_changes_period_id_requested_on_version_person_id_key UNIQUE (period_id, requested_on_version, person_id)
      )`);
    await q.query(`
      CREATE TABLE close_negative_acks (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        period_id uuid NOT NULL REFERENCES periods (id),
        calculation_version integer NOT NULL,
        person_id uuid NOT NULL REFERENCES people (id),
        payout numeric(18,2) NOT NULL CONSTRAINT close_negative_acks_payout_check CHECK (payout < 0),
        acknowledged_by_id uuid NOT NULL REFERENCES people (id),
        comment text,
        acknowledged_at timestamptz NOT NULL,
        workflow_id text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT close_negative_acks_period_id_calculation_version_person_id_key UNIQUE (period_id, calculation_version, person_id)
      )`);
    await q.query(`
      CREATE TABLE close_carries (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        from_period_id uuid NOT NULL REFERENCES periods (id),
        calculation_version integer NOT NULL,
        person_id uuid NOT NULL REFERENCES people (id),
        amount numeric(18,2) NOT NULL,
        reason text NOT NULL,
        released_in_period_id uuid REFERENCES periods (id),
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT close_carries_from_period_id_person_id_key UNIQUE (from_period_id, person_id)
      )`);
    await q.query(`CREATE INDEX close_carries_pending_idx ON close_carries (person_id) WHERE released_in_period_id IS NULL`);
    for (const table of ['close_changes', 'close_negative_acks']) {
      await q.query(`CREATE TRIGGER ${table}_closed_immutable BEFORE UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION close_rows_refuse_change_when_closed()`);
      await q.query(`CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION audit_events_refuse_change()`);
      await q.query(`REVOKE UPDATE, DELETE, TRUNCATE ON ${table} FROM quotaflow_app`);
    }
    // A carry is released once, into one period; nothing else of it ever changes.
    await q.query(`
      CREATE FUNCTION close_carries_release_once() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' OR OLD.released_in_period_id IS NOT NULL OR NEW.released_in_period_id IS NULL
           OR (NEW.from_period_id, NEW.calculation_version, NEW.person_id, NEW.amount, NEW.reason) IS DISTINCT FROM (OLD.from_period_id, OLD.calculation_version, OLD.person_id, OLD.amount, OLD.reason) THEN
          RAISE EXCEPTION 'close_carries: a carry is released once and never changed (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(`CREATE TRIGGER close_carries_release_once BEFORE UPDATE OR DELETE ON close_carries FOR EACH ROW EXECUTE FUNCTION close_carries_release_once()`);
    await q.query(`CREATE TRIGGER close_carries_no_truncate BEFORE TRUNCATE ON close_carries FOR EACH STATEMENT EXECUTE FUNCTION audit_events_refuse_change()`);
    await q.query(`REVOKE UPDATE, DELETE, TRUNCATE ON close_carries FROM quotaflow_app`);
    await q.query(`GRANT UPDATE (released_in_period_id) ON close_carries TO quotaflow_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER close_carries_no_truncate ON close_carries`);
    await q.query(`DROP TRIGGER close_carries_release_once ON close_carries`);
    await q.query(`DROP FUNCTION close_carries_release_once()`);
    for (const table of ['close_negative_acks', 'close_changes']) {
      await q.query(`DROP TRIGGER ${table}_no_truncate ON ${table}`);
      await q.query(`DROP TRIGGER ${table}_closed_immutable ON ${table}`);
    }
    await q.query(`DROP TABLE close_carries`);
    await q.query(`DROP TABLE close_negative_acks`);
    await q.query(`DROP TABLE close_changes`);
    await q.query(`ALTER TABLE payouts DROP COLUMN copied_from_version, DROP COLUMN held`);
  }
}
