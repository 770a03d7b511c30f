import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, Unique } from 'typeorm';

/**
 * A rep's payout for a period under one calculation version, with the engine's whole result
 * (components and explanation lines) and the state carried to the next close. Written once.
 */
@Entity('payouts')
@Unique('payouts_period_id_person_id_calculation_version_key', ['periodId', 'personId', 'calculationVersion'])
export class PayoutEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid') periodId!: string;
  @Column('uuid') personId!: string;
  @Column('integer') calculationVersion!: number;
  @Column('uuid') snapshotId!: string;
  @Column('uuid') planVersionId!: string;
  @Column('uuid', { nullable: true }) teamId!: string | null;
  @Column('text') currency!: string;
  @Column('numeric', { precision: 18, scale: 2 }) earnings!: string;
  @Column('numeric', { precision: 18, scale: 2 }) adjustments!: string;
  @Column('numeric', { precision: 18, scale: 2 }) draw!: string;
  @Column('numeric', { precision: 18, scale: 2 }) recovery!: string;
  @Column('numeric', { precision: 18, scale: 2 }) payout!: string;
  /** The engine's ParticipantPeriodOutput. */
  @Column('jsonb') result!: unknown;
  /** The engine's ParticipantStateOutput after this period. */
  @Column('jsonb') state!: unknown;
  /** A manager's hold: not paid in this close (no payroll line, no statement); carried to the next period. */
  @Column('boolean', { default: false }) held!: boolean;
  /** Copied unchanged from this earlier version (a rep no change touched), not recalculated. */
  @Column('integer', { nullable: true }) copiedFromVersion!: number | null;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
}
