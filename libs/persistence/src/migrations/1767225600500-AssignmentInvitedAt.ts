import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When a plan assignment's invite was sent, on the assignment itself: written in the statement
 * that marks the outbox row sent, so a publish's progress counts its invites from its own
 * assignments (one index range) instead of looking each one up in the outbox on every poll.
 * Earlier invites are filled in from the outbox.
 */
export class AssignmentInvitedAt1767225600500 implements MigrationInterface {
  name = 'AssignmentInvitedAt1767225600500';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE plan_assignments ADD COLUMN invited_at timestamptz`);
    await q.query(`
      UPDATE plan_assignments a SET invited_at = o.sent_at
      FROM email_outbox o
      WHERE o.purpose = 'plan-acceptance:' || a.id || ':invite' AND o.status = 'sent'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE plan_assignments DROP COLUMN invited_at`);
  }
}
