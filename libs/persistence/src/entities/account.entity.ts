import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A customer account; `territoryId` is its territory today (`account_ownership` has the history). */
@Entity('accounts')
export class AccountEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('text') name!: string;
  @Column('uuid') territoryId!: string;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
}
