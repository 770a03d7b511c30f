/**
 * Explanations of fast-path lines, read straight from the compute pass's columns:
 * the same `LineOutput` as the BigInt explainer (`explainCreditLine`) gives, field for
 * field, but formatted from plain integers, with the tier slices cut from the table's
 * own bounds and rates. The rare shapes it does not cover (a running total below
 * zero) go to the BigInt explainer. The property test compares both on random documents.
 */
import { type CreditStore, META_DEC_MASK, META_SHARE_SHIFT, POS_REVERSAL } from './credit.store';
import { POW10, divRoundHalfUp, formatCents, formatExact } from './exact-decimal';
import { type FastTable, P10, attainmentText, centsAt, formatCentsNumber, formatRatio, formatScaled, ratioCents } from './fast-table';
import { F_TRUE_UP, type FastLineContext, type FastLines, type LineRenderer, exactTableOf } from './line-columns';
import { explainCreditLine, flatSlices, stepSlices } from './line.explainer';
import type { LineOutput, SliceOutput } from './plan-language.types';

/*
 * Imports the loops read, bound once to module constants: under tsx (calc, bench:engine)
 * every read of an imported binding is a call through its CommonJS interop getter.
 */
const REVERSAL = POS_REVERSAL;
const SHARE_SHIFT = META_SHARE_SHIFT;
const DEC_MASK = META_DEC_MASK;
const TRUE_UP = F_TRUE_UP;
const centsAtScale = centsAt;
const scaledText = formatScaled;
const centsNumberText = formatCentsNumber;
const ratioText = formatRatio;
const attainmentRatioText = attainmentText;
const ratioCentsOf = ratioCents;
const P10s = P10;

const ZERO_FRACTION = { n: 0n, d: 1n };

/** A total as text; the memo lives as long as one component's period (young objects only: nothing for the scavenger to track). */
function total(ctx: FastLineContext, x: number, st: number): string {
  const memo = ctx.memo;
  if (x !== memo.total) {
    memo.total = x;
    memo.totalText = scaledText(x, st, 2, 12);
  }
  return memo.totalText;
}

/** a ÷ quota at 12 places (exact). */
function attainmentOf(ctx: FastLineContext, a: number, quota: bigint, st: number): string {
  const memo = ctx.memo;
  if (a !== memo.attainment) {
    memo.attainment = a;
    memo.attainmentText = attainmentRatioText(a, st, quota);
  }
  return memo.attainmentText;
}

/** A curve's rate n / d (at scale rs) as a slice shows it. */
function curveRateText(n: number, d: number, rs: number): string {
  return ratioText(n, d, 0, 12, rs) ?? formatExact(BigInt(n) * POW10[12 - rs], BigInt(d), 12, 0, 12);
}

/** A step tier's rate as a slice shows it, written once per table. */
function tierRateText(T: FastTable, i: number, rs: number): string {
  let text = T.sliceRateText[i];
  if (text === undefined) {
    text = scaledText(T.rate[i], rs, 0, 12);
    T.sliceRateText[i] = text;
  }
  return text;
}

/**
 * A fast line's explanation, made by one constructor that assigns every field it can
 * have, in the order the BigInt explainer writes them (an undefined one is left out):
 * V8 then gives each object room for all its fields at once, where fields added one by
 * one to a literal regrew a separate property store four or five times per line (most
 * of what a line allocated). Its own keys, their order and its JSON are the literal's.
 */
class FastLineOutput implements LineOutput {
  declare source: LineOutput['source'];
  declare transactionId?: string;
  declare reverses?: string;
  declare date?: string;
  declare share?: string;
  declare transactionAmount?: string;
  declare credited?: string;
  declare totalBefore?: string;
  declare totalAfter?: string;
  declare attainmentBefore?: string;
  declare attainmentAfter?: string;
  declare threshold?: string;
  declare slices?: SliceOutput[];
  declare base?: string;
  declare multiplier?: string;
  declare amount: string;

