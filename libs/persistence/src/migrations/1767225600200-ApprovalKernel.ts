import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The approval kernel (generation 2 of the workflows):
 * - inbox tasks and decisions know their round, step and visit (a quota set's resubmission is a
 *   new round; a step back reopens a step on a new visit), so tasks stay unique per round and
 *   separation of duties can be checked across steps from the records;
 * - `approval_route_stages` keeps the routed stages of steps too large for one workflow history;
 *   step child workflows load their slice from it;
 * - `request-adjustment` is a decision; `failed` a state of every approval subject (a permanent
 *   error, reported to ops), with the reason in `workflow_failures`.
 */
export class ApprovalKernel1767225600200 implements MigrationInterface {
  name = 'ApprovalKernel1767225600200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE approval_tasks ADD COLUMN round int NOT NULL DEFAULT 1 CHECK (round >= 1), ADD COLUMN step int`);
    await q.query(`ALTER TABLE approval_tasks DROP CONSTRAINT approval_tasks_stage_visit_approver_key`);
    await q.query(`ALTER TABLE approval_tasks ADD CONSTRAINT approval_tasks_round_stage_visit_approver_key UNIQUE (workflow_id, round, stage_id, visit, approver_id)`);
    await q.query(`CREATE INDEX approval_tasks_open_by_workflow ON approval_tasks (workflow_id) WHERE status = 'open'`);

    await q.query(`ALTER TABLE approval_decisions ADD COLUMN round int, ADD COLUMN step int, ADD COLUMN visit int`);
    await q.query(`ALTER TABLE approval_decisions DROP CONSTRAINT approval_decisions_decision_check`);
    await q.query(`ALTER TABLE approval_decisions ADD CONSTRAINT approval_decisions_decision_check CHECK (decision IN ('approve','reject','accept','decline','acknowledge','request-adjustment'))`);
    await q.query(`CREATE INDEX approval_decisions_subject_round_step ON approval_decisions (subject, round, step)`);

