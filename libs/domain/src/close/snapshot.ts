// The frozen inputs of a close (close_snapshots.content) and how a slice of its reps becomes the
// engine's batch input: one glue for the close's calculation and for its later verification.
import type { BatchInput, CreditRow } from '../plan-language/calculation';
import type { LineOutput, PlanInput } from '../plan-language/plan-language.types';

export interface CloseSnapshotParticipant {
  personId: string;
  name: string;
  teamId: string | null;
  planVersionId: string;
  quota: string | null;
  state: unknown;
}

export interface CloseSnapshotContent {
  period: { id: string; key: string; start: string; end: string };
  currency: string;
  frozenAt: string;
  plans: { planVersionId: string; planId: string; planName: string; version: number; document: PlanInput }[];
  /** Sorted by person id: batches are slices of this list. */
  participants: CloseSnapshotParticipant[];
  credits: CreditRow[];
  deals: number;
  previousPeriodId: string | null;
  /**
   * Every won deal dated in the period at the freeze, by deal id: its transaction id and a hash of
   * its content. A later close finds what arrived or changed for this period after it closed by
   * comparing with these (absent in snapshots taken before prior-period adjustments existed).
   */
  dealDigests?: Record<string, DealDigest>;
  /** Adjustments of this period the close carries in: prior-period adjustments, negative balances. */
  adjustments?: SnapshotAdjustment[];
  /** The late deals of earlier closed periods this close restated (so a later close builds on them). */
  restatements?: Restatement[];
  /**
   * Amounts carried into this period from earlier closes (a held payout), paid as adjustments.
   * Absent in snapshots frozen before holds existed.
   */
  carried?: CloseCarry[];
}

/** A deal as a snapshot knew it: `t` its transaction id, `h` its content hash. */
export interface DealDigest {
  t: string;
  h: string;
}

/** A deal of a closed period that arrived or changed after its close, as the restatement used it. */
export interface LateDeal {
  dealId: string;
  transactionId: string;
  /** Content hash now; null: the deal no longer counts in that period (lost, moved out, gone). */
  hash: string | null;
  /** Its credit rows in that period now (none when it no longer counts). */
  rows: CreditRow[];
}

export interface Restatement {
  periodId: string;
  periodKey: string;
  /** The snapshot of that period's final version (the baseline). */
  snapshotId: string;
  deals: LateDeal[];
}

/** An adjustment of a close's period, with what it refers to. */
export interface SnapshotAdjustment {
  participantId: string;
  /** Exact decimal, 2 places. */
  amount: string;
  /** The engine's adjustment reason (one line of the statement). */
  reason: string;
  kind: 'prior-period' | 'carried-balance';
  /** The closed period it comes from. */
  fromPeriodId: string;
  fromPeriodKey: string;
  dealId?: string;
  transactionId?: string;
  /** Prior-period: the deal is a cancellation of this one (its transaction id). */
  cancels?: string;
  /** Prior-period: the deal no longer counts in that period (lost, moved out). */
  removed?: true;
  /** Prior-period: the rep's earnings of that period as closed (with earlier restatements) and restated with this deal. */
  before?: string;
  after?: string;
  /** Prior-period: the deal's own lines in the restated period (the tiers and rates of then). */
  lines?: LineOutput[];
}

/** A held payout of an earlier close, carried into this one as an adjustment. */
export interface CloseCarry {
  carryId: string;
  personId: string;
  amount: string;
  reason: string;
}

/** An adjustment of one rep in one calculation version (requested by a manager, or carried in). */
export interface CloseRepAdjustment {
  personId: string;
  amount: string;
  reason: string;
}

/**
 * The engine's input for these reps of a snapshot: their plans, quotas, carried state and credits,
 * and their adjustments (carried in by the snapshot, and those `adjustments` of the version) as
 * plan-language `adjustments`, so each is an explained line.
 */
export function closeBatchInput(content: CloseSnapshotContent, reps: readonly CloseSnapshotParticipant[], adjustments: readonly CloseRepAdjustment[] = []): BatchInput {
  const ids = new Set(reps.map((p) => p.personId));
  // Only when there are some: snapshots without adjustments give exactly the input they always gave.
  // Prior-period adjustments and balances first, then held payouts carried in, then the version's own.
  const extra = [
    ...(content.adjustments ?? []).map((a) => ({ personId: a.participantId, amount: a.amount, reason: a.reason })),
    ...(content.carried ?? []),
    ...adjustments,
  ].filter((a) => ids.has(a.personId));
  const planIds = new Set(reps.map((p) => p.planVersionId));
  return {
    currency: content.currency,
    periods: [{ id: content.period.key, start: content.period.start, end: content.period.end }],
    plans: content.plans.filter((p) => planIds.has(p.planVersionId)).map((p) => ({ ...p.document, id: p.planVersionId })),
    participants: reps.map((p) => ({
      id: p.personId, name: p.name, planId: p.planVersionId,
      ...(p.quota !== null ? { quota: { [content.period.key]: p.quota } } : {}),
      ...(p.state ? { state: p.state as never } : {}),
    })),
    credits: content.credits.filter((c) => ids.has(c.participantId)),
    ...(extra.length > 0 ? { adjustments: extra.map((a) => ({ participantId: a.personId, periodId: content.period.key, amount: a.amount, reason: a.reason })) } : {}),
  };
}
