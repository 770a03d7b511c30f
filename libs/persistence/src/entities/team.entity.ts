import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

@Entity('teams')
export class TeamEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('text', { unique: true }) name!: string;
  @Column('uuid', { nullable: true }) managerId!: string | null;
  @Column('uuid', { nullable: true }) parentTeamId!: string | null;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
}