  constructor(
    source: LineOutput['source'],
    transactionId: string | undefined,
    reverses: string | undefined,
    date: string | undefined,
    share: string | undefined,
    transactionAmount: string | undefined,
    credited: string | undefined,
    totalBefore: string | undefined,
    totalAfter: string | undefined,
    attainmentBefore: string | undefined,
    attainmentAfter: string | undefined,
    threshold: string | undefined,
    slices: SliceOutput[] | undefined,
    base: string,
    multiplier: string | undefined,
    amount: string,
  ) {
    this.source = source;
    if (transactionId !== undefined) this.transactionId = transactionId;
    if (reverses !== undefined) this.reverses = reverses;
    if (date !== undefined) this.date = date;
    if (share !== undefined) this.share = share;
    if (transactionAmount !== undefined) this.transactionAmount = transactionAmount;
    if (credited !== undefined) this.credited = credited;
    if (totalBefore !== undefined) this.totalBefore = totalBefore;
    if (totalAfter !== undefined) this.totalAfter = totalAfter;
    if (attainmentBefore !== undefined) this.attainmentBefore = attainmentBefore;
    if (attainmentAfter !== undefined) this.attainmentAfter = attainmentAfter;
    if (threshold !== undefined) this.threshold = threshold;
    if (slices !== undefined) this.slices = slices;
    this.base = base;
    if (multiplier !== undefined) this.multiplier = multiplier;
    this.amount = amount;
  }
}

export class FastLineRenderer implements LineRenderer {
  private readonly shareText: string[] = [];
  /** the last two money figures written (a slice's "to" is the next line's "from"), and the last cents */
  private m0 = NaN;
  private s0 = -1;
  private t0 = '';
  private m1 = NaN;
  private s1 = -1;
  private t1 = '';
  private c0 = NaN;
  private ct0 = '';
  /** the line's running total as written (a slice's end at it, with at most two places, is the same text) */
  private memo: FastLineContext['memo'] | null = null;
  private memoSt = -1;

  /** x at scale st as money text (2 places, exact: rounded half away from zero as formatExact). */
  private money(x: number, st: number): string {
    if (x === this.m0 && st === this.s0) return this.t0;
    if (x === this.m1 && st === this.s1) return this.t1;
    const memo = this.memo;
    let text: string;
    // the running total's text when it has exactly two places (the point third from the end): the same money
    if (memo !== null && x === memo.total && st === this.memoSt && memo.totalText.charCodeAt(memo.totalText.length - 3) === 46) text = memo.totalText;
    else text = scaledText(x, st, 2, 2);
    this.m1 = this.m0;
    this.s1 = this.s0;
    this.t1 = this.t0;
    this.m0 = x;
    this.s0 = st;
    this.t0 = text;
    return text;
  }

  /** Cents as text; a line of one slice shows the slice's amount again. */
  private cents(c: number): string {
    if (c !== this.c0) {
      this.c0 = c;
      this.ct0 = centsNumberText(c);
    }
    return this.ct0;
  }

