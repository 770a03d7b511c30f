import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type ApprovalDecisionValue = 'approve' | 'reject' | 'accept' | 'decline' | 'acknowledge';

@Entity('approval_decisions')
export class ApprovalDecisionEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  /** e.g. `plan-assignment:<id>`. */
  @Column('text') subject!: string;
  @Column('text') stage!: string;
  @Column('uuid') approverId!: string;
  @Column('text') approverRole!: string;
  @Column('text') decision!: ApprovalDecisionValue;
  @Column('text', { nullable: true }) comment!: string | null;
  @Column('text', { unique: true }) idempotencyKey!: string;
  @Column('text') workflowId!: string;
  @Column('text') runId!: string;
  @Column('timestamptz') decidedAt!: Date;
}
