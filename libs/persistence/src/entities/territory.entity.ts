import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A node of the territory tree; a territory without an owner belongs to its nearest owned ancestor. */
@Entity('territories')
export class TerritoryEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('text', { unique: true }) name!: string;
  @Column('uuid', { nullable: true }) parentId!: string | null;
  @Column('uuid', { nullable: true }) teamId!: string | null;
  /** The rep (or team lead) who owns the territory's accounts. */
  @Column('uuid', { nullable: true }) ownerPersonId!: string | null;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
}
