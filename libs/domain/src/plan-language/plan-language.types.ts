/** The JSON shapes of the plan language (spec §2 input, §6 output). */
import type { DecimalInput } from './exact-decimal';

export type Split = 'step' | 'flat' | 'curve';
export type Boundary = 'higher' | 'lower';
export type Window = 'transaction' | 'period' | 'run';
export type Basis = 'amount' | 'attainment';

export interface TierInput {
  from: DecimalInput;
  to?: DecimalInput;
  rate?: DecimalInput;
  amount?: DecimalInput;
}

export interface TableInput {
  split?: Split;
  boundary?: Boundary;
  basis?: Basis; // multiplier tables only
  tiers: TierInput[];
}

export interface ComponentInput {
  id: string;
  /** default: "bonus" with `of`, else "commission" */
  kind?: 'commission' | 'bonus';
  /** the component takes pay away (a fee, a chargeback): its rates and amounts are ≤ 0, its cap bounds what it deducts */
  deduction?: boolean;
  types?: string[];
  products?: string[];
  window?: Window;
  basis?: Basis;
  table?: TableInput;
  threshold?: { amount: DecimalInput; carryDeficit?: boolean };
  multiplier?: TableInput;
  cap?: DecimalInput;
  of?: string;
  rate?: DecimalInput;
}

export interface DrawInput {
  type: 'recoverable' | 'nonRecoverable';
  amount: DecimalInput;
  periods: string[];
  recoverFrom?: string;
  recoveryRate?: DecimalInput;
}

export interface PlanInput {
  id: string;
  components: ComponentInput[];
  draw?: DrawInput;
  clawbackReducesAttainment?: boolean;
}

export interface ParticipantStateInput {
  credited?: Record<string, DecimalInput>;
  paid?: Record<string, DecimalInput>;
  drawBalance?: DecimalInput;
  deficit?: Record<string, DecimalInput>;
}

export interface ParticipantInput {
  id: string;
  name?: string;
  planId: string;
  quota?: Record<string, DecimalInput>;
  state?: ParticipantStateInput;
}

export interface CreditInput {
  participantId: string;
  share: DecimalInput;
}

export interface TransactionInput {
  id: string;
  date: string;
  amount: DecimalInput;
  type?: string;
  product?: string;
  credits?: CreditInput[];
  reverses?: string;
}

export interface AdjustmentInput {
  participantId: string;
  periodId: string;
  amount: DecimalInput;
  reason?: string;
}

export interface PeriodInput {
  id: string;
  start: string;
  end: string;
}

export interface PlanDocumentInput {
  currency: string;
  periods: PeriodInput[];
  plans: PlanInput[];
  participants: ParticipantInput[];
  transactions?: TransactionInput[];
  adjustments?: AdjustmentInput[];
}

// ---- output -------------------------------------------------------------

export type LineSource = 'transaction' | 'true-up' | 'clawback' | 'cap' | 'adjustment' | 'draw' | 'recovery' | 'bonus';

/** One tier slice a credit crossed: the part of the key in [from, to) earned `rate`. */
export interface SliceOutput {
  from: string;
  to: string;
  rate?: string;
  /** fixed amount (bonus milestone) instead of a rate */
  tierAmount?: string;
  /** "uplift": the retroactive change of rate on earlier credits (flat/curve tables) */
  kind?: 'uplift' | 'milestone';
  /** shown rounded to cents; the line amount is rounded once from the exact sum */
  amount: string;
}

export interface LineOutput {
  source: LineSource;
  transactionId?: string;
  reverses?: string;
  date?: string;
  share?: string;
  transactionAmount?: string;
  /** credited value: transaction amount × share (exact) */
  credited?: string;
  /** running total of the component's input before and after this credit */
  totalBefore?: string;
  totalAfter?: string;
  attainmentBefore?: string;
  attainmentAfter?: string;
  threshold?: string;
  slices?: SliceOutput[];
  /** amount before the multiplier (exact, at most 12 places) */
  base?: string;
  multiplier?: string;
  /** clawbacks: the amount originally paid and the reversed fraction */
  originalAmount?: string;
  fraction?: string;
  /** clawbacks of a deal paid in a capped period: the share of its pay the cap let through (cap ÷ uncapped sum) */
  capShare?: string;
  /** bonus `of`: the component and rate */
  of?: string;
  rate?: string;
  reason?: string;
  amount: string;
}

export interface ComponentOutput {
  id: string;
  kind: 'commission' | 'bonus';
  /** present (true) for a deduction */
  deduction?: true;
  amount: string;
  input: string;
  attainment?: string;
  multiplier?: string;
  threshold?: string;
  lines: LineOutput[];
}

export interface ParticipantPeriodOutput {
  participantId: string;
  components: ComponentOutput[];
  adjustments: string;
  earnings: string;
  draw: string;
  recovery: string;
  payout: string;
  drawBalance: string;
  /** adjustment, draw and recovery lines */
  lines: LineOutput[];
}

export interface PeriodOutput {
  id: string;
  participants: ParticipantPeriodOutput[];
}

export interface ParticipantStateOutput {
  credited: Record<string, string>;
  paid: Record<string, string>;
  drawBalance: string;
  deficit: Record<string, string>;
}

export interface CalculationOutput {
  currency: string;
  periods: PeriodOutput[];
  state: Record<string, ParticipantStateOutput>;
}

export interface ValidationIssue {
  path: string;
  message: string;
  value: unknown;
  /** set for a bound rather than a mistake: `CALC.TOO_LARGE` */
  code?: string;
}

export type ValidationResult<T> = { ok: true; value: T } | { ok: false; errors: ValidationIssue[] };
