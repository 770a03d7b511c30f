import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const IMPORT_STATUSES = ['queued', 'running', 'completed', 'rejected', 'failed'] as const;
export type ImportStatus = (typeof IMPORT_STATUSES)[number];
export type ImportKindValue = 'teams' | 'people' | 'territories' | 'accounts' | 'products' | 'deals';

/** One import: who, when, which file (hash), how it went (counts), its report (import_issues). */
@Entity('imports')
export class ImportEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('text') kind!: ImportKindValue;
  @Column('text') status!: ImportStatus;
  @Column('boolean', { default: false }) skipBadRows!: boolean;
  @Column('boolean', { default: false }) deactivateMissing!: boolean;
  @Column('boolean', { default: false }) background!: boolean;
  @Column('text') profileKey!: string;
  /** The profile as applied (extends resolved). */
  @Column('jsonb') profile!: Record<string, unknown>;
  @Column('jsonb', { default: () => "'{}'::jsonb" }) options!: Record<string, unknown>;
  @Column('text', { nullable: true }) fileName!: string | null;
  @Column('text', { nullable: true }) fileHash!: string | null;
  @Column('bigint', { nullable: true }) fileBytes!: string | null;
  @Column('uuid', { nullable: true }) requestedById!: string | null;
  /** `api` or `cli`. */
  @Column('text', { default: 'api' }) requestedVia!: string;
  @Column('text', { nullable: true }) workflowId!: string | null;
  @Column('int', { default: 0 }) rowsRead!: number;
  @Column('int', { default: 0 }) rowsValid!: number;
  @Column('int', { default: 0 }) rowsInvalid!: number;
  @Column('int', { default: 0 }) rowsWritten!: number;
  @Column('int', { default: 0 }) createdCount!: number;
  @Column('int', { default: 0 }) updatedCount!: number;
  @Column('int', { default: 0 }) unchangedCount!: number;
  @Column('int', { default: 0 }) deactivatedCount!: number;
  @Column('int', { default: 0 }) skippedCount!: number;
  @Column('int', { default: 0 }) warningsCount!: number;
  @Column('int', { default: 0 }) issuesCount!: number;
  @Column('text', { array: true, default: () => "'{}'" }) ignoredColumns!: string[];
  @Column('jsonb', { nullable: true }) error!: { code: string; message: string; details?: unknown } | null;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
  @Column('timestamptz', { nullable: true }) startedAt!: Date | null;
  @Column('timestamptz', { nullable: true }) finishedAt!: Date | null;
  @Column('timestamptz', { nullable: true }) progressAt!: Date | null;
}

@Entity('import_issues')
export class ImportIssueEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id!: string;
  @Column('uuid') importId!: string;
  @Column('int') line!: number;
  @Column('text', { nullable: true }) columnName!: string | null;
  @Column('text', { nullable: true }) field!: string | null;
  @Column('text', { nullable: true }) value!: string | null;
  @Column('text') code!: string;
  @Column('text') message!: string;
  @Column('text', { nullable: true }) suggestion!: string | null;
  @Column('text') severity!: 'error' | 'warning' | 'info';
}

/** A profile ops saved (column, stage, type and value mappings); the shipped ones live in code. */
@Entity('import_profiles')
export class ImportProfileEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('text', { unique: true }) key!: string;
  @Column('text') kind!: ImportKindValue;
  @Column('text') name!: string;
  @Column('jsonb') definition!: Record<string, unknown>;
  @Column('uuid', { nullable: true }) createdById!: string | null;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
  @Column('timestamptz', { default: () => 'now()' }) updatedAt!: Date;
}
