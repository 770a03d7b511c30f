import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

@Entity('products')
export class ProductEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('text', { unique: true }) code!: string;
  @Column('text') name!: string;
  @Column('text', { nullable: true }) family!: string | null;
  /** Exact decimal string (numeric(18,2)). */
  @Column('numeric', { precision: 18, scale: 2, nullable: true }) listPrice!: string | null;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
  @Column('timestamptz', { default: () => 'now()' }) updatedAt!: Date;
}
