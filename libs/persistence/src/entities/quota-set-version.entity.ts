import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, Unique } from 'typeorm';

export const QUOTA_VERSION_REASONS = ['submission', 'manager-adjustment', 'revision', 'mid-period-change'] as const;
export type QuotaVersionReason = (typeof QUOTA_VERSION_REASONS)[number];

/** Team id → target, exact decimal strings. */
export type QuotaTeamTargets = Record<string, string>;

/** One revision of a quota set; immutable (a trigger allows only locking and superseding). */
@Entity('quota_set_versions')
@Unique('quota_set_versions_quota_set_id_version_key', ['quotaSetId', 'version'])
export class QuotaSetVersionEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid') quotaSetId!: string;
  @Column('int') version!: number;
  @Column('text') reason!: QuotaVersionReason;
  @Column('text', { nullable: true }) comment!: string | null;
  @Column('numeric', { precision: 18, scale: 2 }) companyTarget!: string;
  @Column('jsonb') teamTargets!: QuotaTeamTargets;
  @Column('uuid') createdById!: string;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
  @Column('boolean', { default: false }) locked!: boolean;
  @Column('timestamptz', { nullable: true }) lockedAt!: Date | null;
  @Column('int', { nullable: true }) supersededByVersion!: number | null;
  @Column('timestamptz', { nullable: true }) supersededAt!: Date | null;
}
