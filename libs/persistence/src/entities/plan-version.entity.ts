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
  @Column('text') documentHash!: string;
  @Column('uuid') createdById!: string;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;

  @BeforeInsert()
  @BeforeUpdate()
  protected validateDocument(): void {
    this.documentHash = preparePlanDocument(this.document);
  }
}
