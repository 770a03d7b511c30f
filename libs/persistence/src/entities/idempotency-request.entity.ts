import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/**
 * One row per Idempotency-Key: who sent it for what, a fingerprint of the request, and the answer
 * once there is one. The same key with another request is refused; a replay gets the first answer.
 */
@Entity('idempotency_requests')
export class IdempotencyRequestEntity {
  @PrimaryColumn('text') key!: string;
  /** e.g. `approval-decision`, `plan-decision`. */
  @Column('text') scope!: string;
  @Column('uuid') actorId!: string;
  /** What the request acts on (a task id, an assignment id). */
  @Column('text') target!: string;
  /** SHA-256 of the request's canonical JSON. */
  @Column('text') fingerprint!: string;
  @Column('int', { nullable: true }) statusCode!: number | null;
  @Column('jsonb', { nullable: true }) response!: unknown;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
  @Column('timestamptz', { nullable: true }) completedAt!: Date | null;
}
