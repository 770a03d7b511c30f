import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const PERSON_ROLES = ['rep', 'manager', 'finance', 'ops', 'auditor', 'admin'] as const;
export type PersonRole = (typeof PERSON_ROLES)[number];

/** Free-form facts about a person that no workflow keys on (e.g. the default annual quota). */
export interface PersonAttributes {
  title?: string;
  /** Default annual quota offered at publish time, decimal string. */
  annualQuota?: string;
  [key: string]: unknown;
}

@Entity('people')
export class PersonEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('text') name!: string;
  @Column('text', { unique: true }) email!: string;
  @Column('text', { array: true }) roles!: PersonRole[];
  @Column('uuid', { nullable: true }) teamId!: string | null;
  @Column('uuid', { nullable: true }) managerId!: string | null;
  @Column('boolean', { default: true }) active!: boolean;
  @Column('jsonb', { default: () => "'{}'::jsonb" }) attributes!: PersonAttributes;
  /** Employee id for payroll (unique when given). */
  @Column('text', { nullable: true }) employeeId!: string | null;
  /** YYYY-MM-DD. */
  @Column('date', { nullable: true }) startDate!: string | null;
  /** YYYY-MM-DD: the last day. */
  @Column('date', { nullable: true }) endDate!: string | null;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
}
