import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { PlanAssignmentSettings } from './plan-assignment.entity';

export const PUBLISH_STATUSES = ['waiting', 'running', 'done', 'failed'] as const;
export type PublishStatus = (typeof PUBLISH_STATUSES)[number];

/** One publish of a plan version to reps: the workflow `publish:<id>` starts their acceptances in batches. */
@Entity('publishes')
export class PublishEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid') planVersionId!: string;
  @Column('uuid') requestedById!: string;
  @Column('jsonb') settings!: PlanAssignmentSettings;
  @Column('int') targetCount!: number;
  /** Assignments this publish created (a rep already holding this version keeps theirs). */
  @Column('int') createdCount!: number;
  @Column('int', { default: 0 }) startedCount!: number;
  /** `waiting`: Temporal could not be reached yet; the API starts it as soon as it can. */
  @Column('text') status!: PublishStatus;
  @Column('text') workflowId!: string;
  @Column('text', { nullable: true }) lastError!: string | null;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
  @Column('timestamptz', { nullable: true }) finishedAt!: Date | null;
}
