import {
  calculateBatch,
  closeBatchInput,
  DomainError,
  isDomainError,
  parseDecimal,
  type CloseRepAdjustment,
  type CloseSnapshotContent,
  type LineOutput,
  type ParticipantPeriodOutput,
} from '@quotaflow/domain';
import type { DataSource } from 'typeorm';
import { canonicalJson, sha256Hex } from '../canonical-json';
import { CloseSnapshotEntity } from '../entities/close-snapshot.entity';
import { PayoutEntity } from '../entities/payout.entity';
import { PeriodEntity } from '../entities/period.entity';

/** One figure of a rep that the stored payout and the recalculation disagree on (null: absent on that side). */
export interface CloseDifference {
  personId: string;
  /** `payout`, `earnings`, `adjustments`, `draw`, `recovery`, `state`, `payout.missing`, `components.<id>.amount`, `components.<id>.lines[<i>].amount`, `lines[<i>].amount`, … */
  field: string;
  stored: string | null;
  recomputed: string | null;
}

export interface CloseVerificationResult {
  periodId: string;
  periodKey: string;
  /** The final calculation version, the one verified. */
  version: number;
  snapshotId: string | null;
  /** The hash stored with the snapshot. */
  snapshotHash: string | null;
  /** The sha256 of the snapshot's canonical JSON as it is now. */
  contentHash: string | null;
  hashMatches: boolean;
  /** Reps of the final version (stored payouts, plus reps of the snapshot without one). */
  reps: number;
  /** Reps whose every figure is the same to the cent. */
  matching: number;
  differences: CloseDifference[];
  /** Why the snapshot could not be recalculated at all (every rep then differs). */
  recomputeError?: { code: string; message: string };
}

/** Recalculated at most this many reps at a time (memory stays flat at 10,000 reps). */
const VERIFY_BATCH = 250;
const MONEY_FIELDS = ['earnings', 'adjustments', 'draw', 'recovery', 'payout'] as const;

function sameDecimal(a: string | null | undefined, b: string | null | undefined): boolean {
  if (a === b) return true;
  if (a == null || b == null) return false;
  const x = parseDecimal(a);
  const y = parseDecimal(b);
  return x.ok && y.ok && x.value === y.value;
}

function isSnapshot(content: unknown): content is CloseSnapshotContent {
  const c = content as Partial<CloseSnapshotContent> | null;
  return !!c && typeof c === 'object' && Array.isArray(c.participants) && Array.isArray(c.plans) && Array.isArray(c.credits)
    && typeof c.currency === 'string' && !!c.period && typeof c.period.key === 'string';
}

/** Every explained amount of a result, by field name: components, their lines, and the adjustment/draw/recovery lines. */
function lineAmounts(result: ParticipantPeriodOutput | null | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!result || typeof result !== 'object') return out;
  const lines = (prefix: string, list: LineOutput[] | undefined) => (list ?? []).forEach((l, i) => out.set(`${prefix}lines[${i}].amount`, l.amount));
  for (const c of result.components ?? []) {
    out.set(`components.${c.id}.amount`, c.amount);
    lines(`components.${c.id}.`, c.lines);
  }
  lines('', result.lines);
  return out;
}

/**
 * Proves a closed period: loads the snapshot its final payouts were calculated from, checks the
 * snapshot's stored hash against its content, recalculates every rep with the same engine and the
 * same glue as the close (`closeBatchInput`, `calculateBatch`, with the managers' adjustments and
 * the carried amounts), and compares every stored payout —
 * its totals, its carried state and each explanation line's amount — exactly. Reads only.
 * Used by `GET /periods/:id/verification` and `npm run close:verify`.
 */
export class CloseVerification {
  constructor(private readonly dataSource: DataSource) {}

