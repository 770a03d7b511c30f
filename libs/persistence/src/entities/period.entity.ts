import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const PERIOD_STATUSES = ['open', 'closing', 'closed'] as const;
export type PeriodStatus = (typeof PERIOD_STATUSES)[number];

/** A commission period (a month): `open → closing → closed`; a closed one is immutable (triggers). */
@Entity('periods')
export class PeriodEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  /** "2026-01": the engine's period id. */
  @Column('text', { unique: true }) key!: string;
  @Column('text', { default: 'month' }) kind!: 'month';
  @Column('date') startDate!: string;
  @Column('date') endDate!: string;
  @Column('text', { default: 'open' }) status!: PeriodStatus;
  @Column('text', { nullable: true }) workflowId!: string | null;
  /** The calculation version in force (0: nothing calculated yet). */
  @Column('integer', { default: 0 }) currentVersion!: number;
  @Column('uuid') createdById!: string;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
  @Column('timestamptz', { nullable: true }) closedAt!: Date | null;
}
