import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The organisation's settings: one row. `currency` is the one currency of every deal. */
@Entity('organisation_settings')
export class OrganisationSettingsEntity {
  @PrimaryColumn('boolean', { default: true }) id!: boolean;
  @Column('text', { nullable: true }) currency!: string | null;
  @Column('timestamptz', { default: () => 'now()' }) updatedAt!: Date;
}
