import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const QUOTA_SET_STATUSES = ['draft', 'in_review', 'returned', 'locked', 'superseded', 'failed'] as const;
export type QuotaSetStatus = (typeof QUOTA_SET_STATUSES)[number];

/**
 * A quota set for one period. `currentVersion` is the newest version (possibly under review);
 * `effectiveVersion` the locked one in force (kept while a mid-period change is reviewed).
 */
@Entity('quota_sets')
export class QuotaSetEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  /** e.g. "2026-Q1" or "2026-01": the engine's period id. */
  @Column('text') periodId!: string;
  @Column('date') periodStart!: string;
  @Column('date') periodEnd!: string;
  /** Exact decimal string (numeric(18,2)). */
  @Column('numeric', { precision: 18, scale: 2 }) companyTarget!: string;
  /** A rep's quota moving more than this percent from last period is flagged for finance. */
  @Column('numeric', { precision: 9, scale: 2, default: 20 }) changePercentFlag!: string;
  @Column('text') status!: QuotaSetStatus;
  @Column('int', { default: 1 }) currentVersion!: number;
  @Column('int', { nullable: true }) effectiveVersion!: number | null;
  @Column('text', { nullable: true }) workflowId!: string | null;
  @Column('uuid') createdById!: string;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
  @Column('timestamptz', { nullable: true }) lockedAt!: Date | null;
  /** Locked although some rep did not acknowledge by the deadline. */
  @Column('boolean', { default: false }) flagged!: boolean;
}
