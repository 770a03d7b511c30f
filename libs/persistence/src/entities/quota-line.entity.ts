import { Column, Entity, PrimaryGeneratedColumn, Unique } from 'typeorm';

/** A rep's quota in one version; only `acknowledgedAt` may be set later, before the version locks. */
@Entity('quota_lines')
@Unique('quota_lines_version_person_key', ['quotaSetVersionId', 'personId'])
export class QuotaLineEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid') quotaSetVersionId!: string;
  @Column('uuid') personId!: string;
  @Column('uuid') teamId!: string;
  /** Exact decimal string (numeric(18,2)). */
  @Column('numeric', { precision: 18, scale: 2 }) amount!: string;
  /** The rep's locked quota of the previous period, for the change flag. */
  @Column('numeric', { precision: 18, scale: 2, nullable: true }) previousAmount!: string | null;
  @Column('timestamptz', { nullable: true }) acknowledgedAt!: Date | null;
}
