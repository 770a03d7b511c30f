import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { DealCreditShare } from './deal.entity';

/**
 * One revision of a deal, written by triggers on `deals` (append-only). `recordedAt` is the wall
 * clock of the write: the close treats revisions recorded after its freeze that touch a closed
 * period as prior-period adjustments (`deal_revisions_touching(from, to, since)`).
 */
@Entity('deal_revisions')
export class DealRevisionEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id!: string;
  @Column('uuid') dealId!: string;
  @Column('int') revision!: number;
  @Column('timestamptz') recordedAt!: Date;
  @Column('uuid', { nullable: true }) importId!: string | null;
  @Column('text', { nullable: true }) externalId!: string | null;
  @Column('uuid') accountId!: string;
  @Column('uuid', { nullable: true }) ownerPersonId!: string | null;
  @Column('uuid', { nullable: true }) productId!: string | null;
  @Column('text') name!: string;
  @Column('text') type!: string;
  @Column('text') stage!: string;
  @Column('date', { nullable: true }) createdDate!: string | null;
  @Column('date', { nullable: true }) closeDate!: string | null;
  @Column('numeric', { precision: 18, scale: 2, nullable: true }) amount!: string | null;
  @Column('text', { nullable: true }) currency!: string | null;
  @Column('jsonb', { nullable: true }) credits!: DealCreditShare[] | null;
  @Column('uuid', { nullable: true }) reversesDealId!: string | null;
  @Column('text', { nullable: true }) previousStage!: string | null;
  @Column('date', { nullable: true }) previousCloseDate!: string | null;
  @Column('numeric', { precision: 18, scale: 2, nullable: true }) previousAmount!: string | null;
}
