/**
 * Test builders ("mothers") for plan documents: small, intention-revealing pieces
 * that scenario tests combine. Used by the specs only.
 */
import { calculate } from '../calculation';
import type {
  ComponentInput,
  CreditInput,
  PeriodInput,
  PlanDocumentInput,
  PlanInput,
  ParticipantInput,
  TierInput,
  TransactionInput,
} from '../plan-language.types';

/** Months of 2026 as periods "2026-01".."2026-12". */
export function months(count: number, firstMonth = 1): PeriodInput[] {
  return Array.from({ length: count }, (_, i) => {
    const m = firstMonth + i;
    const mm = String(m).padStart(2, '0');
    const last = new Date(Date.UTC(2026, m, 0)).getUTCDate();
    return { id: `2026-${mm}`, start: `2026-${mm}-01`, end: `2026-${mm}-${last}` };
  });
}

export const tiers = (...rows: [number | string, number | string][]): TierInput[] => rows.map(([from, rate]) => ({ from, rate }));
export const amountTiers = (...rows: [number | string, number | string][]): TierInput[] => rows.map(([from, amount]) => ({ from, amount }));

export function stepCommission(id: string, rows: [number | string, number | string][], extra: Partial<ComponentInput> = {}): ComponentInput {
  return { id, kind: 'commission', table: { split: 'step', tiers: tiers(...rows) }, ...extra };
}

export function flatCommission(id: string, rows: [number | string, number | string][], extra: Partial<ComponentInput> = {}): ComponentInput {
  return { id, kind: 'commission', table: { split: 'flat', tiers: tiers(...rows) }, ...extra };
}

export function flatRate(id: string, rate: number | string, extra: Partial<ComponentInput> = {}): ComponentInput {
  return stepCommission(id, [[0, rate]], extra);
}

export function plan(components: ComponentInput[], extra: Partial<PlanInput> = {}, id = 'plan'): PlanInput {
  return { id, components, ...extra };
}

export function rep(id: string, extra: Partial<ParticipantInput> = {}): ParticipantInput {
  return { id, name: id.toUpperCase(), planId: 'plan', ...extra };
}

/** A deal credited to participants: "ann" (100 %) or [["ann", 0.7], ["bob", 0.3]]. */
export function deal(id: string, date: string, amount: number | string, to: string | [string, number | string][] = 'ann', extra: Partial<TransactionInput> = {}): TransactionInput {
  const credits: CreditInput[] = typeof to === 'string' ? [{ participantId: to, share: 1 }] : to.map(([participantId, share]) => ({ participantId, share }));
  return { id, date, amount, type: 'revenue', credits, ...extra };
}

/** A cancellation of `original`, in whole (amount = −original) or in part. */
export function reversal(id: string, date: string, amount: number | string, original: string, to: string | [string, number | string][] = 'ann'): TransactionInput {
  return deal(id, date, amount, to, { reverses: original });
}

export function document(parts: Partial<PlanDocumentInput> & { plans: PlanInput[] }): PlanDocumentInput {
  return {
    currency: 'USD',
    periods: months(1),
    participants: [rep('ann')],
    transactions: [],
    adjustments: [],
    ...parts,
  };
}

export interface Figures {
  components: Record<string, string>;
  adjustments: string;
  earnings: string;
  draw: string;
  recovery: string;
  payout: string;
  drawBalance: string;
}

/** Calculate and pick one participant's figures for one period. */
export function figures(doc: PlanDocumentInput, periodId: string, participantId = 'ann'): Figures {
  return figuresOf(calculate(doc), periodId, participantId);
}

export function figuresOf(out: ReturnType<typeof calculate>, periodId: string, participantId = 'ann'): Figures {
  const period = out.periods.find((p) => p.id === periodId);
  const r = period?.participants.find((p) => p.participantId === participantId);
  if (!r) throw new Error(`no result for ${participantId} in ${periodId}`);
  return {
    components: Object.fromEntries(r.components.map((c) => [c.id, c.amount])),
    adjustments: r.adjustments,
    earnings: r.earnings,
    draw: r.draw,
    recovery: r.recovery,
    payout: r.payout,
    drawBalance: r.drawBalance,
  };
}

/** The amounts of a component's lines in one period. */
export function lineAmounts(doc: PlanDocumentInput, periodId: string, componentId: string, participantId = 'ann'): string[] {
  const out = calculate(doc);
  const r = out.periods.find((p) => p.id === periodId)?.participants.find((p) => p.participantId === participantId);
  const c = r?.components.find((x) => x.id === componentId);
  if (!c) throw new Error(`no component ${componentId}`);
  return c.lines.map((l) => `${l.source}:${l.transactionId ?? ''}:${l.amount}`);
}
