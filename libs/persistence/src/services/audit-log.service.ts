import { createHmac, timingSafeEqual } from 'node:crypto';
import { DataSource, EntityManager, In } from 'typeorm';
import { canonicalJson, sha256Hex } from '../canonical-json';
import { AuditEventEntity } from '../entities/audit-event.entity';
import { type AuditCheckpoint, verifyCheckpointSignature } from './audit-checkpoint-signature';

export const AUDIT_GENESIS_HASH = '0'.repeat(64);
/** Arbitrary constant that names "the audit chain" among transaction-level advisory locks. */
const AUDIT_CHAIN_LOCK_KEY = '7146025521';
const VERIFY_BATCH = 1000;
/** Appends made outside a caller's transaction are written together, at most this many at a time. */
const APPEND_GROUP = 100;
export const LEGACY_HASH_VERSION = 1;
export const KEYED_HASH_VERSION = 2;

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
  /** The first missing, altered or forged event (a removed event is named by its own id). */
  firstBrokenId?: string;
  reason?: string;
  /** Signed checkpoints found consistent with the chain. */
  checkpointsChecked: number;
  /** When ok: the chain's last event and its hash. */
  lastId?: string;
  headHash?: string;
}

export interface AuditListQuery {
  subject?: string;
  subjectPrefix?: string;
  limit?: number;
  offset?: number;
  /** Events after this id only (a cursor: ids are consecutive, so a page never skips or repeats one). */
  afterId?: string;
}

type HashedFields = Omit<AuditEventEntity, 'id' | 'prevHash' | 'hash'>;

function timingSafeEqualHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

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

/** Version 1: the unkeyed chain written before the keyed one (kept verifiable, a closed prefix). */
export function auditEventHash(prevHash: string, event: HashedFields): string {
  return sha256Hex(prevHash + canonicalJson(hashedFields(event)));
}

/** Keys derived from AUDIT_HMAC_KEY, one per purpose, so a chain hash is never a valid signature. */
export function auditKeys(hmacKey: string): { chain: Buffer; checkpoint: Buffer } {
  if (typeof hmacKey !== 'string' || hmacKey.length < 32) throw new TypeError('the audit HMAC key must have at least 32 characters (AUDIT_HMAC_KEY)');
  const derive = (label: string) => createHmac('sha256', hmacKey).update(label).digest();
  return { chain: derive('quotaflow audit chain v2'), checkpoint: derive('quotaflow audit checkpoint v1') };
}

/** Version 2: HMAC-SHA256 over the id, the previous hash and the canonical fields. */
export function keyedAuditEventHash(chainKey: Buffer, id: string, prevHash: string, event: HashedFields): string {
  return createHmac('sha256', chainKey).update(`${id}\n${prevHash}\n${canonicalJson(hashedFields(event))}`).digest('hex');
}

/** Where a walk of the chain may start: after a known-good event (a verified checkpoint). */
export interface AuditChainPosition { lastId: string; headHash: string; count: number }

export interface AuditVerifyOptions {
  /** Signed checkpoints (from outside the database) the chain must still contain. */
  checkpoints?: readonly AuditCheckpoint[];
  /** Walk only what follows this position (the checkpoint job verifies what is new). */
  after?: AuditChainPosition;
  /** Stop at this id (inclusive). */
  upTo?: string;
}

/**
 * The tamper-evident audit trail. Each event carries the hash of the previous one, keyed with
 * a secret the database never sees (HMAC), and ids are consecutive: so removing, inserting or
 * rewriting an event shows, even for somebody who can write the table. Truncating the newest
 * events shows against the signed checkpoints kept outside the database (AuditCheckpoints).
 * Appends are serialised by a transaction-level advisory lock so the chain never forks; the lock
 * is held until the surrounding transaction ends, so keep such transactions short. Appends made
 * outside a caller's transaction queue in this process while one group holds the lock, and the
 * next group is chained and inserted in one transaction (a group commit): under load the lock is
 * taken once for many events instead of once each.
 */
export class AuditLog {
  private readonly keys: { chain: Buffer; checkpoint: Buffer };
  private readonly queued: Array<{ input: AuditEventInput; resolve: (e: AuditEventEntity) => void; reject: (e: unknown) => void }> = [];
  private flushing = false;

  constructor(
    private readonly dataSource: DataSource,
    options: { hmacKey: string },
  ) {
    this.keys = auditKeys(options.hmacKey);
  }

  /** The key checkpoints are signed with (derived from the same secret). */
  get checkpointKey(): Buffer {
    return this.keys.checkpoint;
  }

