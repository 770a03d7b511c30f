import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, Unique } from 'typeorm';

export const APPROVAL_TASK_STATUSES = ['open', 'done', 'cancelled'] as const;
export type ApprovalTaskStatus = (typeof APPROVAL_TASK_STATUSES)[number];

/**
 * The approval inbox read model: one row per approver per opened stage, written by the
 * workflows' activities. The workflow stays the source of truth; this answers "what waits for me?".
 */
@Entity('approval_tasks')
@Unique('approval_tasks_round_stage_visit_approver_key', ['workflowId', 'round', 'stageId', 'visit', 'approverId'])
@Index('approval_tasks_open_by_approver', ['approverId', 'status'])
export class ApprovalTaskEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('text') subject!: string;
  @Column('text') subjectType!: string;
  @Column('text') workflowId!: string;
  @Column('text') stageId!: string;
  @Column('text') stageLabel!: string;
  /** A resubmission (a quota set revised after a return) is a new round. */
  @Column('int', { default: 1 }) round!: number;
  @Column('int', { nullable: true }) step!: number | null;
  @Column('int') visit!: number;
  @Column('uuid') approverId!: string;
  @Column('text') status!: ApprovalTaskStatus;
  @Column('timestamptz', { nullable: true }) deadline!: Date | null;
  @Column('text') summary!: string;
  @Column('text', { nullable: true }) decision!: string | null;
  @Column('uuid', { nullable: true }) decidedById!: string | null;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
  @Column('timestamptz', { nullable: true }) closedAt!: Date | null;
}
