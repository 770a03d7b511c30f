import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Territories (a tree) own accounts; deals sit on accounts; `account_ownership` is the dated
 * history of which territory owns an account, so "who owned it on that day" is a query
 * (`account_territory_at`). `territory_changes` is the read model of the territory-change workflow.
 */
export class Territories1767225600030 implements MigrationInterface {
  name = 'Territories1767225600030';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE territories (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL CONSTRAINT territories_name_key UNIQUE,
        parent_id uuid REFERENCES territories (id),
        team_id uuid REFERENCES teams (id) ON DELETE SET NULL,
        owner_person_id uuid REFERENCES people (id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT territories_parent_check CHECK (parent_id IS NULL OR parent_id <> id)
      )`);
    await q.query(`CREATE INDEX territories_parent_id_idx ON territories (parent_id)`);
    await q.query(`
      CREATE TABLE accounts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        territory_id uuid NOT NULL REFERENCES territories (id),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX accounts_territory_id_idx ON accounts (territory_id)`);
    await q.query(`
      CREATE TABLE deals (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        account_id uuid NOT NULL REFERENCES accounts (id),
        name text NOT NULL DEFAULT '',
        amount numeric(18,2) NOT NULL CONSTRAINT deals_amount_check CHECK (amount >= 0),
        stage text NOT NULL CONSTRAINT deals_stage_check CHECK (stage IN ('won', 'open', 'lost')),
        close_date date NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX deals_account_id_close_date_idx ON deals (account_id, close_date)`);
    await q.query(`
      CREATE TABLE territory_changes (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        requester_id uuid NOT NULL REFERENCES people (id),
        from_territory_id uuid NOT NULL REFERENCES territories (id),
        to_territory_id uuid NOT NULL REFERENCES territories (id),
        account_ids uuid[] NOT NULL CONSTRAINT territory_changes_accounts_check CHECK (cardinality(account_ids) > 0),
        effective_date date NOT NULL,
        reason text NOT NULL,
        status text NOT NULL CONSTRAINT territory_changes_status_check
          CHECK (status IN ('requested', 'in_review', 'approved', 'scheduled', 'applied', 'cancelled', 'rejected')),
        impact jsonb,
        stages jsonb,
        finance_threshold numeric(18,2),
        open_quota_adjustment boolean NOT NULL DEFAULT false,
        workflow_id text NOT NULL,
        next_deadline timestamptz,
        comment text,
        created_at timestamptz NOT NULL DEFAULT now(),
        decided_at timestamptz,
        applied_at timestamptz,
        cancelled_by_id uuid REFERENCES people (id),
        cancelled_at timestamptz,
        CONSTRAINT territory_changes_territories_check CHECK (from_territory_id <> to_territory_id)
      )`);
    await q.query(`CREATE INDEX territory_changes_status_idx ON territory_changes (status)`);
    await q.query(`
      CREATE TABLE account_ownership (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        account_id uuid NOT NULL REFERENCES accounts (id),
        territory_id uuid NOT NULL REFERENCES territories (id),
        effective_from date NOT NULL,
        effective_to date,
        change_id uuid REFERENCES territory_changes (id),
        CONSTRAINT account_ownership_period_check CHECK (effective_to IS NULL OR effective_to > effective_from),
        CONSTRAINT account_ownership_account_id_effective_from_key UNIQUE (account_id, effective_from)
      )`);
    // One open-ended row per account; one row per account per change (the apply is idempotent).
    await q.query(`CREATE UNIQUE INDEX account_ownership_open_key ON account_ownership (account_id) WHERE effective_to IS NULL`);
    await q.query(`CREATE UNIQUE INDEX account_ownership_change_key ON account_ownership (account_id, change_id) WHERE change_id IS NOT NULL`);
    await q.query(`
      CREATE FUNCTION account_territory_at(p_account_id uuid, p_at date) RETURNS uuid
      LANGUAGE sql STABLE AS $$
        SELECT territory_id FROM account_ownership
        WHERE account_id = p_account_id AND effective_from <= p_at AND (effective_to IS NULL OR effective_to > p_at)
        ORDER BY effective_from DESC LIMIT 1
      $$`);
    await q.query(`
      GRANT SELECT, INSERT, UPDATE, DELETE ON territories, accounts, deals, territory_changes, account_ownership TO quotaflow_app`);
    await q.query(`GRANT EXECUTE ON FUNCTION account_territory_at(uuid, date) TO quotaflow_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION account_territory_at(uuid, date)`);
    await q.query(`DROP TABLE account_ownership`);
    await q.query(`DROP TABLE territory_changes`);
    await q.query(`DROP TABLE deals`);
    await q.query(`DROP TABLE accounts`);
    await q.query(`DROP TABLE territories`);
  }
}
