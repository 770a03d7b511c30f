import { MigrationInterface, QueryRunner } from 'typeorm';

/** Tables of docs/CONTRACTS.md "Persistence". Money is numeric(18,2); enumerations are CHECKed text. */
export class InitialSchema1767225600000 implements MigrationInterface {
  name = 'InitialSchema1767225600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE teams (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL CONSTRAINT teams_name_key UNIQUE,
        manager_id uuid,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE people (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        email text NOT NULL CONSTRAINT people_email_key UNIQUE,
        roles text[] NOT NULL DEFAULT '{}'
          CONSTRAINT people_roles_check CHECK (roles <@ ARRAY['rep','manager','finance','ops','auditor','admin']::text[]),
        team_id uuid REFERENCES teams (id) ON DELETE SET NULL,
        manager_id uuid REFERENCES people (id) ON DELETE SET NULL,
        active boolean NOT NULL DEFAULT true,
        attributes jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX people_team_id_idx ON people (team_id)`);
    await q.query(`CREATE INDEX people_manager_id_idx ON people (manager_id)`);
    // teams ↔ people reference each other: the team's manager FK is added once people exists.
    await q.query(`ALTER TABLE teams ADD CONSTRAINT teams_manager_id_fkey FOREIGN KEY (manager_id) REFERENCES people (id) ON DELETE SET NULL`);
    await q.query(`CREATE INDEX teams_manager_id_idx ON teams (manager_id)`);

    await q.query(`
      CREATE TABLE plans (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        key text NOT NULL CONSTRAINT plans_key_key UNIQUE,
        name text NOT NULL,
        created_by_id uuid NOT NULL REFERENCES people (id),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE plan_versions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        plan_id uuid NOT NULL REFERENCES plans (id),
        version integer NOT NULL CONSTRAINT plan_versions_version_check CHECK (version > 0),
        document jsonb NOT NULL,
        period_label text NOT NULL,
        effective_from date NOT NULL,
        document_hash text NOT NULL,
        created_by_id uuid NOT NULL REFERENCES people (id),
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT plan_versions_plan_id_version_key UNIQUE (plan_id, version)
      )`);
    await q.query(`
      CREATE TABLE plan_assignments (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        plan_version_id uuid NOT NULL REFERENCES plan_versions (id),
        person_id uuid NOT NULL REFERENCES people (id),
        quota numeric(18,2) CONSTRAINT plan_assignments_quota_check CHECK (quota > 0),
        status text NOT NULL CONSTRAINT plan_assignments_status_check
          CHECK (status IN ('pending_manager','pending_rep','accepted','declined','expired','superseded')),
        settings jsonb NOT NULL,
        workflow_id text NOT NULL,
        run_id text,
        published_by_id uuid NOT NULL REFERENCES people (id),
        published_at timestamptz NOT NULL,
        decided_at timestamptz,
        effective_at timestamptz,
        superseded_by_id uuid REFERENCES plan_assignments (id),
        next_deadline timestamptz,
        CONSTRAINT plan_assignments_plan_version_id_person_id_key UNIQUE (plan_version_id, person_id)
      )`);
    await q.query(`CREATE INDEX plan_assignments_person_id_idx ON plan_assignments (person_id)`);
    await q.query(`CREATE INDEX plan_assignments_status_idx ON plan_assignments (status)`);
    await q.query(`
      CREATE TABLE plan_documents (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        assignment_id uuid NOT NULL CONSTRAINT plan_documents_assignment_id_key UNIQUE REFERENCES plan_assignments (id),
        pdf bytea NOT NULL,
        sha256 text NOT NULL,
        pages integer NOT NULL CONSTRAINT plan_documents_pages_check CHECK (pages > 0),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE acceptances (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        assignment_id uuid NOT NULL CONSTRAINT acceptances_assignment_id_key UNIQUE REFERENCES plan_assignments (id),
        person_id uuid NOT NULL REFERENCES people (id),
        decision text NOT NULL CONSTRAINT acceptances_decision_check CHECK (decision IN ('accepted','declined')),
        reason text,
        decided_at timestamptz NOT NULL,
        ip text,
        user_agent text,
        document_hash text NOT NULL
      )`);
    await q.query(`CREATE INDEX acceptances_person_id_idx ON acceptances (person_id)`);
    await q.query(`
      CREATE TABLE approval_decisions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        subject text NOT NULL,
        stage text NOT NULL,
        approver_id uuid NOT NULL REFERENCES people (id),
        approver_role text NOT NULL,
        decision text NOT NULL CONSTRAINT approval_decisions_decision_check CHECK (decision IN ('approve','reject','accept','decline')),
        comment text,
        idempotency_key text NOT NULL CONSTRAINT approval_decisions_idempotency_key_key UNIQUE,
        workflow_id text NOT NULL,
        run_id text NOT NULL,
        decided_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX approval_decisions_subject_idx ON approval_decisions (subject)`);
    await q.query(`CREATE INDEX approval_decisions_approver_id_idx ON approval_decisions (approver_id)`);
    await q.query(`
      CREATE TABLE email_outbox (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        purpose text NOT NULL CONSTRAINT email_outbox_purpose_key UNIQUE,
        to_address text NOT NULL,
        subject text NOT NULL,
        text text NOT NULL,
        html text,
        attachments jsonb NOT NULL DEFAULT '[]'::jsonb,
        message_id text NOT NULL,
        status text NOT NULL DEFAULT 'pending' CONSTRAINT email_outbox_status_check CHECK (status IN ('pending','sent','failed')),
        attempts integer NOT NULL DEFAULT 0,
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        sent_at timestamptz
      )`);
    await q.query(`CREATE INDEX email_outbox_unsent_idx ON email_outbox (created_at) WHERE status <> 'sent'`);
    // Actors are not foreign keys: the audit trail must outlive any person row it mentions.
    await q.query(`
      CREATE TABLE audit_events (
        id bigserial PRIMARY KEY,
        occurred_at timestamptz NOT NULL,
        actor_id uuid,
        actor_role text,
        action text NOT NULL,
        subject text NOT NULL,
        workflow_id text,
        run_id text,
        comment text,
        before jsonb,
        after jsonb,
        data jsonb,
        dedupe_key text CONSTRAINT audit_events_dedupe_key_key UNIQUE,
        prev_hash text NOT NULL,
        hash text NOT NULL
      )`);
    await q.query(`CREATE INDEX audit_events_subject_idx ON audit_events (subject text_pattern_ops)`);
    await q.query(`CREATE INDEX audit_events_actor_id_idx ON audit_events (actor_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'audit_events',
      'email_outbox',
      'approval_decisions',
      'acceptances',
      'plan_documents',
      'plan_assignments',
      'plan_versions',
      'plans',
    ]) {
      await q.query(`DROP TABLE ${table}`);
    }
    await q.query(`ALTER TABLE teams DROP CONSTRAINT teams_manager_id_fkey`);
    await q.query(`DROP TABLE people`);
    await q.query(`DROP TABLE teams`);
  }
}
