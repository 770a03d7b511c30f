// The frozen inputs of a close (close_snapshots.content) and how a slice of its reps becomes the
// engine's batch input: one glue for the close's calculation and for its later verification.
import type { BatchInput, CreditRow } from '../plan-language/calculation';
import type { PlanInput } from '../plan-language/plan-language.types';

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
   * Amounts carried into this period from earlier closes (a held payout), paid as adjustments.
   * Absent in snapshots frozen before holds existed.
   */
  carried?: CloseCarry[];
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
  const extra = [...(content.carried ?? []), ...adjustments].filter((a) => ids.has(a.personId));
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
