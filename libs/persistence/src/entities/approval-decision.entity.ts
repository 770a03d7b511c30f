import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type ApprovalDecisionValue = 'approve' | 'reject' | 'accept' | 'decline' | 'acknowledge' | 'request-adjustment';

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
  /** Where in the request (null for decisions recorded before the approval kernel). */
  @Column('int', { nullable: true }) round!: number | null;
  @Column('int', { nullable: true }) step!: number | null;
  @Column('int', { nullable: true }) visit!: number | null;
}
