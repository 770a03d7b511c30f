import { Column, Entity, PrimaryGeneratedColumn, Unique } from 'typeorm';

/**
 * A statement sent again on request: numbered per (period, rep) from 1; its email is the outbox row
 * `purpose` (delivery tracked there), sent by workflow `workflowId`. Written once.
 */
@Entity('statement_resends')
@Unique('statement_resends_period_id_person_id_sequence_key', ['periodId', 'personId', 'sequence'])
export class StatementResendEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid') periodId!: string;
  @Column('uuid') personId!: string;
  @Column('integer') sequence!: number;
  @Column('uuid') requestedById!: string;
  @Column('timestamptz', { default: () => 'now()' }) requestedAt!: Date;
  @Column('text', { unique: true }) purpose!: string;
  @Column('text') workflowId!: string;
}
