import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const TERRITORY_CHANGE_STATUSES = ['requested', 'in_review', 'approved', 'scheduled', 'applied', 'cancelled', 'rejected', 'failed'] as const;
export type TerritoryChangeState = (typeof TERRITORY_CHANGE_STATUSES)[number];

/** Read model of one territory change; the workflow `territory-change:<id>` is its only writer after creation. */
@Entity('territory_changes')
export class TerritoryChangeEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid') requesterId!: string;
  @Column('uuid') fromTerritoryId!: string;
  @Column('uuid') toTerritoryId!: string;
  @Column('uuid', { array: true }) accountIds!: string[];
  /** YYYY-MM-DD: the change applies at 00:00 UTC of this day. */
  @Column('date') effectiveDate!: string;
  @Column('text') reason!: string;
  @Column('text') status!: TerritoryChangeState;
  /** The domain's `TerritoryImpact` (exact decimal strings). */
  @Column('jsonb', { nullable: true }) impact!: Record<string, unknown> | null;
  /** The approval stages as routed (id, label, approverIds, mode, step). */
  @Column('jsonb', { nullable: true }) stages!: Record<string, unknown>[] | null;
  @Column('numeric', { precision: 18, scale: 2, nullable: true }) financeThreshold!: string | null;
  @Column('boolean', { default: false }) openQuotaAdjustment!: boolean;
  @Column('text') workflowId!: string;
  @Column('timestamptz', { nullable: true }) nextDeadline!: Date | null;
  /** The last rejection's comment, or why the change could not be routed. */
  @Column('text', { nullable: true }) comment!: string | null;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
  @Column('timestamptz', { nullable: true }) decidedAt!: Date | null;
  @Column('timestamptz', { nullable: true }) appliedAt!: Date | null;
  @Column('uuid', { nullable: true }) cancelledById!: string | null;
  @Column('timestamptz', { nullable: true }) cancelledAt!: Date | null;
}
