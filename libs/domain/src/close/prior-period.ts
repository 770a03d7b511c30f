// After a close: what arrives for a closed period is paid in the next open one, never by changing
// the closed one. A deal that arrived, changed or stopped counting after period Q closed is
// restated "as Q's plan would have paid it": Q is recalculated from its own snapshot (plans,
// quotas, carried state, credits) with the late deals applied one at a time, in order, and each
// deal's adjustment for a rep is the change it makes to the rep's earnings of Q. Tier effects are
// included (a late deal that lifts Q's attainment re-rates Q's other deals, and that difference is
// part of its adjustment), and the adjustments of a rep sum exactly to Q restated minus Q as paid.
// A negative payout is never paid: the rep's balance is carried into their next close as an
// adjustment, so the engine recovers it from later earnings.
import { calculateBatch, type CreditRow } from '../plan-language/calculation';
import type { LineOutput, ParticipantPeriodOutput, ParticipantStateOutput } from '../plan-language/plan-language.types';
import { decCmp, decIsZero, decSub } from '../quota/decimal';
import { closeBatchInput, type CloseSnapshotContent, type DealDigest, type LateDeal, type Restatement, type SnapshotAdjustment } from './snapshot';

/** What a closed period knows of its deals: its own snapshot, then every later restatement of it, oldest first. */
export interface KnownDeals {
  /** By deal id; null: known to no longer count in the period. */
  byDeal: Map<string, DealDigest | null>;
  /** Snapshots frozen before deal digests existed know their deals by transaction id only. */
  legacyTransactionIds: Set<string> | null;
  /** The period's credit rows as last restated. */
  credits: CreditRow[];
}

export function knownDeals(content: CloseSnapshotContent, restatements: readonly Restatement[]): KnownDeals {
  const byDeal = new Map<string, DealDigest | null>(Object.entries(content.dealDigests ?? {}));
  const legacyTransactionIds = content.dealDigests ? null : new Set(content.credits.map((c) => c.transactionId));
  let credits = [...content.credits];
  for (const r of restatements) {
    for (const d of r.deals) {
      credits = replaceRows(credits, byDeal.get(d.dealId)?.t, d.rows);
      byDeal.set(d.dealId, d.hash === null ? null : { t: d.transactionId, h: d.hash });
    }
  }
  return { byDeal, legacyTransactionIds, credits };
}

function replaceRows(credits: CreditRow[], oldTransactionId: string | undefined, rows: readonly CreditRow[]): CreditRow[] {
  const kept = oldTransactionId === undefined ? credits : credits.filter((c) => c.transactionId !== oldTransactionId);
  let seq = kept.reduce((max, c) => Math.max(max, c.seq), -1);
  return [...kept, ...rows.map((r) => ({ ...r, seq: ++seq }))];
}

/** A deal of the period as it is now (hash of its content), or a known one that no longer counts there. */
export interface CurrentDeal {
  dealId: string;
  transactionId: string;
  hash: string;
}

/**
 * The deals that differ from what the closed period knows: new ones, changed ones (another hash),
 * and known ones that no longer count (`hash: null`), in the order given, removed ones last.
 */
export function findLateDeals(known: KnownDeals, current: readonly CurrentDeal[]): { dealId: string; transactionId: string; hash: string | null }[] {
  const late: { dealId: string; transactionId: string; hash: string | null }[] = [];
  const seen = new Set<string>();
  for (const d of current) {
    seen.add(d.dealId);
    const k = known.byDeal.get(d.dealId);
    if (k === undefined) {
      if (known.legacyTransactionIds?.has(d.transactionId)) continue;
      late.push(d);
    } else if (k === null || k.h !== d.hash || k.t !== d.transactionId) {
      late.push(d);
    }
  }
  for (const [dealId, k] of known.byDeal) {
    if (k !== null && !seen.has(dealId)) late.push({ dealId, transactionId: k.t, hash: null });
  }
  return late;
}

export interface RestatementResult {
  /** Non-zero adjustments, deal by deal in order, rep by rep. */
  adjustments: SnapshotAdjustment[];
  restatement: Restatement;
  /** Each touched rep's state after the restated period. */
  state: Map<string, ParticipantStateOutput>;
  /** Reps credited by a late deal without a plan in that period: nothing restated for them. */
  unplanned: { dealId: string; transactionId: string; personId: string }[];
}

