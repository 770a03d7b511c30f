import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

@Entity('plans')
export class PlanEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('text', { unique: true }) key!: string;
  @Column('text') name!: string;
  @Column('uuid') createdById!: string;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
}