  fastLine(store: CreditStore, lines: FastLines, j: number, ctx: FastLineContext): LineOutput {
    const { component: c, spec, quota } = ctx;
    const { st, sl } = spec;
    const kind = lines.kind[j];
    const pos = lines.pos[j];
    const a = lines.a[j];
    const b = lines.b[j];
    this.memo = ctx.memo;
    this.memoSt = st;
    // fields in the order of the BigInt explainer's objects (JSON shows them in this order); undefined: absent
    let transactionId: string | undefined;
    let reverses: string | undefined;
    let date: string | undefined;
    let share: string | undefined;
    let transactionAmount: string | undefined;
    let credited: string | undefined;
    if (pos >= 0) {
      // what a line shows of its credit was gathered beside the position (the id too: see txIdAt)
      const meta = store.posMeta[pos];
      transactionId = store.txIdAt()[pos];
      if ((((meta >> 4) & 7) & REVERSAL) !== 0) reverses = store.reversesId.get(store.posTx[pos]) as string;
      date = store.dateOfRank[store.posDate[pos]];
      share = this.share(store, meta >>> SHARE_SHIFT);
      const dec = (meta & DEC_MASK) - 1;
      const mant = store.posMant[pos];
      transactionAmount = dec >= 0 ? scaledText(mant, dec, 2, 12) : formatExact(store.amount(store.posTx[pos]), 1n, 12, 2, 12);
      // credited at its share of 1 is the amount again (equal values, equal texts; the product is exact when it equals an integer below 2^53)
      const value = c.window === 'transaction' ? b : b - a;
      credited = dec >= 0 && value === mant * P10s[st - dec] ? transactionAmount : scaledText(value, st, 2, 12);
    }
    const attainment = c.basis === 'attainment' && quota !== undefined;
    let totalBefore: string | undefined;
    let totalAfter: string | undefined;
    let attainmentBefore: string | undefined;
    let attainmentAfter: string | undefined;
    if (c.window !== 'transaction') {
      totalBefore = total(ctx, a, st);
      totalAfter = total(ctx, b, st);
      if (attainment) {
        attainmentBefore = attainmentOf(ctx, a, quota, st);
        attainmentAfter = attainmentOf(ctx, b, quota, st);
      }
    } else if (attainment) attainmentAfter = attainmentOf(ctx, b, quota, st);
    let slices: SliceOutput[] | undefined;
    if (kind !== TRUE_UP) {
      let ka = c.window === 'transaction' ? 0 : a;
      let kb = b;
      let offset = 0;
      if (ctx.hasThreshold) {
        const th = ctx.threshold;
        ka = ka > th ? ka - th : 0;
        kb = kb > th ? kb - th : 0;
        offset = th;
      }
      slices = this.slices(ctx, ka, kb, offset);
    }
    const base = ctx.table.curve ? this.curveBase(ctx, a, b) : scaledText(lines.n[j], sl, 2, 12);
    return new FastLineOutput(
      kind === TRUE_UP ? 'true-up' : 'transaction',
      transactionId,
      reverses,
      date,
      share,
      transactionAmount,
      credited,
      totalBefore,
      totalAfter,
      attainmentBefore,
      attainmentAfter,
      ctx.hasThreshold ? ctx.thresholdText : undefined,
      slices,
      base,
      ctx.factor >= 0 ? ctx.multiplierText : undefined,
      this.cents(lines.cents[j]),
    );
  }

  /**
   * A curve's line before the multiplier, f(b) − f(a) at 12 places: a fraction. When
   * both ends share the rate's denominator (one segment, or beyond the points) and the
   * numerator stays exact in a float, it is written by `ratioText`; else with BigInt.
   */
  private curveBase(ctx: FastLineContext, a: number, b: number): string {
    const T = ctx.table;
    const t = ctx.threshold;
    const th = ctx.hasThreshold;
    const kb = th ? (b > t ? b - t : 0) : b;
    const windowed = ctx.component.window !== 'transaction';
    const ka = !windowed ? 0 : th ? (a > t ? a - t : 0) : a;
    if (ka >= 0 && kb >= 0) {
      T.curveRate(kb);
      const bn = T.rn;
      const bd = T.rd;
      if (ka !== 0) T.curveRate(ka);
      if (ka === 0 || T.rd === bd) {
        const fbn = kb * bn;
        const fan = ka === 0 ? 0 : ka * T.rn;
        // products and their difference exact (below 2^53), so the text is the fraction's
        if (fbn < 2 ** 53 && fan < 2 ** 53) {
          const text = ratioText(fbn - fan, bd, 2, 12, ctx.spec.sl);
          if (text !== null) return text;
        }
      }
    }
    const fb = T.exactValue(kb);
    const fa = windowed ? T.exactValue(ka) : ZERO_FRACTION;
    return formatExact(fb.n * fa.d - fa.n * fb.d, fb.d * fa.d, ctx.spec.sl, 2, 12);
  }

  private share(store: CreditStore, s: number): string {
    let text = this.shareText[s];
    if (text === undefined) {
      text = formatExact(store.shares[s], 1n, 12, 0, 12);
      this.shareText[s] = text;
    }
    return text;
  }

