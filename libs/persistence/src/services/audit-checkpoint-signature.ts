import { createHmac, timingSafeEqual } from 'node:crypto';
import { canonicalJson } from '../canonical-json';

/**
 * Signed checkpoints of the audit chain, kept outside the database: (last id, head hash, count)
 * with an HMAC only a holder of AUDIT_HMAC_KEY can make. Someone who can write the table can
 * still delete its newest events without breaking the links; a checkpoint that names an event
 * the table no longer has shows it. Each checkpoint is appended as one JSON line to
 * `<AUDIT_CHECKPOINT_DIR>/checkpoints.jsonl` and written to the log (so a log archive holds
 * a copy), and is exported by `GET /api/v1/audit/checkpoints` and `npm run audit:checkpoint`.
 */
export interface AuditCheckpoint {
  v: 1;
  lastId: string;
  headHash: string;
  count: number;
  at: string;
  /** hex HMAC-SHA256 of the canonical JSON of the other fields. */
  signature: string;
}

type Unsigned = Omit<AuditCheckpoint, 'signature'>;

export function signCheckpoint(key: Buffer, body: Unsigned): AuditCheckpoint {
  const unsigned: Unsigned = { v: 1, lastId: body.lastId, headHash: body.headHash, count: body.count, at: body.at };
  return { ...unsigned, signature: createHmac('sha256', key).update(canonicalJson(unsigned)).digest('hex') };
}

export function verifyCheckpointSignature(key: Buffer, checkpoint: AuditCheckpoint): boolean {
  if (!checkpoint || typeof checkpoint.signature !== 'string' || checkpoint.v !== 1) return false;
  if (typeof checkpoint.lastId !== 'string' || !/^\d+$/.test(checkpoint.lastId) || !Number.isInteger(checkpoint.count)) return false;
  const expected = Buffer.from(signCheckpoint(key, checkpoint).signature, 'utf8');
  const given = Buffer.from(checkpoint.signature, 'utf8');
  return expected.length === given.length && timingSafeEqual(expected, given);
}

