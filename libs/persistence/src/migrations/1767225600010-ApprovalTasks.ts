import { MigrationInterface, QueryRunner } from 'typeorm';

/** The approval inbox: open tasks per approver, across every workflow. */
export class ApprovalTasks1767225600010 implements MigrationInterface {
  name = 'ApprovalTasks1767225600010';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE approval_tasks (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        subject text NOT NULL,
        subject_type text NOT NULL,
        workflow_id text NOT NULL,
        stage_id text NOT NULL,
        stage_label text NOT NULL,
        visit int NOT NULL CHECK (visit >= 0),
        approver_id uuid NOT NULL REFERENCES people(id),
        status text NOT NULL CHECK (status IN ('open', 'done', 'cancelled')),
        deadline timestamptz,
        summary text NOT NULL,
        decision text,
        decided_by_id uuid REFERENCES people(id),
        created_at timestamptz NOT NULL DEFAULT now(),
        closed_at timestamptz,
        CONSTRAINT approval_tasks_stage_visit_approver_key UNIQUE (workflow_id, stage_id, visit, approver_id)
      )`);
    await q.query(`CREATE INDEX approval_tasks_open_by_approver ON approval_tasks (approver_id, status)`);
    await q.query(`CREATE INDEX approval_tasks_subject ON approval_tasks (subject)`);
    await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON approval_tasks TO quotaflow_app`);
    // Reps acknowledge (quota sign-off): a decision value of its own.
    await q.query(`ALTER TABLE approval_decisions DROP CONSTRAINT approval_decisions_decision_check`);
    await q.query(`ALTER TABLE approval_decisions ADD CONSTRAINT approval_decisions_decision_check CHECK (decision IN ('approve','reject','accept','decline','acknowledge'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE approval_decisions DROP CONSTRAINT approval_decisions_decision_check`);
    await q.query(`ALTER TABLE approval_decisions ADD CONSTRAINT approval_decisions_decision_check CHECK (decision IN ('approve','reject','accept','decline'))`);
    await q.query(`DROP TABLE approval_tasks`);
  }
}
