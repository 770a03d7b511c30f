import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Onboarding from real data (issue 12): products, a currency on each deal, natural keys on
 * people / accounts / deals, CRM deal fields, the append-only revision history of every deal, and
 * the import records with their reports and profiles.
 *
 * Deals keep `amount` and `close_date` NOT NULL (the territory impact reads them as given): an open
 * deal the CRM gave neither is stored with 0.00 / its created (else import) day and flagged
 * `amount_missing` / `close_date_missing`; its revisions hold the truthful NULLs.
 *
 * Every change of a deal row, by any writer, is a revision (triggers): INSERT → revision 1, an UPDATE
 * that changes a business column → revision + 1. `deal_revisions.recorded_at` is the wall-clock time
 * of the write, which the monthly close compares with its freeze time (docs/CONTRACTS.md "Imports").
 */
export class Imports1767225600100 implements MigrationInterface {
  name = 'Imports1767225600100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE products (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        code text NOT NULL CONSTRAINT products_code_key UNIQUE,
        name text NOT NULL,
        family text,
        list_price numeric(18,2) CONSTRAINT products_list_price_check CHECK (list_price >= 0),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);

    await q.query(`ALTER TABLE teams ADD COLUMN parent_team_id uuid REFERENCES teams (id) ON DELETE SET NULL`);
    await q.query(`ALTER TABLE teams ADD CONSTRAINT teams_parent_check CHECK (parent_team_id IS NULL OR parent_team_id <> id)`);
    await q.query(`ALTER TABLE people ADD COLUMN employee_id text CONSTRAINT people_employee_id_key UNIQUE`);
    await q.query(`ALTER TABLE people ADD COLUMN start_date date`);
    await q.query(`ALTER TABLE people ADD COLUMN end_date date`);
    await q.query(`ALTER TABLE people ADD CONSTRAINT people_dates_check CHECK (end_date IS NULL OR start_date IS NULL OR end_date >= start_date)`);
    await q.query(`ALTER TABLE accounts ADD COLUMN external_id text CONSTRAINT accounts_external_id_key UNIQUE`);
    await q.query(`ALTER TABLE accounts ADD COLUMN industry text`);
    await q.query(`ALTER TABLE accounts ADD COLUMN attributes jsonb NOT NULL DEFAULT '{}'::jsonb`);
    await q.query(`CREATE INDEX accounts_name_idx ON accounts (name)`);

    await q.query(`
      ALTER TABLE deals
        ADD COLUMN external_id text CONSTRAINT deals_external_id_key UNIQUE,
        ADD COLUMN owner_person_id uuid,
        ADD COLUMN product_id uuid,
        ADD COLUMN type text NOT NULL DEFAULT 'new',
        ADD COLUMN created_date date,
        ADD COLUMN currency text CONSTRAINT deals_currency_check CHECK (currency ~ '^[A-Z]{3}$'),
        ADD COLUMN credits jsonb,
        ADD COLUMN reverses_deal_id uuid REFERENCES deals (id),
        ADD COLUMN amount_missing boolean NOT NULL DEFAULT false,
        ADD COLUMN close_date_missing boolean NOT NULL DEFAULT false,
        ADD COLUMN revision integer NOT NULL DEFAULT 1,
        ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now(),
        ADD COLUMN import_id uuid`);
    // A cancellation (reverses another deal) carries the amount it takes back as a negative amount.
    await q.query(`ALTER TABLE deals DROP CONSTRAINT deals_amount_check`);
    await q.query(`ALTER TABLE deals ADD CONSTRAINT deals_amount_check CHECK ((reverses_deal_id IS NULL AND amount >= 0) OR (reverses_deal_id IS NOT NULL AND amount <= 0))`);
    await q.query(`ALTER TABLE deals ADD CONSTRAINT deals_missing_check CHECK ((stage = 'open' OR NOT close_date_missing) AND (stage <> 'won' OR NOT amount_missing))`);
    await q.query(`ALTER TABLE deals ADD CONSTRAINT deals_reverses_check CHECK (reverses_deal_id IS NULL OR reverses_deal_id <> id)`);
    await q.query(`CREATE INDEX deals_reverses_deal_id_idx ON deals (reverses_deal_id) WHERE reverses_deal_id IS NOT NULL`);
    // The deal's owner and product are checked by the importer, which holds KEY SHARE locks on the
    // people and products it resolved against; a per-row foreign key check would more than double
    // the cost of writing a large import. The other half of a foreign key stays: a person or
    // product that a deal names cannot be deleted.
    await q.query(`
      CREATE FUNCTION deals_refuse_orphans() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_TABLE_NAME = 'people' AND EXISTS (SELECT 1 FROM deals WHERE owner_person_id = OLD.id) THEN
          RAISE EXCEPTION 'person % owns deals and cannot be deleted (deactivate them)', OLD.id USING ERRCODE = 'foreign_key_violation';
        END IF;
        IF TG_TABLE_NAME = 'products' AND EXISTS (SELECT 1 FROM deals WHERE product_id = OLD.id) THEN
          RAISE EXCEPTION 'product % is on deals and cannot be deleted', OLD.id USING ERRCODE = 'foreign_key_violation';
        END IF;
        RETURN OLD;
      END $$`);
    await q.query(`CREATE TRIGGER people_deals_guard BEFORE DELETE ON people FOR EACH ROW EXECUTE FUNCTION deals_refuse_orphans()`);
    await q.query(`CREATE TRIGGER products_deals_guard BEFORE DELETE ON products FOR EACH ROW EXECUTE FUNCTION deals_refuse_orphans()`);

    await q.query(`
      CREATE TABLE deal_revisions (
        id bigserial PRIMARY KEY,
        -- No foreign key: the history outlives the row it describes (as the audit trail does), and
        -- a per-row check would double the cost of writing a large import.
        deal_id uuid NOT NULL,
        revision integer NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        import_id uuid,
        external_id text,
        account_id uuid NOT NULL,
        owner_person_id uuid,
        product_id uuid,
        name text NOT NULL,
        type text NOT NULL,
        stage text NOT NULL,
        created_date date,
        close_date date,
        amount numeric(18,2),
        currency text,
        credits jsonb,
        reverses_deal_id uuid,
        previous_stage text,
        previous_close_date date,
        previous_amount numeric(18,2),
        CONSTRAINT deal_revisions_deal_id_revision_key UNIQUE (deal_id, revision)
      )`);
    await q.query(`CREATE INDEX deal_revisions_recorded_at_idx ON deal_revisions (recorded_at)`);
    await q.query(`
      CREATE FUNCTION deal_revisions_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'deal_revisions is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query(`CREATE TRIGGER deal_revisions_append_only BEFORE UPDATE OR DELETE ON deal_revisions FOR EACH ROW EXECUTE FUNCTION deal_revisions_refuse_change()`);
    await q.query(`CREATE TRIGGER deal_revisions_no_truncate BEFORE TRUNCATE ON deal_revisions FOR EACH STATEMENT EXECUTE FUNCTION deal_revisions_refuse_change()`);

    // A change of any business column is a new revision; rewriting the same values is none.
    await q.query(`
      CREATE FUNCTION deals_next_revision() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF (NEW.external_id, NEW.account_id, NEW.owner_person_id, NEW.product_id, NEW.name, NEW.type, NEW.stage, NEW.created_date,
            NEW.close_date, NEW.close_date_missing, NEW.amount, NEW.amount_missing, NEW.currency, NEW.credits, NEW.reverses_deal_id)
           IS DISTINCT FROM
           (OLD.external_id, OLD.account_id, OLD.owner_person_id, OLD.product_id, OLD.name, OLD.type, OLD.stage, OLD.created_date,
            OLD.close_date, OLD.close_date_missing, OLD.amount, OLD.amount_missing, OLD.currency, OLD.credits, OLD.reverses_deal_id) THEN
          NEW.revision := OLD.revision + 1;
          NEW.updated_at := now();
        ELSE
          NEW.revision := OLD.revision;
          NEW.updated_at := OLD.updated_at;
          NEW.import_id := OLD.import_id;
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(`CREATE TRIGGER deals_revision BEFORE UPDATE ON deals FOR EACH ROW EXECUTE FUNCTION deals_next_revision()`);
    const columns = `deal_id, revision, import_id, external_id, account_id, owner_person_id, product_id, name, type, stage, created_date, close_date, amount, currency, credits, reverses_deal_id`;
    const values = (n: string) => `${n}.id, ${n}.revision, ${n}.import_id, ${n}.external_id, ${n}.account_id, ${n}.owner_person_id, ${n}.product_id, ${n}.name, ${n}.type, ${n}.stage, ${n}.created_date,
      CASE WHEN ${n}.close_date_missing THEN NULL ELSE ${n}.close_date END, CASE WHEN ${n}.amount_missing THEN NULL ELSE ${n}.amount END,
      ${n}.currency, ${n}.credits, ${n}.reverses_deal_id`;
    await q.query(`
      CREATE FUNCTION deals_record_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO deal_revisions (${columns}) SELECT ${values('n')} FROM new_rows n;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE FUNCTION deals_record_updated() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO deal_revisions (${columns}, previous_stage, previous_close_date, previous_amount)
        SELECT ${values('n')}, o.stage, CASE WHEN o.close_date_missing THEN NULL ELSE o.close_date END, CASE WHEN o.amount_missing THEN NULL ELSE o.amount END
        FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE n.revision > o.revision;
        RETURN NULL;
      END $$`);
    await q.query(`CREATE TRIGGER deals_revisions_on_insert AFTER INSERT ON deals REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION deals_record_inserted()`);
    await q.query(`CREATE TRIGGER deals_revisions_on_update AFTER UPDATE ON deals REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION deals_record_updated()`);
    // Deals that exist already get their first revision.
    await q.query(`INSERT INTO deal_revisions (${columns}) SELECT ${values('d')} FROM deals d`);

    // The close's hook: revisions written after `p_since` (its freeze time) that touch a won deal
    // dated in [p_from, p_to] before or after the change — prior-period adjustments.
    await q.query(`
      CREATE FUNCTION deal_revisions_touching(p_from date, p_to date, p_since timestamptz) RETURNS SETOF deal_revisions
      LANGUAGE sql STABLE AS $$
        SELECT * FROM deal_revisions r
        WHERE r.recorded_at > p_since
          AND ((r.stage = 'won' AND r.close_date BETWEEN p_from AND p_to)
               OR (r.previous_stage = 'won' AND r.previous_close_date BETWEEN p_from AND p_to))
        ORDER BY r.recorded_at, r.id
      $$`);

    await q.query(`
      CREATE TABLE imports (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        kind text NOT NULL CONSTRAINT imports_kind_check CHECK (kind IN ('teams','people','territories','accounts','products','deals')),
        status text NOT NULL CONSTRAINT imports_status_check CHECK (status IN ('queued','running','completed','rejected','failed')),
        skip_bad_rows boolean NOT NULL DEFAULT false,
        deactivate_missing boolean NOT NULL DEFAULT false,
        background boolean NOT NULL DEFAULT false,
        profile_key text NOT NULL,
        profile jsonb NOT NULL,
        options jsonb NOT NULL DEFAULT '{}'::jsonb,
        file_name text,
        file_hash text,
        file_bytes bigint,
        requested_by_id uuid REFERENCES people (id) ON DELETE SET NULL,
        requested_via text NOT NULL DEFAULT 'api',
        workflow_id text,
        rows_read integer NOT NULL DEFAULT 0,
        rows_valid integer NOT NULL DEFAULT 0,
        rows_invalid integer NOT NULL DEFAULT 0,
        rows_written integer NOT NULL DEFAULT 0,
        created_count integer NOT NULL DEFAULT 0,
        updated_count integer NOT NULL DEFAULT 0,
        unchanged_count integer NOT NULL DEFAULT 0,
        deactivated_count integer NOT NULL DEFAULT 0,
        skipped_count integer NOT NULL DEFAULT 0,
        warnings_count integer NOT NULL DEFAULT 0,
        issues_count integer NOT NULL DEFAULT 0,
        ignored_columns text[] NOT NULL DEFAULT '{}',
        error jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        finished_at timestamptz,
        progress_at timestamptz
      )`);
    await q.query(`CREATE INDEX imports_created_at_idx ON imports (created_at DESC)`);
    await q.query(`
      CREATE TABLE import_issues (
        id bigserial PRIMARY KEY,
        import_id uuid NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
        line integer NOT NULL,
        column_name text,
        field text,
        value text,
        code text NOT NULL,
        message text NOT NULL,
        suggestion text,
        severity text NOT NULL CONSTRAINT import_issues_severity_check CHECK (severity IN ('error','warning','info'))
      )`);
    await q.query(`CREATE INDEX import_issues_import_id_line_idx ON import_issues (import_id, line, id)`);
    // A background import's file, kept in chunks until its workflow has read it.
    await q.query(`
      CREATE TABLE import_files (
        import_id uuid NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
        seq integer NOT NULL,
        data bytea NOT NULL,
        PRIMARY KEY (import_id, seq)
      )`);
    await q.query(`
      CREATE TABLE import_profiles (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        key text NOT NULL CONSTRAINT import_profiles_key_key UNIQUE,
        kind text NOT NULL CONSTRAINT import_profiles_kind_check CHECK (kind IN ('teams','people','territories','accounts','products','deals')),
        name text NOT NULL,
        definition jsonb NOT NULL,
        created_by_id uuid REFERENCES people (id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    // Default privileges (migration 1767225600001) grant the app role DML on new tables; the
    // revision history is append-only for it, as the audit trail is.
    await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON products, imports, import_issues, import_files, import_profiles TO quotaflow_app`);
    await q.query(`GRANT SELECT, INSERT ON deal_revisions TO quotaflow_app`);
    await q.query(`REVOKE UPDATE, DELETE, TRUNCATE ON deal_revisions FROM quotaflow_app`);
    await q.query(`GRANT USAGE, SELECT ON SEQUENCE deal_revisions_id_seq, import_issues_id_seq TO quotaflow_app`);
    await q.query(`GRANT EXECUTE ON FUNCTION deal_revisions_touching(date, date, timestamptz) TO quotaflow_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE import_profiles`);
    await q.query(`DROP TABLE import_files`);
    await q.query(`DROP TABLE import_issues`);
    await q.query(`DROP TABLE imports`);
    await q.query(`DROP FUNCTION deal_revisions_touching(date, date, timestamptz)`);
    await q.query(`DROP TRIGGER deals_revisions_on_update ON deals`);
    await q.query(`DROP TRIGGER deals_revisions_on_insert ON deals`);
    await q.query(`DROP TRIGGER deals_revision ON deals`);
    await q.query(`DROP FUNCTION deals_record_updated()`);
    await q.query(`DROP FUNCTION deals_record_inserted()`);
    await q.query(`DROP FUNCTION deals_next_revision()`);
    await q.query(`DROP TABLE deal_revisions`);
    await q.query(`DROP FUNCTION deal_revisions_refuse_change()`);
    await q.query(`DROP TRIGGER products_deals_guard ON products`);
    await q.query(`DROP TRIGGER people_deals_guard ON people`);
    await q.query(`DROP FUNCTION deals_refuse_orphans()`);
    // Rows only this migration allows (cancellations, open deals without values) cannot go back.
    await q.query(`DELETE FROM deals WHERE reverses_deal_id IS NOT NULL`);
    await q.query(`ALTER TABLE deals DROP CONSTRAINT deals_reverses_check`);
    await q.query(`ALTER TABLE deals DROP CONSTRAINT deals_missing_check`);
    await q.query(`ALTER TABLE deals DROP CONSTRAINT deals_amount_check`);
    await q.query(`ALTER TABLE deals ADD CONSTRAINT deals_amount_check CHECK (amount >= 0)`);
    await q.query(`
      ALTER TABLE deals
        DROP COLUMN import_id, DROP COLUMN updated_at, DROP COLUMN revision, DROP COLUMN close_date_missing, DROP COLUMN amount_missing,
        DROP COLUMN reverses_deal_id, DROP COLUMN credits, DROP COLUMN currency, DROP COLUMN created_date, DROP COLUMN type,
        DROP COLUMN product_id, DROP COLUMN owner_person_id, DROP COLUMN external_id`);
    await q.query(`DROP INDEX accounts_name_idx`);
    await q.query(`ALTER TABLE accounts DROP COLUMN attributes, DROP COLUMN industry, DROP COLUMN external_id`);
    await q.query(`ALTER TABLE people DROP CONSTRAINT people_dates_check`);
    await q.query(`ALTER TABLE people DROP COLUMN end_date, DROP COLUMN start_date, DROP COLUMN employee_id`);
    await q.query(`ALTER TABLE teams DROP CONSTRAINT teams_parent_check`);
    await q.query(`ALTER TABLE teams DROP COLUMN parent_team_id`);
    await q.query(`DROP TABLE products`);
  }
}