  private slices(ctx: FastLineContext, a: number, b: number, offset: number): SliceOutput[] {
    if (a === b && ctx.table.step) return [];
    if (a < 0 || b < 0) {
      // below zero the slices mirror around it: left to the BigInt explainer
      const up = POW10[24 - ctx.spec.st];
      const table = exactTableOf(ctx);
      const A = BigInt(a) * up;
      const B = BigInt(b) * up;
      const O = BigInt(offset) * up;
      return ctx.table.step ? stepSlices(table, A, B, O) : flatSlices(table, A, B, O);
    }
    if (ctx.table.curve) return this.curveSlices(ctx, a, b, offset);
    return ctx.table.step ? this.stepSlices(ctx, a, b, offset) : this.flatSlices(ctx, a, b, offset);
  }

  /** Curve: the new part at b's rate, then the uplift of the rate on what came before (rates are fractions here). */
  private curveSlices(ctx: FastLineContext, a: number, b: number, offset: number): SliceOutput[] {
    const T = ctx.table;
    const { st, sl } = ctx.spec;
    const rs = sl - st;
    T.curveRate(b);
    const rbn = T.rn;
    const rbd = T.rd;
    T.curveRate(a);
    const ran = T.rn;
    const rad = T.rd;
    // arrays written as literals of their final length (a push onto a literal regrows it to 17 slots)
    const first: SliceOutput = { from: this.money(a + offset, st), to: this.money(b + offset, st), rate: curveRateText(rbn, rbd, rs), amount: centsNumberText(ratioCentsOf(b - a, rbn, rbd, sl)) };
    if (a === 0) return [first];
    if (rad === rbd) {
      const up = rbn - ran;
      if (up === 0) return [first];
      return [first, { from: this.money(offset, st), to: this.money(a + offset, st), rate: curveRateText(up, rbd, rs), kind: 'uplift', amount: centsNumberText(ratioCentsOf(a, up, rbd, sl)) }];
    }
    // the rate crossed a point: the uplift is a fraction over both widths
    const upN = BigInt(rbn) * BigInt(rad) - BigInt(ran) * BigInt(rbd);
    if (upN === 0n) return [first];
    const upD = BigInt(rbd) * BigInt(rad);
    return [
      first,
      {
        from: this.money(offset, st),
        to: this.money(a + offset, st),
        rate: formatExact(upN * POW10[12 - rs], upD, 12, 0, 12),
        kind: 'uplift',
        amount: formatCents(sl >= 2 ? divRoundHalfUp(BigInt(a) * upN, upD * POW10[sl - 2]) : divRoundHalfUp(BigInt(a) * upN * POW10[2 - sl], upD)),
      },
    ];
  }

  /** Step, both totals ≥ 0: the tiers between a and b, each at its rate (0 below the first and beyond "to"). */
  private stepSlices(ctx: FastLineContext, a: number, b: number, offset: number): SliceOutput[] {
    const T = ctx.table;
    const { st, sl } = ctx.spec;
    const rs = sl - st;
    const up = a < b;
    const lo = up ? a : b;
    const hi = up ? b : a;
    const bounds = T.lo;
    const below = lo < bounds[0];
    const beyond = T.top !== Infinity && hi > T.top;
    // the slices counted first, so their array is made at its final length (pushes regrew it to 17 slots); filled in the line's direction
    let count = (below ? 1 : 0) + (beyond ? 1 : 0);
    for (let i = 0; i <= T.last; i++) {
      const sHi = i < T.last ? bounds[i + 1] : T.top === Infinity ? hi : T.top;
      if ((lo > bounds[i] ? lo : bounds[i]) < (hi < sHi ? hi : sHi)) count++;
    }
    const out = new Array<SliceOutput>(count);
    let k = up ? 0 : count - 1;
    const step = up ? 1 : -1;
    if (below) {
      out[k] = this.piece(up, lo, hi < bounds[0] ? hi : bounds[0], 0, '0', offset, st, sl);
      k += step;
    }
    for (let i = 0; i <= T.last; i++) {
      const sHi = i < T.last ? bounds[i + 1] : T.top === Infinity ? hi : T.top;
      const from = lo > bounds[i] ? lo : bounds[i];
      const to = hi < sHi ? hi : sHi;
      if (from < to) {
        out[k] = this.piece(up, from, to, T.rate[i], tierRateText(T, i, rs), offset, st, sl);
        k += step;
      }
    }
    if (beyond) out[k] = this.piece(up, lo > T.top ? lo : T.top, hi, 0, '0', offset, st, sl);
    return out;
  }

