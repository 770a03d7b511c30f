import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One account a territory change moves, with its trailing revenue and open pipeline. */
@Entity('territory_change_accounts')
export class TerritoryChangeAccountEntity {
  @PrimaryColumn('uuid') changeId!: string;
  @PrimaryColumn('uuid') accountId!: string;
  @Column('uuid') fromTerritoryId!: string;
  @Column('uuid') toTerritoryId!: string;
  @Column('uuid', { nullable: true }) fromOwnerId!: string | null;
  @Column('uuid', { nullable: true }) toOwnerId!: string | null;
  @Column('numeric', { precision: 18, scale: 2 }) trailingRevenue!: string;
  @Column('numeric', { precision: 18, scale: 2 }) openPipeline!: string;
}
