import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A customer account; `territoryId` is its territory today (`account_ownership` has the history). */
@Entity('accounts')
export class AccountEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('text') name!: string;
  @Column('uuid') territoryId!: string;
  /** The CRM's account id (the natural key of imports). */
  @Column('text', { nullable: true }) externalId!: string | null;
  @Column('text', { nullable: true }) industry!: string | null;
  @Column('jsonb', { default: () => "'{}'::jsonb" }) attributes!: Record<string, string>;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
}