  /** One step slice from..to (in the direction of the line) at a rate. */
  private piece(up: boolean, from: number, to: number, rate: number, rateText: string, offset: number, st: number, sl: number): SliceOutput {
    const x = up ? from : to;
    const y = up ? to : from;
    return { from: this.money(x + offset, st), to: this.money(y + offset, st), rate: rateText, amount: this.cents(centsAtScale(rate * (y - x), sl)) };
  }

  /** Flat: the new part at b's rate, then the uplift on what came before (or a milestone reached). */
  private flatSlices(ctx: FastLineContext, a: number, b: number, offset: number): SliceOutput[] {
    const T: FastTable = ctx.table;
    const { st, sl } = ctx.spec;
    const rs = sl - st;
    const ib = b === 0 ? -1 : T.tierOf(b > T.top ? T.top : b, T.lower);
    if (ib >= 0 && T.amount[ib] === T.amount[ib]) {
      const amount = centsAtScale(T.value(b) - T.value(a), sl);
      return [{ from: this.money(a + offset, st), to: this.money(b + offset, st), tierAmount: scaledText(T.amount[ib], sl, 2, 2), kind: 'milestone', amount: centsNumberText(amount) }];
    }
    const rb = this.rateAt(T, b);
    const ra = this.rateAt(T, a);
    const first: SliceOutput = { from: this.money(a + offset, st), to: this.money(b + offset, st), rate: scaledText(rb, rs, 0, 12), amount: this.cents(centsAtScale((b - a) * rb, sl)) };
    const upliftRate = rb - ra;
    if (a === 0 || upliftRate === 0) return [first];
    return [first, { from: this.money(offset, st), to: this.money(a + offset, st), rate: scaledText(upliftRate, rs, 0, 12), kind: 'uplift', amount: centsNumberText(centsAtScale(a * upliftRate, sl)) }];
  }

  /** The rate of x's tier (flat; a milestone tier has none). */
  private rateAt(T: FastTable, x: number): number {
    const xc = x > T.top ? T.top : x;
    const i = T.tierOf(xc, T.lower);
    if (i < 0) return 0;
    return T.amount[i] === T.amount[i] ? 0 : T.rate[i];
  }
}

/** A fast line through the BigInt explainer (with its exact value): the reference the fast renderer is tested against. */
export function referenceLine(store: CreditStore, lines: FastLines, j: number, ctx: FastLineContext): LineOutput {
  const { spec, component: c, quota } = ctx;
  const up24 = POW10[24 - spec.st];
  const pos = lines.pos[j];
  const windowed = c.window !== 'transaction';
  let n: bigint;
  let d = 1n;
  if (!ctx.table.curve) n = BigInt(lines.n[j]) * POW10[36 - spec.sl];
  else {
    const t = ctx.hasThreshold ? ctx.threshold : 0;
    const key = (x: number): number => (ctx.hasThreshold ? (x > t ? x - t : 0) : x);
    const b = ctx.table.exactValue(key(lines.b[j]));
    const a = windowed ? ctx.table.exactValue(key(lines.a[j])) : ZERO_FRACTION;
    n = (b.n * a.d - a.n * b.d) * POW10[36 - spec.sl];
    d = b.d * a.d;
  }
  return explainCreditLine({
    line: {
      kind: lines.kind[j] === TRUE_UP ? 'true-up' : 'credit',
      credit: pos >= 0 ? store.view(store.order[pos]) : null,
      n,
      d,
      a: BigInt(lines.a[j]) * up24,
      b: BigInt(lines.b[j]) * up24,
      cents: BigInt(lines.cents[j]),
    },
    component: c,
    table: exactTableOf(ctx),
    quota,
    threshold: BigInt(ctx.threshold) * up24,
    hasThreshold: ctx.hasThreshold,
    factor: ctx.factor >= 0 ? { n: BigInt(ctx.factor) * POW10[12 - spec.sm], d: 1n } : null,
    ofAmount: 0n,
  });
}
