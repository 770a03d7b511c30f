import { DataSource, EntityManager } from 'typeorm';
import { canonicalJson, sha256Hex } from '../canonical-json';
import { AuditEventEntity } from '../entities/audit-event.entity';

export const AUDIT_GENESIS_HASH = '0'.repeat(64);
/** Arbitrary constant that names "the audit chain" among transaction-level advisory locks. */
const AUDIT_CHAIN_LOCK_KEY = '7146025521';
const VERIFY_BATCH = 1000;

export interface AuditEventInput {
  action: string;
  subject: string;
  actorId?: string | null;
  actorRole?: string | null;
  workflowId?: string | null;
  runId?: string | null;
  comment?: string | null;
  before?: unknown;
  after?: unknown;
  data?: unknown;
  /** Defaults to now. */
  occurredAt?: Date;
  /** Business key of the event: appending the same key again returns the first row (activities retry). */
  dedupeKey?: string | null;
}

export interface AuditVerifyResult {
  ok: boolean;
  /** Events found intact (all of them when ok; those before the first broken one otherwise). */
  count: number;
  firstBrokenId?: string;
  reason?: string;
}

export interface AuditListQuery {
  subject?: string;
  subjectPrefix?: string;
  limit?: number;
  offset?: number;
}

type HashedFields = Omit<AuditEventEntity, 'id' | 'prevHash' | 'hash'>;

function hashedFields(e: HashedFields): Record<string, unknown> {
  return {
    occurredAt: e.occurredAt.toISOString(),
    actorId: e.actorId ?? null,
    actorRole: e.actorRole ?? null,
    action: e.action,
    subject: e.subject,
    workflowId: e.workflowId ?? null,
    runId: e.runId ?? null,
    comment: e.comment ?? null,
    before: e.before ?? null,
    after: e.after ?? null,
    data: e.data ?? null,
    dedupeKey: e.dedupeKey ?? null,
  };
}

export function auditEventHash(prevHash: string, event: HashedFields): string {
  return sha256Hex(prevHash + canonicalJson(hashedFields(event)));
}

/**
 * The tamper-evident audit trail: each event carries the hash of the previous one.
 * Appends are serialised by a transaction-level advisory lock so the chain never forks;
 * the lock is held until the surrounding transaction ends, so keep such transactions short.
 */
export class AuditLog {
  constructor(private readonly dataSource: DataSource) {}

  async append(input: AuditEventInput, manager?: EntityManager): Promise<AuditEventEntity> {
    for (const field of ['action', 'subject'] as const) {
      if (typeof input[field] !== 'string' || input[field].trim() === '') throw new TypeError(`audit event ${field} is required`);
    }
    const run = (m: EntityManager): Promise<AuditEventEntity> => this.appendLocked(input, m);
    if (manager) return manager.queryRunner?.isTransactionActive ? run(manager) : manager.transaction(run);
    return this.dataSource.transaction(run);
  }

  private async appendLocked(input: AuditEventInput, m: EntityManager): Promise<AuditEventEntity> {
    await m.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_CHAIN_LOCK_KEY]);
    if (input.dedupeKey) {
      const existing = await m.findOneBy(AuditEventEntity, { dedupeKey: input.dedupeKey });
      if (existing) return existing;
    }
    const last = await m.find(AuditEventEntity, { select: { id: true, hash: true }, order: { id: 'DESC' }, take: 1 });
    const fields: HashedFields = {
      // jsonb keeps whatever JSON says, so hash exactly what will be stored.
      occurredAt: new Date((input.occurredAt ?? new Date()).getTime()),
      actorId: input.actorId ?? null,
      actorRole: input.actorRole ?? null,
      action: input.action,
      subject: input.subject,
      workflowId: input.workflowId ?? null,
      runId: input.runId ?? null,
      comment: input.comment ?? null,
      before: toJsonValue(input.before),
      after: toJsonValue(input.after),
      data: toJsonValue(input.data),
      dedupeKey: input.dedupeKey ?? null,
    };
    const prevHash = last[0]?.hash ?? AUDIT_GENESIS_HASH;
    const entity = m.create(AuditEventEntity, { ...fields, prevHash, hash: auditEventHash(prevHash, fields) });
    const saved = await m.save(AuditEventEntity, entity);
    // Re-read so the caller gets exactly what verify() will see (jsonb, timestamptz as stored).
    return m.findOneByOrFail(AuditEventEntity, { id: saved.id });
  }

  /** Walks the chain in id order and names the first event whose links or contents do not add up. */
  async verify(): Promise<AuditVerifyResult> {
    let expectedPrev = AUDIT_GENESIS_HASH;
    let lastId = '0';
    let count = 0;
    for (;;) {
      const batch = await this.dataSource
        .getRepository(AuditEventEntity)
        .createQueryBuilder('e')
        .where('e.id > :lastId', { lastId })
        .orderBy('e.id', 'ASC')
        .take(VERIFY_BATCH)
        .getMany();
      for (const event of batch) {
        if (event.prevHash !== expectedPrev) {
          return { ok: false, count, firstBrokenId: event.id, reason: "prev_hash does not match the previous event's hash (an event was removed, inserted or altered)" };
        }
        if (auditEventHash(event.prevHash, event) !== event.hash) {
          return { ok: false, count, firstBrokenId: event.id, reason: "hash does not match the event's contents" };
        }
        expectedPrev = event.hash;
        lastId = event.id;
        count += 1;
      }
      if (batch.length < VERIFY_BATCH) return { ok: true, count };
    }
  }

  /** Oldest first, as an auditor reads a trail. */
  async list(query: AuditListQuery = {}): Promise<AuditEventEntity[]> {
    const limit = Math.min(Math.max(Math.trunc(query.limit ?? 100), 1), 1000);
    const offset = Math.max(Math.trunc(query.offset ?? 0), 0);
    const qb = this.dataSource.getRepository(AuditEventEntity).createQueryBuilder('e');
    if (query.subject !== undefined) qb.andWhere('e.subject = :subject', { subject: query.subject });
    if (query.subjectPrefix !== undefined) {
      qb.andWhere(`e.subject LIKE :prefix ESCAPE '\\'`, { prefix: `${query.subjectPrefix.replace(/[\\%_]/g, '\\$&')}%` });
    }
    return qb.orderBy('e.id', 'ASC').skip(offset).take(limit).getMany();
  }
}

/** The value as jsonb will give it back (undefined → SQL NULL, Dates → strings). */
function toJsonValue(value: unknown): unknown {
  return value === undefined || value === null ? null : (JSON.parse(JSON.stringify(value)) as unknown);
}
