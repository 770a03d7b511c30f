import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * Which territory owned an account from `effectiveFrom` (inclusive) to `effectiveTo` (exclusive,
 * null = still). A territory change closes one row and opens the next, so credits on a date go
 * to the owner of that date (`SELECT account_territory_at(account_id, date)`).
 */
@Entity('account_ownership')
export class AccountOwnershipEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid') accountId!: string;
  @Column('uuid') territoryId!: string;
  @Column('date') effectiveFrom!: string;
  @Column('date', { nullable: true }) effectiveTo!: string | null;
  /** The territory change that opened this row (null for the initial assignment). */
  @Column('uuid', { nullable: true }) changeId!: string | null;
}
