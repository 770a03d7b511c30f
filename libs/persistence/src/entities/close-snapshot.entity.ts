import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, Unique } from 'typeorm';

/** One exception the validation found: blocking ones stop the close, warnings are shown to finance. */
export interface CloseException {
  code: string;
  severity: 'blocking' | 'warning';
  message: string;
  personId?: string;
  dealId?: string;
}

/** The frozen inputs of one close run, with the sha256 of their canonical JSON. Written once. */
@Entity('close_snapshots')
@Unique('close_snapshots_period_id_run_id_key', ['periodId', 'runId'])
export class CloseSnapshotEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid') periodId!: string;
  @Column('text') runId!: string;
  @Column('timestamptz') frozenAt!: Date;
  @Column('jsonb') content!: unknown;
  @Column('text') contentHash!: string;
  @Column('jsonb', { default: () => "'[]'::jsonb" }) exceptions!: CloseException[];
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
}
