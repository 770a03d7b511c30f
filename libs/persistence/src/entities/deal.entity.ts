import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const DEAL_STAGES = ['won', 'open', 'lost'] as const;
export type DealStage = (typeof DEAL_STAGES)[number];

/** A deal on an account; its rep is whoever owned the account's territory on `closeDate`. */
@Entity('deals')
export class DealEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid') accountId!: string;
  @Column('text', { default: '' }) name!: string;
  /** Exact decimal string (numeric(18,2)). */
  @Column('numeric', { precision: 18, scale: 2 }) amount!: string;
  @Column('text') stage!: DealStage;
  /** YYYY-MM-DD; for an open deal the expected close date. */
  @Column('date') closeDate!: string;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
}
