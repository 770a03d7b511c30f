import { Column, Entity, PrimaryGeneratedColumn, Unique } from 'typeorm';

export const PLAN_ASSIGNMENT_STATUSES = ['pending_manager', 'pending_rep', 'accepted', 'declined', 'expired', 'superseded', 'failed'] as const;
export type PlanAssignmentStatus = (typeof PLAN_ASSIGNMENT_STATUSES)[number];

export interface PlanAssignmentSettings {
  managerPreApproval: boolean;
  reminderEveryDays: number;
  escalateAfterDays: number;
  expireAfterDays: number;
}

@Entity('plan_assignments')
@Unique('plan_assignments_plan_version_id_person_id_key', ['planVersionId', 'personId'])
export class PlanAssignmentEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid') planVersionId!: string;
  @Column('uuid') personId!: string;
  /** Exact decimal string (numeric(18,2)). */
  @Column('numeric', { precision: 18, scale: 2, nullable: true }) quota!: string | null;
  @Column('text') status!: PlanAssignmentStatus;
  @Column('jsonb') settings!: PlanAssignmentSettings;
  @Column('text') workflowId!: string;
  @Column('text', { nullable: true }) runId!: string | null;
  @Column('uuid') publishedById!: string;
  @Column('timestamptz') publishedAt!: Date;
  @Column('timestamptz', { nullable: true }) decidedAt!: Date | null;
  @Column('timestamptz', { nullable: true }) effectiveAt!: Date | null;
  @Column('uuid', { nullable: true }) supersededById!: string | null;
  @Column('timestamptz', { nullable: true }) nextDeadline!: Date | null;
  /** The publish that created it (null for assignments made before publishes were recorded). */
  @Column('uuid', { nullable: true }) publishId!: string | null;
  /** When its invite (the plan PDF) was sent; null until then. */
  @Column('timestamptz', { nullable: true }) invitedAt!: Date | null;
}