/**
 * The reason on the engine's adjustment line, naming the original deal and its period: "prior-period
 * adjustment: deal D-7 of 2026-01", "… deal D-7 of 2026-01, cancelled by D-7X", "… no longer counted".
 */
export function priorPeriodReason(transactionId: string, periodKey: string, how: { cancels?: string; removed?: boolean } = {}): string {
  if (how.cancels !== undefined) return `prior-period adjustment: deal ${how.cancels} of ${periodKey}, cancelled by ${transactionId}`;
  return `prior-period adjustment: deal ${transactionId} of ${periodKey}${how.removed ? ', no longer counted' : ''}`;
}

/**
 * Restates closed period Q (`content`, its final snapshot) with its late deals, one after another,
 * from what it knows (`known`, which this updates). Each late deal's `rows` are its credit rows in
 * Q now (empty when it no longer counts).
 */
export function restatePeriod(content: CloseSnapshotContent, snapshotId: string, known: KnownDeals, late: readonly LateDeal[]): RestatementResult {
  const participants = new Map(content.participants.map((p) => [p.personId, p]));
  const current = new Map<string, ParticipantPeriodOutput>();
  const state = new Map<string, ParticipantStateOutput>();
  const run = (ids: readonly string[]) => {
    const reps = ids.map((id) => participants.get(id)!);
    const output = calculateBatch(closeBatchInput({ ...content, credits: known.credits }, reps));
    for (const r of output.periods[0]!.participants) {
      current.set(r.participantId, r);
      const s = output.state[r.participantId];
      if (s) state.set(r.participantId, s);
    }
  };
  const adjustments: SnapshotAdjustment[] = [];
  const unplanned: RestatementResult['unplanned'] = [];
  for (const d of late) {
    const oldTransactionId = known.byDeal.get(d.dealId)?.t ?? (known.legacyTransactionIds?.has(d.transactionId) ? d.transactionId : undefined);
    const touched = new Set<string>();
    for (const row of [...known.credits.filter((c) => c.transactionId === oldTransactionId), ...d.rows]) {
      if (participants.has(row.participantId)) touched.add(row.participantId);
      else if (!unplanned.some((u) => u.dealId === d.dealId && u.personId === row.participantId)) unplanned.push({ dealId: d.dealId, transactionId: d.transactionId, personId: row.participantId });
    }
    const reps = [...touched].sort();
    const missing = reps.filter((id) => !current.has(id));
    if (missing.length > 0) run(missing);
    const before = new Map(reps.map((id) => [id, current.get(id)!]));
    known.credits = replaceRows(known.credits, oldTransactionId, d.rows.filter((r) => participants.has(r.participantId)));
    known.byDeal.set(d.dealId, d.hash === null ? null : { t: d.transactionId, h: d.hash });
    if (reps.length > 0) run(reps);
    for (const id of reps) {
      const was = before.get(id)!;
      const now = current.get(id)!;
      const amount = decSub(now.earnings, was.earnings);
      if (decIsZero(amount)) continue;
      const lines: LineOutput[] = now.components.flatMap((c) => c.lines.filter((l) => l.transactionId === d.transactionId || (oldTransactionId !== undefined && l.transactionId === oldTransactionId)));
      const cancels = d.rows.find((r) => r.reverses)?.reverses ?? undefined;
      adjustments.push({
        participantId: id, amount, reason: priorPeriodReason(d.transactionId, content.period.key, { ...(cancels ? { cancels } : {}), removed: d.hash === null }), kind: 'prior-period',
        fromPeriodId: content.period.id, fromPeriodKey: content.period.key, dealId: d.dealId, transactionId: d.transactionId,
        ...(cancels ? { cancels } : {}), ...(d.hash === null ? { removed: true } : {}),
        before: was.earnings, after: now.earnings, lines,
      });
    }
  }
  return {
    adjustments,
    restatement: { periodId: content.period.id, periodKey: content.period.key, snapshotId, deals: [...late] },
    state,
    unplanned,
  };
}

/** A rep's negative payout of a closed period, carried into their next close as a balance to recover. */
export function carriedBalance(participantId: string, payout: string, from: { periodId: string; periodKey: string }): SnapshotAdjustment | null {
  if (decCmp(payout, '0') >= 0) return null;
  return {
    participantId, amount: payout, reason: `balance carried from ${from.periodKey}: a negative payout is not paid, it is recovered`,
    kind: 'carried-balance', fromPeriodId: from.periodId, fromPeriodKey: from.periodKey,
  };
}
