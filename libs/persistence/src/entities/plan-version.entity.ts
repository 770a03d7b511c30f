import { BeforeInsert, BeforeUpdate, Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { PlanDocument, preparePlanDocument } from '../plan-document';

@Entity('plan_versions')
@Unique('plan_versions_plan_id_version_key', ['planId', 'version'])
export class PlanVersionEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid') planId!: string;
  @Column('integer') version!: number;
  /** A Plan of the plan language; validated and hashed before every save. */
  @Column('jsonb') document!: PlanDocument;
  @Column('text') periodLabel!: string;
  /** `YYYY-MM-DD`. */
  @Column('date') effectiveFrom!: string;
  /** Last day of the period the version covers (YYYY-MM-DD). */
  @Column('date') effectiveTo!: string;
  @Column('text') documentHash!: string;
  @Column('uuid') createdById!: string;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;

  @BeforeInsert()
  @BeforeUpdate()
  protected validateDocument(): void {
    this.documentHash = preparePlanDocument(this.document);
    if (!this.effectiveTo && this.effectiveFrom) this.effectiveTo = oneYearFrom(this.effectiveFrom);
  }
}

/** The default period of a version: a year from its start (2026-01-01 → 2026-12-31). */
export function oneYearFrom(start: string): string {
  const d = new Date(`${start}T00:00:00.000Z`);
  d.setUTCFullYear(d.getUTCFullYear() + 1);
  d.setUTCDate(d.getUTCDate() - 1);
  return d.toISOString().slice(0, 10);
}
