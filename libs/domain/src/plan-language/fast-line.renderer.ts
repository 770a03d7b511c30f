/**
 * Explanations of fast-path lines, read straight from the compute pass's columns:
 * the same `LineOutput` as the BigInt explainer (`explainCreditLine`) gives, field for
 * field, but formatted from plain integers, with the tier slices cut from the table's
 * own bounds and rates. The rare shapes it does not cover (a running total below
 * zero) go to the BigInt explainer. The property test compares both on random documents.
 */
import type { CreditStore } from './credit.store';
import { POW10, formatExact } from './exact-decimal';
import { type FastTable, centsAt, formatCentsNumber, formatScaled } from './fast-table';
import { F_TRUE_UP, type FastLineContext, type FastLines, type LineRenderer } from './line-columns';
import { flatSlices, stepSlices } from './line.explainer';
import type { LineOutput, SliceOutput } from './plan-language.types';

export class FastLineRenderer implements LineRenderer {
  private readonly shareText: string[] = [];
  private lastAttainment: { a: number; quota: bigint; st: number; text: string } = { a: NaN, quota: 0n, st: 0, text: '' };

  fastLine(store: CreditStore, lines: FastLines, j: number, ctx: FastLineContext): LineOutput {
    const { component: c, spec, quota } = ctx;
    const { st, sl, sm } = spec;
    const kind = lines.kind[j];
    const pos = lines.pos[j];
    const a = lines.a[j];
    const b = lines.b[j];
    const out: LineOutput = { source: kind === F_TRUE_UP ? 'true-up' : 'transaction', amount: '' };
    if (pos >= 0) {
      const r = store.order[pos];
      const t = store.creditTx[r];
      out.transactionId = store.txId[t];
      if (store.reverses[t] >= 0) out.reverses = store.reversesId.get(t) as string;
      out.date = store.dates[store.dateCode[t]];
      out.share = this.share(store, store.creditShare[r]);
      const dec = store.amountDec[t];
      out.transactionAmount = dec >= 0 ? formatScaled(store.amountMant[t], dec, 2, 12) : formatExact(store.amount(t), 1n, 12, 2, 12);
      out.credited = formatScaled(c.window === 'transaction' ? b : b - a, st, 2, 12);
    }
    const attainment = c.basis === 'attainment' && quota !== undefined;
    if (c.window !== 'transaction') {
      out.totalBefore = formatScaled(a, st, 2, 12);
      out.totalAfter = formatScaled(b, st, 2, 12);
      if (attainment) {
        out.attainmentBefore = this.attainment(a, quota, st);
        out.attainmentAfter = this.attainment(b, quota, st);
      }
    } else if (attainment) out.attainmentAfter = this.attainment(b, quota, st);
    if (ctx.hasThreshold) out.threshold = formatScaled(ctx.threshold, st, 2, 12);
    if (kind !== F_TRUE_UP) {
      let ka = c.window === 'transaction' ? 0 : a;
      let kb = b;
      let offset = 0;
      if (ctx.hasThreshold) {
        const th = ctx.threshold;
        ka = ka > th ? ka - th : 0;
        kb = kb > th ? kb - th : 0;
        offset = th;
      }
      out.slices = this.slices(ctx, ka, kb, offset);
    }
    out.base = formatScaled(lines.n[j], sl, 2, 12);
    if (ctx.factor >= 0) out.multiplier = formatScaled(ctx.factor, sm, 0, 12);
    delete (out as Partial<LineOutput>).amount; // keep "amount" last in the JSON
    out.amount = formatCentsNumber(lines.cents[j]);
    return out;
  }

  private share(store: CreditStore, s: number): string {
    let text = this.shareText[s];
    if (text === undefined) {
      text = formatExact(store.shares[s], 1n, 12, 0, 12);
      this.shareText[s] = text;
    }
    return text;
  }

  /** a ÷ quota at 12 places; a line's attainment after is often the next line's before. */
  private attainment(a: number, quota: bigint, st: number): string {
    const last = this.lastAttainment;
    if (last.a === a && last.quota === quota && last.st === st) return last.text;
    const text = formatExact(BigInt(a) * POW10[24 - st], quota, 12, 0, 12);
    this.lastAttainment = { a, quota, st, text };
    return text;
  }