  async append(input: AuditEventInput, manager?: EntityManager): Promise<AuditEventEntity> {
    for (const field of ['action', 'subject'] as const) {
      if (typeof input[field] !== 'string' || input[field].trim() === '') throw new TypeError(`audit event ${field} is required`);
    }
    const run = (m: EntityManager): Promise<AuditEventEntity> => this.appendLocked(input, m);
    if (manager) return manager.queryRunner?.isTransactionActive ? run(manager) : manager.transaction(run);
    return new Promise((resolve, reject) => {
      this.queued.push({ input, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  /** Writes the queued appends, a group at a time, until none is left. */
  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queued.length > 0) {
        const group = this.queued.splice(0, APPEND_GROUP);
        try {
          const rows = await this.appendGroup(group.map((g) => g.input));
          group.forEach((g, i) => g.resolve(rows[i]!));
        } catch (error) {
          if (group.length === 1) {
            group[0]!.reject(error);
            continue;
          }
          // One bad event must not fail the others: each is tried alone, and only it fails.
          for (const g of group) await this.appendGroup([g.input]).then(([row]) => g.resolve(row!), g.reject);
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  /** Chains and inserts a group of events in one transaction; each input's row, in order. */
  private async appendGroup(inputs: AuditEventInput[]): Promise<AuditEventEntity[]> {
    const answers = await this.dataSource.transaction(async (m) => {
      await m.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_CHAIN_LOCK_KEY]);
      const keys = [...new Set(inputs.flatMap((i) => (i.dedupeKey ? [i.dedupeKey] : [])))];
      const existing = keys.length > 0 ? await m.find(AuditEventEntity, { where: { dedupeKey: In(keys) } }) : [];
      const byKey = new Map<string, AuditEventEntity | string>(existing.map((e) => [e.dedupeKey!, e]));
      const [last] = await m.find(AuditEventEntity, { select: { id: true, hash: true }, order: { id: 'DESC' }, take: 1 });
      let lastId = BigInt(last?.id ?? '0');
      let prevHash = last?.hash ?? AUDIT_GENESIS_HASH;
      const fresh: AuditEventEntity[] = [];
      const answers = inputs.map((input): AuditEventEntity | string => {
        const known = input.dedupeKey ? byKey.get(input.dedupeKey) : undefined;
        if (known) return known;
        lastId += 1n;
        const entity = this.chained(m, input, lastId.toString(), prevHash);
        prevHash = entity.hash;
        fresh.push(entity);
        if (input.dedupeKey) byKey.set(input.dedupeKey, entity.id);
        return entity.id;
      });
      if (fresh.length > 0) await m.insert(AuditEventEntity, fresh as never);
      return answers;
    });
    // Read back after the commit (outside the lock) exactly what verify() will see.
    const ids = answers.filter((a): a is string => typeof a === 'string');
    const stored = new Map((ids.length > 0 ? await this.dataSource.manager.find(AuditEventEntity, { where: { id: In(ids) } }) : []).map((e) => [e.id, e]));
    return answers.map((a) => (typeof a === 'string' ? stored.get(a)! : a));
  }

  private async appendLocked(input: AuditEventInput, m: EntityManager): Promise<AuditEventEntity> {
    await m.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_CHAIN_LOCK_KEY]);
    if (input.dedupeKey) {
      const existing = await m.findOneBy(AuditEventEntity, { dedupeKey: input.dedupeKey });
      if (existing) return existing;
    }
    const last = await m.find(AuditEventEntity, { select: { id: true, hash: true }, order: { id: 'DESC' }, take: 1 });
    // Under the lock: the next id is the last one + 1, so a rolled-back append leaves no gap.
    const id = (BigInt(last[0]?.id ?? '0') + 1n).toString();
    const entity = this.chained(m, input, id, last[0]?.hash ?? AUDIT_GENESIS_HASH);
    // insert, not save: the id is ours, save would look it up first.
    await m.insert(AuditEventEntity, entity as never);
    // Re-read so the caller gets exactly what verify() will see (jsonb, timestamptz as stored).
    return m.findOneByOrFail(AuditEventEntity, { id });
  }

  /** The event as it will be stored: its fields, its id and the keyed hash over the previous one. */
  private chained(m: EntityManager, input: AuditEventInput, id: string, prevHash: string): AuditEventEntity {
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
      hashVersion: KEYED_HASH_VERSION,
    };
    return m.create(AuditEventEntity, { ...fields, id, prevHash, hash: keyedAuditEventHash(this.keys.chain, id, prevHash, fields) });
  }

  /** The newest event: where the next checkpoint would point. */
  async head(): Promise<AuditChainPosition> {
    const rows = (await this.dataSource.query(
      `SELECT id::text AS id, hash, (SELECT count(*) FROM audit_events)::int AS count FROM audit_events ORDER BY id DESC LIMIT 1`,
    )) as Array<{ id: string; hash: string; count: number }>;
    const row = rows[0];
    return row ? { lastId: row.id, headHash: row.hash, count: row.count } : { lastId: '0', headHash: AUDIT_GENESIS_HASH, count: 0 };
  }

  /**
   * Walks the chain in id order and names the first event that is missing, altered or not
   * written by a holder of the key; then checks that every signed checkpoint is still there
   * (a chain that ends before a checkpoint's last id was truncated).
   */
  async verify(options: AuditVerifyOptions = {}): Promise<AuditVerifyResult> {
    const checkpoints = [...(options.checkpoints ?? [])];
    for (const checkpoint of checkpoints) {
      if (!verifyCheckpointSignature(this.keys.checkpoint, checkpoint)) {
        return { ok: false, count: 0, reason: `the checkpoint of ${String(checkpoint.at)} (event ${String(checkpoint.lastId)}) has no valid signature: it was not written by a holder of the key`, checkpointsChecked: 0 };
      }
    }
    const wanted = new Map<string, AuditCheckpoint[]>();
    for (const checkpoint of checkpoints) wanted.set(checkpoint.lastId, [...(wanted.get(checkpoint.lastId) ?? []), checkpoint]);

    let expectedPrev = options.after?.headHash ?? AUDIT_GENESIS_HASH;
    let lastId = BigInt(options.after?.lastId ?? '0');
    let count = options.after?.count ?? 0;
    let keyedSeen = false;
    const upTo = options.upTo === undefined ? undefined : BigInt(options.upTo);
    const broken = (id: bigint | string, reason: string): AuditVerifyResult => ({ ok: false, count, firstBrokenId: id.toString(), reason, checkpointsChecked: 0 });
    for (;;) {
      const qb = this.dataSource
        .getRepository(AuditEventEntity)
        .createQueryBuilder('e')
        .where('e.id > :lastId', { lastId: lastId.toString() })
        .orderBy('e.id', 'ASC')
        .take(VERIFY_BATCH);
      if (upTo !== undefined) qb.andWhere('e.id <= :upTo', { upTo: upTo.toString() });
      const batch = await qb.getMany();
      for (const event of batch) {
        const id = BigInt(event.id);
        const keyed = event.hashVersion === KEYED_HASH_VERSION;
        if (event.hashVersion !== LEGACY_HASH_VERSION && !keyed) return broken(id, `unknown hash version ${String(event.hashVersion)}`);
        if (!keyed && keyedSeen) return broken(id, 'an unkeyed (version 1) event after the keyed chain began: it was inserted later');
        // Keyed ids are consecutive: a gap is a removed event, named by its own id.
        if (id !== lastId + 1n && (keyed || event.prevHash !== expectedPrev)) {
          const last = id - 1n;
          return broken(lastId + 1n, `event ${lastId + 1n}${last > lastId + 1n ? `..${last}` : ''} is missing (removed from the chain)`);
        }
        if (event.prevHash !== expectedPrev) {
          return broken(id, "prev_hash does not match the previous event's hash (an event was removed, inserted or altered)");
        }
        const hash = keyed ? keyedAuditEventHash(this.keys.chain, event.id, event.prevHash, event) : auditEventHash(event.prevHash, event);
        if (!timingSafeEqualHex(hash, event.hash)) {
          return broken(id, keyed ? "hash does not match the event's contents (altered, or written without the key)" : "hash does not match the event's contents");
        }
        keyedSeen ||= keyed;
        expectedPrev = event.hash;
        lastId = id;
        count += 1;
        for (const checkpoint of wanted.get(event.id) ?? []) {
          if (checkpoint.headHash !== event.hash || checkpoint.count !== count) {
            return broken(id, `event ${event.id} differs from the signed checkpoint of ${checkpoint.at} (rewritten)`);
          }
        }
      }
      if (batch.length < VERIFY_BATCH) break;
    }
    // A checkpoint past the end of the chain: its events were removed (even when `upTo` stops the walk early).
    const beyond = checkpoints.filter((c) => BigInt(c.lastId) > lastId);
    if (beyond.length > 0) {
      const newest = beyond.reduce((a, b) => (BigInt(a.lastId) >= BigInt(b.lastId) ? a : b));
      return {
        ...broken(lastId + 1n, `events ${lastId + 1n}..${newest.lastId} are missing: the signed checkpoint of ${newest.at} counts ${newest.count} events up to ${newest.lastId} (the chain was truncated)`),
        checkpointsChecked: checkpoints.length - beyond.length,
      };
    }
    return { ok: true, count, checkpointsChecked: checkpoints.length, lastId: lastId.toString(), headHash: expectedPrev };
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
    if (query.afterId !== undefined) qb.andWhere('e.id > :afterId', { afterId: query.afterId });
    return qb.orderBy('e.id', 'ASC').skip(offset).take(limit).getMany();
  }
}

/** The value as jsonb will give it back (undefined → SQL NULL, Dates → strings). */
function toJsonValue(value: unknown): unknown {
  return value === undefined || value === null ? null : (JSON.parse(JSON.stringify(value)) as unknown);
}
