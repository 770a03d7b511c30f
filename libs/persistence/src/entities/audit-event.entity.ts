import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One link of the tamper-evident audit chain. Rows are only ever inserted (see AuditLog). */
@Entity('audit_events')
export class AuditEventEntity {
  /** Consecutive, assigned under the chain's lock (last + 1); pg returns int8 as a string, which keeps it exact. */
  @PrimaryColumn({ type: 'bigint' }) id!: string;
  @Column('timestamptz') occurredAt!: Date;
  @Column('uuid', { nullable: true }) actorId!: string | null;
  @Column('text', { nullable: true }) actorRole!: string | null;
  @Column('text') action!: string;
  @Column('text') subject!: string;
  @Column('text', { nullable: true }) workflowId!: string | null;
  @Column('text', { nullable: true }) runId!: string | null;
  @Column('text', { nullable: true }) comment!: string | null;
  @Column('jsonb', { nullable: true }) before!: unknown;
  @Column('jsonb', { nullable: true }) after!: unknown;
  @Column('jsonb', { nullable: true }) data!: unknown;
  @Column('text', { nullable: true, unique: true }) dedupeKey!: string | null;
  @Column('text') prevHash!: string;
  @Column('text') hash!: string;
  /** 1: unkeyed sha256 (events before the keyed chain); 2: HMAC-SHA256 with AUDIT_HMAC_KEY. */
  @Column('smallint') hashVersion!: number;
}
