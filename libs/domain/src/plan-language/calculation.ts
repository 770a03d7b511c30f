/**
 * Entry points: `calculate` for a whole document, `calculateBatch` for a slice of
 * participants read from a database (same engine, same cents).
 */
import { DomainError } from '../errors';
import type { CompiledAdjustment, CompiledParticipant, CompiledPeriod, CompiledPlan } from './compiled-plan';
import { CreditStore } from './credit.store';
import { type DecimalInput, ONE, parseDecimal } from './exact-decimal';
import { type EngineOptions, computeParticipant } from './payout.engine';
import { compilePlanDocument } from './plan-document.validator';
import type { CalculationOutput, ParticipantInput, PeriodInput, PlanInput, ValidationIssue } from './plan-language.types';

function assemble(currency: string, periods: readonly CompiledPeriod[], outcomes: ReturnType<typeof computeParticipant>[]): CalculationOutput {
  return {
    currency,
    periods: periods.map((p, k) => ({ id: p.id, participants: outcomes.map((o) => o.periods[k]) })),
    state: Object.fromEntries(outcomes.map((o) => [o.participantId, o.state])),
  };
}

export class InvalidPlanDocumentError extends DomainError {
  readonly errors: ValidationIssue[];
  constructor(errors: ValidationIssue[]) {
    super('CALC.INVALID_DOCUMENT', `invalid plan document: ${errors.length} problem(s); first: ${errors[0]?.path}: ${errors[0]?.message}`, { errors });
    this.errors = errors;
  }
}

/** Calculate a whole document (spec §2 → §6). Throws CALC.INVALID_DOCUMENT with every problem. */
export function calculate(doc: unknown, options: EngineOptions = {}): CalculationOutput {
  const compiled = compilePlanDocument(doc);
  if (!compiled.ok) throw new InvalidPlanDocumentError(compiled.errors);
  const { currency, periods, plans, participants, credits, adjustments } = compiled.value;
  const outcomes = participants.map((participant, i) =>
    computeParticipant(
      periods,
      {
        participant,
        plan: plans.get(participant.planId) as CompiledPlan,
        store: credits,
        slot: i,
        adjustments: adjustments.get(participant.id) ?? [],
      },
      options,
    ),
  );
  return assemble(currency, periods, outcomes);
}

/**
 * One credit row as a close reads it from the database: a participant's share of a
 * transaction. A reversal row carries the reversed transaction's id and amount, and
 * the original's share, type and product.
 */
export interface CreditRow {
  participantId: string;
  transactionId: string;
  /** document/import order: breaks ties between equal dates */
  seq: number;
  date: string;
  amount: DecimalInput;
  share: DecimalInput;
  type?: string | null;
  product?: string | null;
  reverses?: string | null;
  reversedAmount?: DecimalInput | null;
}

export interface BatchInput {
  currency: string;
  periods: PeriodInput[];
  plans: PlanInput[];
  /** the participants of this batch, with the state carried in from the last close */
  participants: ParticipantInput[];
  /** every credit row of these participants in the periods */
  credits: CreditRow[];
  adjustments?: { participantId: string; periodId: string; amount: DecimalInput; reason?: string }[];
}

/**
 * Calculate a batch of participants. The rows are turned into a document and go
 * through the same validation and engine as `calculate`, so a close computed in
 * batches gives exactly the cents of one whole-document run.
 */
export function calculateBatch(input: BatchInput, options: EngineOptions = {}): CalculationOutput {
  // validate the plans, periods and participants through the document path (no transactions)
  const shell = compilePlanDocument({ ...input, transactions: [], credits: undefined });
  if (!shell.ok) throw new InvalidPlanDocumentError(shell.errors);
  const { currency, periods, plans, participants, adjustments } = shell.value;
  const participantIndex = new Map<string, number>(participants.map((p, i) => [p.id, i]));
  const errors: ValidationIssue[] = [];
  const reversedIds = new Set(input.credits.filter((r) => r.reverses).map((r) => r.reverses as string));
  const store = new CreditStore(input.credits.length, input.credits.length);
  store.useKeys();
  // rows of one transaction id share a key, which is what clawbacks look up
  const keys = new Map<string, number>();
  const keyOf = (id: string): number => {
    let k = keys.get(id);
    if (k === undefined) keys.set(id, (k = keys.size));
    return k;
  };
  input.credits.forEach((row, i) => {
    const p = participantIndex.get(row.participantId);
    const path = `$.credits[${i}]`;
    if (p === undefined) return errors.push({ path: `${path}.participantId`, message: 'participant is not in this batch', value: row.participantId });
    const periodIndex = periods.findIndex((x) => x.start <= row.date && row.date <= x.end);
    if (periodIndex < 0) return errors.push({ path: `${path}.date`, message: 'falls in no period', value: row.date });
    const parsed = parseRowDecimals(row, path, errors);
    if (!parsed) return;
    const t = store.addTransaction(row.transactionId);
    (store.txKey as Int32Array)[t] = keyOf(row.transactionId);
    (store.seq as Int32Array)[t] = row.seq;
    store.dateCode[t] = store.dateCodeOf(row.date);
    store.period[t] = periodIndex;
    store.setAmountBig(t, parsed.amount);
    store.type[t] = store.code(row.type ?? null);
    store.product[t] = store.code(row.product ?? null);
    if (reversedIds.has(row.transactionId)) store.reversedLater[t] = 1;
    if (row.reverses) {
      store.reverses[t] = keyOf(row.reverses);
      store.reversesId.set(t, row.reverses);
      store.reversedAmount.set(t, parsed.reversedAmount as bigint);
    }
    store.addCredit(t, p, parsed.share);
  });
  if (errors.length > 0) throw new InvalidPlanDocumentError(errors);
  store.finish(participants.length);
  const outcomes = participants.map((participant: CompiledParticipant, i) =>
    computeParticipant(
      periods,
      { participant, plan: plans.get(participant.planId) as CompiledPlan, store, slot: i, adjustments: adjustments.get(participant.id) ?? ([] as CompiledAdjustment[]) },
      options,
    ),
  );
  return assemble(currency, periods, outcomes);
}


function parseRowDecimals(row: CreditRow, path: string, errors: ValidationIssue[]): { amount: bigint; share: bigint; reversedAmount: bigint | null } | null {
  const amount = parseDecimal(row.amount);
  const share = parseDecimal(row.share);
  let ok = true;
  if (!amount.ok) {
    errors.push({ path: `${path}.amount`, message: `amount ${amount.message}`, value: row.amount });
    ok = false;
  }
  if (!share.ok || share.value <= 0n || share.value > ONE) {
    errors.push({ path: `${path}.share`, message: 'share must be greater than 0 and at most 1', value: row.share });
    ok = false;
  }
  let reversedAmount: bigint | null = null;
  if (row.reverses) {
    const r = parseDecimal(row.reversedAmount ?? null);
    if (!r.ok || r.value === 0n) {
      errors.push({ path: `${path}.reversedAmount`, message: 'a reversal row needs the non-zero amount of the transaction it reverses', value: row.reversedAmount ?? null });
      ok = false;
    } else reversedAmount = r.value;
  }
  return ok && amount.ok && share.ok ? { amount: amount.value, share: share.value, reversedAmount } : null;
}
