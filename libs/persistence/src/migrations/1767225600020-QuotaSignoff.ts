import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Quota sign-off: a set per period, every revision a new version, per-rep lines per version.
 * Versions and lines are never overwritten: triggers allow only the one-way transitions the
 * workflow needs (a version gets locked, later superseded; a line gets acknowledged while its
 * version is unlocked) and refuse DELETE. At most one set per period is in force.
 */
export class QuotaSignoff1767225600020 implements MigrationInterface {
  name = 'QuotaSignoff1767225600020';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE quota_sets (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        period_id text NOT NULL CONSTRAINT quota_sets_period_id_check CHECK (period_id ~ '^[0-9]{4}(-(Q[1-4]|H[12]|[0-9]{2}))?$'),
        period_start date NOT NULL,
        period_end date NOT NULL,
        company_target numeric(18,2) NOT NULL CONSTRAINT quota_sets_company_target_check CHECK (company_target >= 0),
        change_percent_flag numeric(9,2) NOT NULL DEFAULT 20 CONSTRAINT quota_sets_change_percent_flag_check CHECK (change_percent_flag >= 0),
        status text NOT NULL CONSTRAINT quota_sets_status_check CHECK (status IN ('draft','in_review','returned','locked','superseded')),
        current_version integer NOT NULL DEFAULT 1,
        effective_version integer,
        workflow_id text,
        created_by_id uuid NOT NULL REFERENCES people (id),
        created_at timestamptz NOT NULL DEFAULT now(),
        locked_at timestamptz,
        flagged boolean NOT NULL DEFAULT false,
        CONSTRAINT quota_sets_period_check CHECK (period_end >= period_start)
      )`);
    // One set in force per period (a mid-period change is a new version of that same set).
    await q.query(`CREATE UNIQUE INDEX quota_sets_one_in_force_per_period ON quota_sets (period_id) WHERE effective_version IS NOT NULL`);
    await q.query(`CREATE INDEX quota_sets_period_id_idx ON quota_sets (period_id)`);
    await q.query(`
      CREATE TABLE quota_set_versions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        quota_set_id uuid NOT NULL REFERENCES quota_sets (id),
        version integer NOT NULL CONSTRAINT quota_set_versions_version_check CHECK (version > 0),
        reason text NOT NULL CONSTRAINT quota_set_versions_reason_check
          CHECK (reason IN ('submission','manager-adjustment','revision','mid-period-change')),
        comment text,
        company_target numeric(18,2) NOT NULL CHECK (company_target >= 0),
        team_targets jsonb NOT NULL,
        created_by_id uuid NOT NULL REFERENCES people (id),
        created_at timestamptz NOT NULL DEFAULT now(),
        locked boolean NOT NULL DEFAULT false,
        locked_at timestamptz,
        superseded_by_version integer,
        superseded_at timestamptz,
        CONSTRAINT quota_set_versions_quota_set_id_version_key UNIQUE (quota_set_id, version),
        CONSTRAINT quota_set_versions_locked_at_check CHECK (locked = (locked_at IS NOT NULL)),
        CONSTRAINT quota_set_versions_superseded_check CHECK (superseded_by_version IS NULL OR (locked AND superseded_by_version > version))
      )`);
    await q.query(`
      CREATE TABLE quota_lines (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        quota_set_version_id uuid NOT NULL REFERENCES quota_set_versions (id),
        person_id uuid NOT NULL REFERENCES people (id),
        team_id uuid NOT NULL REFERENCES teams (id),
        amount numeric(18,2) NOT NULL CONSTRAINT quota_lines_amount_check CHECK (amount >= 0),
        previous_amount numeric(18,2),
        acknowledged_at timestamptz,
        CONSTRAINT quota_lines_version_person_key UNIQUE (quota_set_version_id, person_id)
      )`);
    await q.query(`CREATE INDEX quota_lines_person_id_idx ON quota_lines (person_id)`);

    await q.query(`
      CREATE FUNCTION quota_set_versions_guard() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' THEN
          RAISE EXCEPTION 'quota_set_versions are kept: DELETE refused' USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF NEW.quota_set_id IS DISTINCT FROM OLD.quota_set_id OR NEW.version IS DISTINCT FROM OLD.version
           OR NEW.reason IS DISTINCT FROM OLD.reason OR NEW.comment IS DISTINCT FROM OLD.comment
           OR NEW.company_target IS DISTINCT FROM OLD.company_target OR NEW.team_targets IS DISTINCT FROM OLD.team_targets
           OR NEW.created_by_id IS DISTINCT FROM OLD.created_by_id OR NEW.created_at IS DISTINCT FROM OLD.created_at THEN
          RAISE EXCEPTION 'quota version % is immutable', OLD.version USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF OLD.locked AND (NOT NEW.locked OR NEW.locked_at IS DISTINCT FROM OLD.locked_at) THEN
          RAISE EXCEPTION 'locked quota version % stays locked', OLD.version USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF OLD.superseded_by_version IS NOT NULL AND (NEW.superseded_by_version IS DISTINCT FROM OLD.superseded_by_version
           OR NEW.superseded_at IS DISTINCT FROM OLD.superseded_at) THEN
          RAISE EXCEPTION 'quota version % is already superseded', OLD.version USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(`
      CREATE TRIGGER quota_set_versions_immutable BEFORE UPDATE OR DELETE ON quota_set_versions
      FOR EACH ROW EXECUTE FUNCTION quota_set_versions_guard()`);
    await q.query(`
      CREATE FUNCTION quota_lines_guard() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' THEN
          RAISE EXCEPTION 'quota_lines are kept: DELETE refused' USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF (SELECT locked FROM quota_set_versions WHERE id = OLD.quota_set_version_id) THEN
          RAISE EXCEPTION 'quota line of a locked version is immutable' USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF NEW.quota_set_version_id IS DISTINCT FROM OLD.quota_set_version_id OR NEW.person_id IS DISTINCT FROM OLD.person_id
           OR NEW.team_id IS DISTINCT FROM OLD.team_id OR NEW.amount IS DISTINCT FROM OLD.amount
           OR NEW.previous_amount IS DISTINCT FROM OLD.previous_amount
           OR (OLD.acknowledged_at IS NOT NULL AND NEW.acknowledged_at IS DISTINCT FROM OLD.acknowledged_at) THEN
          RAISE EXCEPTION 'a quota line only gets acknowledged; amounts change through a new version' USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(`
      CREATE TRIGGER quota_lines_immutable BEFORE UPDATE OR DELETE ON quota_lines
      FOR EACH ROW EXECUTE FUNCTION quota_lines_guard()`);
    // Lines are only ever added to a version that is not locked yet.
    await q.query(`
      CREATE FUNCTION quota_lines_insert_guard() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF (SELECT locked FROM quota_set_versions WHERE id = NEW.quota_set_version_id) THEN
          RAISE EXCEPTION 'quota version is locked: no new lines' USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(`
      CREATE TRIGGER quota_lines_insert_unlocked BEFORE INSERT ON quota_lines
      FOR EACH ROW EXECUTE FUNCTION quota_lines_insert_guard()`);

    await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON quota_sets, quota_set_versions, quota_lines TO quotaflow_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE quota_lines`);
    await q.query(`DROP TABLE quota_set_versions`);
    await q.query(`DROP TABLE quota_sets`);
    await q.query(`DROP FUNCTION quota_lines_insert_guard()`);
    await q.query(`DROP FUNCTION quota_lines_guard()`);
    await q.query(`DROP FUNCTION quota_set_versions_guard()`);
  }
}