    await q.query(`
      CREATE TABLE approval_routes (
        route_key text PRIMARY KEY,
        subject text NOT NULL,
        request jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`REVOKE UPDATE, DELETE ON approval_routes FROM quotaflow_app`);
    await q.query(`
      CREATE TABLE approval_route_stages (
        route_key text NOT NULL,
        step int NOT NULL CHECK (step >= 0),
        position int NOT NULL CHECK (position >= 0),
        stage_id text NOT NULL,
        stage jsonb NOT NULL,
        PRIMARY KEY (route_key, step, position)
      )`);
    // Stored once per route (a retried routing inserts nothing new): read and append only.
    await q.query(`REVOKE UPDATE, DELETE ON approval_route_stages FROM quotaflow_app`);

    await q.query(`
      CREATE TABLE workflow_failures (
        id bigserial PRIMARY KEY,
        subject text NOT NULL,
        workflow_id text NOT NULL,
        run_id text NOT NULL,
        code text NOT NULL,
        reason text NOT NULL,
        occurred_at timestamptz NOT NULL,
        CONSTRAINT workflow_failures_run_key UNIQUE (workflow_id, run_id)
      )`);
    await q.query(`CREATE INDEX workflow_failures_subject ON workflow_failures (subject)`);
    await q.query(`REVOKE UPDATE, DELETE ON workflow_failures FROM quotaflow_app`);
    await q.query(`GRANT USAGE, SELECT ON SEQUENCE workflow_failures_id_seq TO quotaflow_app`);

    // One row per Idempotency-Key: the request's fingerprint and, once answered, the answer.
    await q.query(`
      CREATE TABLE idempotency_requests (
        key text PRIMARY KEY,
        scope text NOT NULL,
        actor_id uuid NOT NULL,
        target text NOT NULL,
        fingerprint text NOT NULL,
        status_code int,
        response jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        completed_at timestamptz
      )`);
    await q.query(`REVOKE DELETE ON idempotency_requests FROM quotaflow_app`);

    await q.query(`ALTER TABLE plan_assignments DROP CONSTRAINT plan_assignments_status_check`);
    await q.query(`ALTER TABLE plan_assignments ADD CONSTRAINT plan_assignments_status_check CHECK (status IN ('pending_manager','pending_rep','accepted','declined','expired','superseded','failed'))`);
    // The acceptance records the fingerprint the PDF prints (the plan rules) beside the PDF's own hash.
    await q.query(`ALTER TABLE acceptances ADD COLUMN rules_fingerprint text`);
    // A plan version covers a period with an end (printed on the plan document); earlier ones: a year.
    await q.query(`ALTER TABLE plan_versions ADD COLUMN effective_to date`);
    await q.query(`UPDATE plan_versions SET effective_to = (effective_from + interval '1 year' - interval '1 day')::date WHERE effective_to IS NULL`);
    await q.query(`ALTER TABLE plan_versions ALTER COLUMN effective_to SET NOT NULL, ADD CONSTRAINT plan_versions_period_check CHECK (effective_to >= effective_from)`);
    // Inserts that name no end (older code, bulk loads) get a year.
    await q.query(`
      CREATE FUNCTION plan_versions_default_end() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        NEW.effective_to := COALESCE(NEW.effective_to, (NEW.effective_from + interval '1 year' - interval '1 day')::date);
        RETURN NEW;
      END $$`);
    await q.query(`CREATE TRIGGER plan_versions_default_end BEFORE INSERT ON plan_versions FOR EACH ROW EXECUTE FUNCTION plan_versions_default_end()`);
    await q.query(`ALTER TABLE quota_sets DROP CONSTRAINT quota_sets_status_check`);
    await q.query(`ALTER TABLE quota_sets ADD CONSTRAINT quota_sets_status_check CHECK (status IN ('draft','in_review','returned','locked','superseded','failed'))`);
    await q.query(`ALTER TABLE territory_changes DROP CONSTRAINT territory_changes_status_check`);
    await q.query(`ALTER TABLE territory_changes ADD CONSTRAINT territory_changes_status_check CHECK (status IN ('requested','in_review','approved','scheduled','applied','cancelled','rejected','failed'))`);
    // A publish of a plan version to many reps runs as a workflow (publish:<id>): its record and progress.
    await q.query(`
      CREATE TABLE publishes (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        plan_version_id uuid NOT NULL REFERENCES plan_versions (id),
        requested_by_id uuid NOT NULL REFERENCES people (id),
        settings jsonb NOT NULL,
        target_count int NOT NULL CHECK (target_count > 0),
        created_count int NOT NULL CHECK (created_count >= 0),
        started_count int NOT NULL DEFAULT 0 CHECK (started_count >= 0),
        status text NOT NULL CHECK (status IN ('waiting', 'running', 'done', 'failed')),
        workflow_id text NOT NULL,
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz
      )`);
    await q.query(`CREATE INDEX publishes_waiting ON publishes (created_at) WHERE status = 'waiting'`);
    await q.query(`ALTER TABLE plan_assignments ADD COLUMN publish_id uuid REFERENCES publishes (id)`);
    await q.query(`CREATE INDEX plan_assignments_publish_id ON plan_assignments (publish_id, id)`);

    // The accounts a change moves, with their figures: ten thousand of them stay out of one jsonb value.
    await q.query(`
      CREATE TABLE territory_change_accounts (
        change_id uuid NOT NULL REFERENCES territory_changes (id),
        account_id uuid NOT NULL REFERENCES accounts (id),
        from_territory_id uuid NOT NULL REFERENCES territories (id),
        to_territory_id uuid NOT NULL REFERENCES territories (id),
        from_owner_id uuid REFERENCES people (id),
        to_owner_id uuid REFERENCES people (id),
        trailing_revenue numeric(18,2) NOT NULL,
        open_pipeline numeric(18,2) NOT NULL,
        PRIMARY KEY (change_id, account_id)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE territory_change_accounts`);
    await q.query(`ALTER TABLE plan_assignments DROP COLUMN publish_id`);
    await q.query(`DROP TABLE publishes`);
    await q.query(`ALTER TABLE territory_changes DROP CONSTRAINT territory_changes_status_check`);
    await q.query(`ALTER TABLE territory_changes ADD CONSTRAINT territory_changes_status_check CHECK (status IN ('requested','in_review','approved','scheduled','applied','cancelled','rejected'))`);
    await q.query(`ALTER TABLE quota_sets DROP CONSTRAINT quota_sets_status_check`);
    await q.query(`ALTER TABLE quota_sets ADD CONSTRAINT quota_sets_status_check CHECK (status IN ('draft','in_review','returned','locked','superseded'))`);

    await q.query(`DROP TRIGGER plan_versions_default_end ON plan_versions`);
    await q.query(`DROP FUNCTION plan_versions_default_end()`);
    await q.query(`ALTER TABLE plan_versions DROP CONSTRAINT plan_versions_period_check, DROP COLUMN effective_to`);
    await q.query(`ALTER TABLE acceptances DROP COLUMN rules_fingerprint`);
    await q.query(`ALTER TABLE plan_assignments DROP CONSTRAINT plan_assignments_status_check`);
    await q.query(`ALTER TABLE plan_assignments ADD CONSTRAINT plan_assignments_status_check CHECK (status IN ('pending_manager','pending_rep','accepted','declined','expired','superseded'))`);
    await q.query(`DROP TABLE idempotency_requests`);
    await q.query(`DROP TABLE workflow_failures`);
    await q.query(`DROP TABLE approval_route_stages`);
    await q.query(`DROP TABLE approval_routes`);
    await q.query(`DROP INDEX approval_decisions_subject_round_step`);
    await q.query(`ALTER TABLE approval_decisions DROP CONSTRAINT approval_decisions_decision_check`);
    await q.query(`ALTER TABLE approval_decisions ADD CONSTRAINT approval_decisions_decision_check CHECK (decision IN ('approve','reject','accept','decline','acknowledge'))`);
    await q.query(`ALTER TABLE approval_decisions DROP COLUMN visit, DROP COLUMN step, DROP COLUMN round`);
    await q.query(`DROP INDEX approval_tasks_open_by_workflow`);
    await q.query(`ALTER TABLE approval_tasks DROP CONSTRAINT approval_tasks_round_stage_visit_approver_key`);
    await q.query(`ALTER TABLE approval_tasks ADD CONSTRAINT approval_tasks_stage_visit_approver_key UNIQUE (workflow_id, stage_id, visit, approver_id)`);
    await q.query(`ALTER TABLE approval_tasks DROP COLUMN step, DROP COLUMN round`);
  }
}