  private slices(ctx: FastLineContext, a: number, b: number, offset: number): SliceOutput[] {
    if (a === b && ctx.table.step) return [];
    if (a < 0 || b < 0) {
      // below zero the slices mirror around it: left to the BigInt explainer
      const up = POW10[24 - ctx.spec.st];
      const table = ctx.exactTable();
      const A = BigInt(a) * up;
      const B = BigInt(b) * up;
      const O = BigInt(offset) * up;
      return ctx.table.step ? stepSlices(table, A, B, O) : flatSlices(table, A, B, O);
    }
    return ctx.table.step ? this.stepSlices(ctx, a, b, offset) : this.flatSlices(ctx, a, b, offset);
  }

  /** Step, both totals ≥ 0: the tiers between a and b, each at its rate (0 below the first and beyond "to"). */
  private stepSlices(ctx: FastLineContext, a: number, b: number, offset: number): SliceOutput[] {
    const T = ctx.table;
    const { st, sl } = ctx.spec;
    const rs = sl - st;
    const up = a < b;
    const lo = up ? a : b;
    const hi = up ? b : a;
    const out: SliceOutput[] = [];
    const piece = (from: number, to: number, rate: number, rateText: string): void => {
      const [x, y] = up ? [from, to] : [to, from];
      out.push({ from: formatScaled(x + offset, st, 2, 2), to: formatScaled(y + offset, st, 2, 2), rate: rateText, amount: formatCentsNumber(centsAt(rate * (y - x), sl)) });
    };
    const bounds = T.lo;
    if (lo < bounds[0]) piece(lo, hi < bounds[0] ? hi : bounds[0], 0, '0');
    for (let i = 0; i <= T.last; i++) {
      const sHi = i < T.last ? bounds[i + 1] : T.top === Infinity ? hi : T.top;
      const from = lo > bounds[i] ? lo : bounds[i];
      const to = hi < sHi ? hi : sHi;
      if (from < to) piece(from, to, T.rate[i], formatScaled(T.rate[i], rs, 0, 12));
    }
    if (T.top !== Infinity && hi > T.top) piece(lo > T.top ? lo : T.top, hi, 0, '0');
    if (!up) out.reverse();
    return out;
  }

  /** Flat: the new part at b's rate, then the uplift on what came before (or a milestone reached). */
  private flatSlices(ctx: FastLineContext, a: number, b: number, offset: number): SliceOutput[] {
    const T: FastTable = ctx.table;
    const { st, sl } = ctx.spec;
    const rs = sl - st;
    const ib = b === 0 ? -1 : T.tierOf(b > T.top ? T.top : b, T.lower);
    if (ib >= 0 && T.amount[ib] === T.amount[ib]) {
      const amount = centsAt(T.value(b) - T.value(a), sl);
      return [{ from: formatScaled(a + offset, st, 2, 2), to: formatScaled(b + offset, st, 2, 2), tierAmount: formatScaled(T.amount[ib], sl, 2, 2), kind: 'milestone', amount: formatCentsNumber(amount) }];
    }
    const rb = this.rateAt(T, b);
    const ra = this.rateAt(T, a);
    const slices: SliceOutput[] = [{ from: formatScaled(a + offset, st, 2, 2), to: formatScaled(b + offset, st, 2, 2), rate: formatScaled(rb, rs, 0, 12), amount: formatCentsNumber(centsAt((b - a) * rb, sl)) }];
    const upliftRate = rb - ra;
    if (a !== 0 && upliftRate !== 0) {
      slices.push({ from: formatScaled(offset, st, 2, 2), to: formatScaled(a + offset, st, 2, 2), rate: formatScaled(upliftRate, rs, 0, 12), kind: 'uplift', amount: formatCentsNumber(centsAt(a * upliftRate, sl)) });
    }
    return slices;
  }

  /** The rate of x's tier (flat; a milestone tier has none). */
  private rateAt(T: FastTable, x: number): number {
    const xc = x > T.top ? T.top : x;
    const i = T.tierOf(xc, T.lower);
    if (i < 0) return 0;
    return T.amount[i] === T.amount[i] ? 0 : T.rate[i];
  }
}
