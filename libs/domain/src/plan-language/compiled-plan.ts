/**
 * The validated, parsed form of a plan and of a participant's inputs: every decimal
 * is a fixed-scale BigInt (scale 12) and every reference is resolved.
 */
import type { Basis, Boundary, Split, Window } from './plan-language.types';

export interface CompiledTier {
  from: bigint;
  to: bigint | null;
  rate: bigint | null;
  amount: bigint | null;
}

export interface CompiledTable {
  split: Split;
  boundary: Boundary;
  basis: Basis;
  tiers: CompiledTier[];
  /** most decimals among the tiers' bounds (from, to), rates and amounts: what the fast path scales by */
  boundDecimals: number;
  rateDecimals: number;
  amountDecimals: number;
  /** largest |rate| and |amount| (scale 12) */
  maxRate: bigint;
  maxAmount: bigint;
}

export interface CompiledComponent {
  id: string;
  index: number;
  kind: 'commission' | 'bonus';
  deduction: boolean;
  types: ReadonlySet<string> | null;
  products: ReadonlySet<string> | null;
  window: Window;
  basis: Basis;
  table: CompiledTable | null;
  threshold: { amount: bigint; carryDeficit: boolean } | null;
  multiplier: CompiledTable | null;
  cap: bigint | null;
  /** bonus `of`: index of the component it is a share of */
  ofIndex: number;
  of: string | null;
  rate: bigint | null;
}

export interface CompiledDraw {
  type: 'recoverable' | 'nonRecoverable';
  amount: bigint;
  periods: ReadonlySet<string>;
  recoverFrom: string | null;
  recoveryRate: bigint;
}

export interface CompiledPlan {
  id: string;
  components: CompiledComponent[];
  draw: CompiledDraw | null;
  clawbackReducesAttainment: boolean;
  /** some table or multiplier is keyed on attainment, so every period needs a quota */
  needsQuota: boolean;
}

export interface CompiledPeriod {
  id: string;
  start: string;
  end: string;
}

export interface CompiledState {
  credited: Map<string, bigint>;
  paid: Map<string, bigint>;
  drawBalance: bigint;
  deficit: Map<string, bigint>;
}

export interface CompiledParticipant {
  id: string;
  planId: string;
  quota: Map<string, bigint>;
  state: CompiledState;
}

/**
 * One participant's credit from one transaction, as an explanation shows it (the
 * engine itself reads the columns of a `CreditStore`). For a reversal `share` is
 * that of the reversed transaction.
 */
export interface CompiledCredit {
  transactionId: string;
  date: string;
  amount: bigint;
  share: bigint;
  reverses: string | null;
}

export interface CompiledAdjustment {
  periodIndex: number;
  amount: bigint;
  reason: string | null;
}
