/**
 * The lines of one component in one period as the compute pass leaves them: on the
 * BigInt path one small object per line, on the fast path typed columns (kind,
 * position, exact value, totals before and after, cents) that explanations are
 * read from directly — no second walk over the credits or the tiers.
 */
import type { CompiledComponent, CompiledTable } from './compiled-plan';
import type { CreditStore } from './credit.store';
import type { FastSpec, FastTable } from './fast-table';
import type { LineOutput } from './plan-language.types';
import { POW10 } from './exact-decimal';
import { TierTable } from './tier-table.evaluator';

export type LineKind = 'credit' | 'true-up' | 'clawback' | 'cap';

/** A line while the period is open: exact value n/d at scale 36 (BigInt path; clawbacks and caps on both). */
export interface RawLine {
  kind: LineKind;
  /** credit position in the store, −1 for none */
  pos: number;
  n: bigint;
  d: bigint;
  /** running totals (scale 24) before/after, or the credit for window transaction */
  a: bigint;
  b: bigint;
  cents: bigint;
  /** clawbacks: reversed fraction n/d of what the original paid, and the share its period's cap let through */
  fraction?: { n: bigint; d: bigint; original: bigint; capN: bigint; capD: bigint };
}

export const F_CREDIT = 0;
export const F_TRUE_UP = 1;
export const F_CLAWBACK = 2;

/** Fast-path lines of one component in one period: integers at the spec's scales (reused between periods). */
export class FastLines {
  size = 0;
  kind = new Uint8Array(64);
  pos = new Int32Array(64);
  /** f(b) − f(a) at scale sl */
  n = new Float64Array(64);
  /** totals before/after at scale st (window transaction: 0 and the credit) */
  a = new Float64Array(64);
  b = new Float64Array(64);
  cents = new Float64Array(64);

  push(kind: number, pos: number, n: number, a: number, b: number): void {
    if (this.size === this.kind.length) this.grow();
    const i = this.size++;
    this.kind[i] = kind;
    this.pos[i] = pos;
    this.n[i] = n;
    this.a[i] = a;
    this.b[i] = b;
    this.cents[i] = 0;
  }

  private grow(): void {
    const n = this.kind.length * 2;
    const g = <A extends Uint8Array | Int32Array | Float64Array>(x: A, make: (k: number) => A): A => {
      const y = make(n);
      y.set(x);
      return y;
    };
    this.kind = g(this.kind, (k) => new Uint8Array(k));
    this.pos = g(this.pos, (k) => new Int32Array(k));
    this.n = g(this.n, (k) => new Float64Array(k));
    this.a = g(this.a, (k) => new Float64Array(k));
    this.b = g(this.b, (k) => new Float64Array(k));
    this.cents = g(this.cents, (k) => new Float64Array(k));
  }
}

/** What the renderer of a fast line needs besides the line. */
export interface FastLineContext {
  component: CompiledComponent;
  spec: FastSpec;
  table: FastTable;
  quota: bigint | undefined;
  /** threshold at scale st */
  threshold: number;
  hasThreshold: boolean;
  /** multiplier factor at scale sm, −1 without one */
  factor: number;
  /** the threshold and the factor as every line writes them (once per component's period) */
  thresholdText: string;
  multiplierText: string;
  /** the BigInt table of the same period (for the rare explanation the fast renderer leaves to the BigInt one): see exactTableOf */
  exactTable: TierTable | null;
  /** the last total and attainment written, and their texts: a line's "after" is the next line's "before" */
  memo: { total: number; totalText: string; attainment: number; attainmentText: string };
}

/** Turns a fast line into its explanation. */
export interface LineRenderer {
  fastLine(store: CreditStore, lines: FastLines, j: number, ctx: FastLineContext): LineOutput;
}

/** The BigInt table of a fast line's component and period, built on first use. */
export function exactTableOf(ctx: FastLineContext): TierTable {
  if (ctx.exactTable === null) ctx.exactTable = new TierTable(ctx.component.table as CompiledTable, ctx.component.basis === 'attainment' ? (ctx.quota as bigint) : POW10[12]);
  return ctx.exactTable;
}
