import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Statement resends on request (issue 13): one row per request, numbered per (period, rep) from 1
 * (the close's own send is number 0, outbox purpose `close:<periodId>:statement:<personId>`). Each
 * request is sent by its workflow `statement-resend:<periodId>:<personId>:<sequence>` from its own
 * outbox row (`…:resend:<sequence>`, its own Message-ID): delivery is tracked per message there.
 * Append-only for the application (no UPDATE or DELETE), as the record of who asked for what.
 */
export class StatementResends1767225600450 implements MigrationInterface {
  name = 'StatementResends1767225600450';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE statement_resends (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        period_id uuid NOT NULL REFERENCES periods (id),
        person_id uuid NOT NULL REFERENCES people (id),
        sequence integer NOT NULL CONSTRAINT statement_resends_sequence_check CHECK (sequence > 0),
        requested_by_id uuid NOT NULL REFERENCES people (id),
        requested_at timestamptz NOT NULL DEFAULT now(),
        purpose text NOT NULL CONSTRAINT statement_resends_purpose_key UNIQUE,
        workflow_id text NOT NULL,
        CONSTRAINT statement_resends_period_id_person_id_sequence_key UNIQUE (period_id, person_id, sequence)
      )`);
    await q.query(`GRANT SELECT, INSERT ON statement_resends TO quotaflow_app`);
    await q.query(`REVOKE UPDATE, DELETE, TRUNCATE ON statement_resends FROM quotaflow_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE statement_resends`);
  }
}
