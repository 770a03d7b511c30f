import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const DEAL_STAGES = ['won', 'open', 'lost'] as const;
export type DealStage = (typeof DEAL_STAGES)[number];

export interface DealCreditShare { personId: string; share: string }

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
  /** The CRM's opportunity id (the natural key of imports). */
  @Column('text', { nullable: true }) externalId!: string | null;
  /** The CRM owner (credits follow explicit credits, else the territory owner on the close date). */
  @Column('uuid', { nullable: true }) ownerPersonId!: string | null;
  @Column('uuid', { nullable: true }) productId!: string | null;
  /** The plan language's transaction type (new, expansion, renewal, ...). */
  @Column('text', { default: 'new' }) type!: string;
  @Column('date', { nullable: true }) createdDate!: string | null;
  @Column('text', { nullable: true }) currency!: string | null;
  /** Explicit credits, shares as exact decimal strings summing to 1. */
  @Column('jsonb', { nullable: true }) credits!: DealCreditShare[] | null;
  /** The deal this one cancels (its amount is then negative). */
  @Column('uuid', { nullable: true }) reversesDealId!: string | null;
  /** The CRM gave no amount (an open deal): `amount` holds 0.00 and the revisions hold null. */
  @Column('boolean', { default: false }) amountMissing!: boolean;
  /** The CRM gave no close date (an open deal): `closeDate` holds a placeholder, the revisions null. */
  @Column('boolean', { default: false }) closeDateMissing!: boolean;
  /** Bumped by a trigger on every change of a business column; each revision is in deal_revisions. */
  @Column('int', { default: 1 }) revision!: number;
  @Column('timestamptz', { default: () => 'now()' }) updatedAt!: Date;
  @Column('uuid', { nullable: true }) importId!: string | null;
}