  async verify(periodId: string): Promise<CloseVerificationResult> {
    const m = this.dataSource.manager;
    const period = await m.findOneBy(PeriodEntity, { id: periodId });
    if (!period) throw new DomainError('PERIOD.NOT_FOUND', `No period with id ${periodId}.`, { field: 'id', value: periodId });
    if (period.status !== 'closed') {
      throw new DomainError('PERIOD.NOT_CLOSED', `Period ${period.key} is ${period.status}: only a closed period is verified.`, { field: 'id', value: periodId, status: period.status });
    }
    const version = period.currentVersion;
    const payouts = await m.find(PayoutEntity, { where: { periodId, calculationVersion: version }, order: { personId: 'ASC' } });
    // The final version's payouts name their snapshot; a period closed without any payout falls back to its latest snapshot.
    const snapshotId = payouts[0]?.snapshotId;
    const snapshot = snapshotId
      ? await m.findOneBy(CloseSnapshotEntity, { id: snapshotId })
      : await m.findOne(CloseSnapshotEntity, { where: { periodId }, order: { createdAt: 'DESC' } });
    const contentHash = snapshot ? sha256Hex(canonicalJson(snapshot.content)) : null;
    const differences: CloseDifference[] = [];
    const differing = new Set<string>();
    const differ = (d: CloseDifference) => {
      differences.push(d);
      differing.add(d.personId);
    };
    for (const p of payouts) {
      if (p.snapshotId !== snapshotId) differ({ personId: p.personId, field: 'snapshotId', stored: p.snapshotId, recomputed: snapshotId ?? null });
    }

    let recomputeError: CloseVerificationResult['recomputeError'];
    const recomputed = new Map<string, { result: ParticipantPeriodOutput; state: unknown }>();
    const content = snapshot?.content;
    if (!snapshot) {
      recomputeError = { code: 'PERIOD.NOT_FROZEN', message: `Period ${period.key} has no stored snapshot.` };
    } else if (!isSnapshot(content)) {
      recomputeError = { code: 'SNAPSHOT.UNREADABLE', message: 'The stored snapshot is not a close snapshot (participants, plans, credits, currency, period).' };
    } else {
      // The managers' adjustments in force for the final version, in the order the close applied them.
      const adjustments = ((await m.query(
        `SELECT person_id, amount::text AS amount, reason FROM close_changes WHERE period_id = $1 AND kind = 'adjustment' AND effective_version <= $2 ORDER BY requested_on_version, person_id`,
        [periodId, version],
      )) as { person_id: string; amount: string; reason: string }[]).map((r): CloseRepAdjustment => ({ personId: r.person_id, amount: r.amount, reason: r.reason }));
      try {
        for (let offset = 0; offset < content.participants.length; offset += VERIFY_BATCH) {
          const reps = content.participants.slice(offset, offset + VERIFY_BATCH);
          const output = calculateBatch(closeBatchInput(content, reps, adjustments));
          for (const r of output.periods[0]?.participants ?? []) recomputed.set(r.participantId, { result: r, state: output.state[r.participantId] ?? {} });
        }
      } catch (e) {
        recomputed.clear();
        recomputeError = isDomainError(e) ? { code: e.code, message: e.message } : { code: 'CALC.FAILED', message: (e as Error).message };
      }
    }

    const storedIds = new Set(payouts.map((p) => p.personId));
    for (const p of payouts) {
      const again = recomputed.get(p.personId);
      if (!again) {
        differ({ personId: p.personId, field: 'payout', stored: p.payout, recomputed: null });
        continue;
      }
      for (const field of MONEY_FIELDS) {
        if (!sameDecimal(p[field], again.result[field])) differ({ personId: p.personId, field, stored: p[field], recomputed: again.result[field] });
      }
      const storedLines = lineAmounts(p.result as ParticipantPeriodOutput);
      const recomputedLines = lineAmounts(again.result);
      for (const field of new Set([...storedLines.keys(), ...recomputedLines.keys()])) {
        const a = storedLines.get(field) ?? null;
        const b = recomputedLines.get(field) ?? null;
        if (!sameDecimal(a, b)) differ({ personId: p.personId, field, stored: a, recomputed: b });
      }
      const storedState = canonicalJson(p.state);
      const recomputedState = canonicalJson(again.state);
      if (storedState !== recomputedState) differ({ personId: p.personId, field: 'state', stored: storedState, recomputed: recomputedState });
    }
    for (const [personId, again] of recomputed) {
      if (!storedIds.has(personId)) differ({ personId, field: 'payout', stored: null, recomputed: again.result.payout });
    }
    const reps = new Set([...storedIds, ...recomputed.keys()]).size;
    return {
      periodId, periodKey: period.key, version, snapshotId: snapshot?.id ?? null, snapshotHash: snapshot?.contentHash ?? null, contentHash,
      hashMatches: snapshot !== null && contentHash === snapshot.contentHash,
      reps, matching: [...new Set([...storedIds, ...recomputed.keys()])].filter((id) => !differing.has(id)).length,
      differences,
      ...(recomputeError ? { recomputeError } : {}),
    };
  }
}
