import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** The rendered PDF a rep accepts; one per assignment. */
@Entity('plan_documents')
export class PlanDocumentEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid', { unique: true }) assignmentId!: string;
  @Column('bytea') pdf!: Buffer;
  @Column('text') sha256!: string;
  @Column('integer') pages!: number;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
}
