import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, Unique } from 'typeorm';

/** A rep's PDF statement of a closed period (the final calculation version): one per rep and period. */
@Entity('statements')
@Unique('statements_period_id_person_id_key', ['periodId', 'personId'])
export class StatementEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid') periodId!: string;
  @Column('uuid') personId!: string;
  @Column('uuid') payoutId!: string;
  @Column('integer') calculationVersion!: number;
  @Column('bytea') pdf!: Buffer;
  @Column('text') sha256!: string;
  @Column('integer') pages!: number;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
}
