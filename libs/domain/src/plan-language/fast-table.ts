/**
 * The fast path: a component's arithmetic on integers held in plain numbers.
 *
 * Every figure of a component is a decimal; at a fixed scale it is an integer. A
 * number (IEEE double) holds every integer below 2^53 exactly, and adds, subtracts
 * and multiplies them exactly while results stay below 2^53. So before a
 * participant's component is calculated, `planFast` bounds every intermediate —
 * running totals, tier bounds, f(x), lines, lines × multiplier factor — from the
 * participant's own credits (Σ |amount × share|) and the plan's rates, at the scales
 * the figures need. Only when every bound is below 2^50 (a margin of 8 over what is
 * exact) does the component take the fast path; otherwise it is calculated with
 * BigInt, as before. Divisions never happen on the fast path: curves and
 * interpolated amounts that are not exact decimals stay on the BigInt path.
 *
 * Both paths give the same cents and the same explanations: the property test
 * `fast-path.properties.spec.ts` runs both on random documents.
 */
import type { CompiledComponent, CompiledParticipant, CompiledPeriod, CompiledTable } from './compiled-plan';
import { POW10, divRoundHalfUp, formatExact } from './exact-decimal';
import { decimalsOf } from './plan.compiler';

/** Largest bound accepted for any intermediate: 2^50 (exact up to 2^53). */
const SAFE = 2 ** 50;
const MAX_SCALE = 22;
/** 10^k as numbers, exact for k ≤ 22. */
export const P10: readonly number[] = Array.from({ length: MAX_SCALE + 1 }, (_, k) => 10 ** k);

/**
 * A table on the fast path: bounds at scale `st`, f(x) at scale `sl`. Step and flat
 * tables give f(x) exactly. A curve's f(x) = x × N / W (N and W exact integers) is a
 * division: `value` gives it as a float, and the caller rounds its lines through
 * `curveCents`, which proves the float's rounding exact or computes it with BigInt.
 */
export class FastTable {
  readonly step: boolean;
  readonly curve: boolean;
  readonly lower: boolean;
  /** tier bounds (scale st) */
  readonly lo: Float64Array;
  /** rate (scale sl − st); for a curve, the rate at each point */
  readonly rate: Float64Array;
  /** step: f(lo) (scale sl); flat: milestone amount (scale sl) or NaN for a rate tier */
  readonly cum: Float64Array;
  readonly amount: Float64Array;
  /** closing bound (scale st), Infinity when open */
  readonly top: number;
  readonly last: number;
  /** the exact rate of each tier as the output shows it (at most 12 places) */
  readonly rateText: string[];
  /** a step tier's rate as the explanation's slices write it, filled as they are written */
  readonly sliceRateText: string[] = [];
  /** segment of the last value() */
  seg = -1;
  /** curve: the rate at the last point looked up, as rn / rd (scale sl − st) */
  rn = 0;
  rd = 1;

  constructor(split: 'step' | 'flat' | 'curve', lower: boolean, lo: number[], rate: number[], amount: number[], top: number, rateText: string[]) {
    this.step = split === 'step';
    this.curve = split === 'curve';
    this.lower = lower;
    this.lo = Float64Array.from(lo);
    this.rate = Float64Array.from(rate);
    this.amount = Float64Array.from(amount);
    this.top = top;
    this.last = lo.length - 1;
    this.rateText = rateText;
    this.cum = new Float64Array(lo.length);
    if (this.step) {
      let cum = 0;
      for (let i = 0; i < lo.length; i++) {
        this.cum[i] = cum;
        const hi = i + 1 < lo.length ? lo[i + 1] : top;
        if (hi !== Infinity) cum += rate[i] * (hi - lo[i]);
      }
    }
  }

  /** Tier of x ≥ 0: the last with lo ≤ x (step, or boundary "higher") or lo < x ("lower"); −1 below the first. */
  tierOf(x: number, strict: boolean): number {
    const lo = this.lo;
    let i = this.last;
    if (i > 8) {
      // binary search for large tables
      let a = 0;
      let b = i + 1;
      while (a < b) {
        const m = (a + b) >>> 1;
        if (strict ? lo[m] < x : lo[m] <= x) a = m + 1;
        else b = m;
      }
      return a - 1;
    }
    while (i >= 0 && (strict ? lo[i] >= x : lo[i] > x)) i--;
    return i;
  }

  /** Curve: the rate at x ≥ 0 into rn / rd — 0 below the first point (a gate), linear between points, the last rate beyond. */
  curveRate(x: number): void {
    const lo = this.lo;
    this.rd = 1;
    if (x < lo[0] || (x === lo[0] && this.lower && x !== 0)) {
      this.rn = 0;
      return;
    }
    const last = this.last;
    if (x >= lo[last]) {
      this.rn = this.rate[last];
      return;
    }
    const i = this.tierOf(x, false);
    const w = lo[i + 1] - lo[i];
    this.rn = this.rate[i] * w + (this.rate[i + 1] - this.rate[i]) * (x - lo[i]);
    this.rd = w;
  }

  /** f(x) at scale sl for a running total x (scale st); sets `seg`. f(−x) = −f(x). A curve's is a float (see curveCents). */
  value(x: number): number {
    if (x < 0) return -this.value(-x);
    if (x === 0) {
      this.seg = this.step ? this.tierOf(0, false) : -1;
      return 0;
    }
    if (this.curve) {
      this.curveRate(x);
      return (x * this.rn) / this.rd;
    }
    const xc = x > this.top ? this.top : x;
    if (this.step) {
      const i = this.tierOf(xc, false);
      this.seg = i;
      return i < 0 ? 0 : this.cum[i] + this.rate[i] * (xc - this.lo[i]);
    }
    const i = this.tierOf(xc, this.lower);
    this.seg = i;
    if (i < 0) return 0;
    const a = this.amount[i];
    return a === a ? a : xc * this.rate[i];
  }

  /** A curve's f(x) exactly, as n / d at scale sl. */
  exactValue(x: number): { n: bigint; d: bigint } {
    if (x < 0) {
      const r = this.exactValue(-x);
      return { n: -r.n, d: r.d };
    }
    if (x === 0) return { n: 0n, d: 1n };
    this.curveRate(x);
    return { n: BigInt(x) * BigInt(this.rn), d: BigInt(this.rd) };
  }

  /** A multiplier's factor (scale of its rates) at x ≥ 0: the rate of x's tier (flat). */
  factor(x: number): number {
    const xc = x > this.top ? this.top : x;
    const i = this.tierOf(xc < 0 ? -xc : xc, this.lower);
    return i < 0 ? 0 : this.rate[i];
  }
}

/** How a participant's component runs on the fast path (null: on the BigInt path). */
export interface FastSpec {
  /** scale of running totals and credits */
  st: number;
  /** scale of f(x) and of lines */
  sl: number;
  /** scale of the multiplier's factors (0 without one) */
  sm: number;
  /** table and multiplier of each period (the same object when the basis is amount) */
  tables: FastTable[];
  multipliers: (FastTable | null)[];
  /** threshold at scale st */
  threshold: number;
}

function realOf(v: bigint): number {
  return Number(v) / 1e12;
}

/** Rates of a table in exact decimals (interpolated amounts converted), or null when one is not a decimal of at most 12 places. */
function exactRates(table: CompiledTable, unit: bigint): { rates: (bigint | null)[]; decimals: number } | null {
  const rates: (bigint | null)[] = [];
  let decimals = 0;
  const tiers = table.tiers;
  for (let i = 0; i < tiers.length; i++) {
    const t = tiers[i];
    if (t.rate !== null) {
      rates.push(t.rate);
      decimals = Math.max(decimals, decimalsOf(t.rate));
    } else if (table.split === 'step') {
      // an interpolated amount pays amount ÷ width per unit: a rate when that division is exact
      const hiFrom = i + 1 < tiers.length ? tiers[i + 1].from : (tiers[i].to as bigint);
      const width = (hiFrom - t.from) * unit; // scale 24 (unit scale 12)
      const num = (t.amount as bigint) * POW10[24]; // rate at scale 12 = amount(12) × 10^24 / width(24)
      if (num % width !== 0n) return null;
      const rate = num / width;
      rates.push(rate);
      decimals = Math.max(decimals, decimalsOf(rate));
    } else rates.push(null); // a flat milestone amount
  }
  return { rates, decimals };
}

const specCache = new Map<string, FastTable>();

function buildTable(table: CompiledTable, unit: bigint, st: number, sl: number, rates: (bigint | null)[], rateText: (r: bigint) => string): FastTable {
  // bounds: from (12) × unit (12) at scale 24 → scale st
  const toSt = (v: bigint): number => Number((v * unit) / POW10[24 - st]);
  const lo = table.tiers.map((t) => toSt(t.from));
  const lastTier = table.tiers[table.tiers.length - 1];
  const top = lastTier.to !== null ? toSt(lastTier.to) : Infinity;
  const rate = rates.map((r) => (r === null ? 0 : Number((r * POW10[sl - st]) / POW10[12])));
  const amount = table.tiers.map((t, i) => (rates[i] === null && t.amount !== null ? Number((t.amount * POW10[sl]) / POW10[12]) : NaN));
  const text = rates.map((r) => (r === null ? '0' : rateText(r)));
  return new FastTable(table.split, table.boundary === 'lower', lo, rate, amount, top, text);
}

/** What a component's fast plan is, for participants who share its scales and quotas; their bounds are checked apart. */
interface CachedPlan {
  spec: FastSpec;
  /** largest rate (currency per unit) and closing bound of the table, its largest flat amount, the multiplier's largest factor */
  rate: number;
  boundMax: number;
  flatAmount: number;
  factor: number;
  multiplierBound: number;
  curve: boolean;
}

const planCache = new Map<string, CachedPlan | null>();
const componentIds = new WeakMap<CompiledComponent, number>();
let nextComponentId = 1;

/**
 * The fast-path plan of one participant's table component, or null when some bound
 * could not be proved (the component then runs on the BigInt path). The scales and
 * tables are shared by every participant with the same decimals (and quotas, for
 * attainment); the bounds come from each participant's own credits.
 */
export function planFast(
  c: CompiledComponent,
  participant: CompiledParticipant,
  periods: readonly CompiledPeriod[],
  sumAbs: number,
  valueDecimals: number,
  rateText: (r: bigint) => string,
): FastSpec | null {
  const table = c.table;
  // a curve divides: on the fast path for windows without carried totals only (their lines are rounded by curveCents)
  if (table === null || (table.split === 'curve' && c.window === 'run')) return null;
  if (c.multiplier !== null && c.multiplier.split !== 'flat') return null;
  if (valueDecimals > 12) return null;
  const attainment = table.basis === 'attainment' || (c.multiplier !== null && c.multiplier.basis === 'attainment');
  const quotas: bigint[] | null = attainment ? periods.map((p) => participant.quota.get(p.id) ?? participant.quota.get('default') ?? 0n) : null;
  const credited = participant.state.credited.get(c.id) ?? 0n;
  const deficit = participant.state.deficit.get(c.id) ?? 0n;
  const paid = participant.state.paid.get(c.id);
  let id = componentIds.get(c);
  if (id === undefined) {
    id = nextComponentId++;
    componentIds.set(c, id);
  }
  const key = `${id}|${valueDecimals}|${quotas === null ? '' : quotas.join(',')}|${credited === 0n ? 0 : decimalsOf(credited)}|${deficit === 0n ? 0 : decimalsOf(deficit)}|${paid === undefined ? '-' : decimalsOf(paid)}`;
  let plan = planCache.get(key);
  if (plan === undefined) {
    plan = buildPlan(c, periods, quotas, valueDecimals, credited, deficit, paid, rateText);
    if (planCache.size > 10_000) planCache.clear();
    planCache.set(key, plan);
  }
  if (plan === null) return null;
  // this participant's bounds, in currency: totals, keys (total − threshold), f, lines × factor
  const { spec, rate, boundMax, flatAmount, factor, multiplierBound } = plan;
  const total = Math.abs(realOf(credited)) + sumAbs;
  const keyMax = Math.max(total + realOf(c.threshold?.amount ?? 0n) + realOf(deficit), boundMax);
  const f = Math.max(rate * keyMax, flatAmount, paid !== undefined ? Math.abs(realOf(paid)) : 0);
  const { st, sl, sm } = spec;
  if (keyMax * P10[st] > SAFE || 2 * f * P10[sl] > SAFE || 2 * f * P10[sl] * Math.max(1, factor * P10[sm]) > SAFE) return null;
  // a curve's rate numerator (rate × segment width, in total and rate units) must be exact too
  if (plan.curve && 2 * realOf(table.maxRate) * P10[sl - st] * boundMax * P10[st] > SAFE) return null;
  if (multiplierBound * P10[st] > SAFE) return null;
  return spec;
}

function buildPlan(
  c: CompiledComponent,
  periods: readonly CompiledPeriod[],
  quotaList: bigint[] | null,
  valueDecimals: number,
  credited: bigint,
  deficit: bigint,
  paid: bigint | undefined,
  rateText: (r: bigint) => string,
): CachedPlan | null {
  const table = c.table as CompiledTable;
  const attainment = table.basis === 'attainment';
  const mAttainment = c.multiplier !== null && c.multiplier.basis === 'attainment';
  const quotas = quotaList ?? periods.map(() => 0n);
  let quotaDecimals = 0;
  let maxQuota = 0n;
  if (attainment || mAttainment) {
    for (const q of quotas) {
      if (q <= 0n) return null;
      quotaDecimals = Math.max(quotaDecimals, decimalsOf(q));
      if (q > maxQuota) maxQuota = q;
    }
  }
  const thresholdAmount = c.threshold?.amount ?? 0n;
  // scale of totals: every credit, bound and carried figure must be an integer there
  let st = Math.max(valueDecimals, table.boundDecimals + (attainment ? quotaDecimals : 0), decimalsOf(thresholdAmount), decimalsOf(credited), decimalsOf(deficit));
  if (c.multiplier !== null) st = Math.max(st, c.multiplier.boundDecimals + (mAttainment ? quotaDecimals : 0));
  // rates, interpolated amounts converted, for every quota they are laid out on
  const units = attainment ? quotas : [POW10[12]];
  let rateDecimals = 0;
  const ratesByUnit: (bigint | null)[][] = [];
  for (const unit of units) {
    const r = exactRates(table, unit);
    if (r === null) return null;
    rateDecimals = Math.max(rateDecimals, r.decimals);
    ratesByUnit.push(r.rates);
  }
  const sl = Math.max(st + rateDecimals, table.amountDecimals, paid !== undefined ? decimalsOf(paid) : 0);
  const sm = c.multiplier !== null ? c.multiplier.rateDecimals : 0;
  if (sl + sm > MAX_SCALE || st > MAX_SCALE) return null;
  const unitMax = attainment ? realOf(maxQuota) : 1;
  const lastTier = table.tiers[table.tiers.length - 1];
  const boundMax = realOf(lastTier.to ?? lastTier.from) * unitMax;
  const rate = realOf(table.maxRate) + (table.split === 'step' && table.maxAmount > 0n ? rateBound(table, ratesByUnit) : 0);
  const factor = c.multiplier !== null ? realOf(c.multiplier.maxRate) : 1;
  let multiplierBound = 0;
  if (c.multiplier !== null) {
    const mLast = c.multiplier.tiers[c.multiplier.tiers.length - 1];
    multiplierBound = realOf(mLast.to ?? mLast.from) * (mAttainment ? realOf(maxQuota) : 1);
  }
  const tables: FastTable[] = [];
  const multipliers: (FastTable | null)[] = [];
  for (let k = 0; k < periods.length; k++) {
    const u = attainment ? k : 0;
    const unit = attainment ? quotas[k] : POW10[12];
    const tk = `${c.index}:${table.split}:${unit}:${st}:${sl}:${tableKey(table)}`;
    let t = specCache.get(tk);
    if (t === undefined) {
      t = buildTable(table, unit, st, sl, ratesByUnit[u], rateText);
      if (specCache.size > 5_000) specCache.clear();
      specCache.set(tk, t);
    }
    tables.push(t);
    if (c.multiplier === null) multipliers.push(null);
    else {
      const mUnit = mAttainment ? quotas[k] : POW10[12];
      const mk = `m:${c.index}:${mUnit}:${st}:${tableKey(c.multiplier)}`;
      let m = specCache.get(mk);
      if (m === undefined) {
        m = buildTable(c.multiplier, mUnit, st, st + sm, c.multiplier.tiers.map((x) => x.rate), rateText);
        if (specCache.size > 5_000) specCache.clear();
        specCache.set(mk, m);
      }
      multipliers.push(m);
    }
  }
  const threshold = Number((thresholdAmount * POW10[st]) / POW10[12]);
  const spec: FastSpec = { st, sl, sm, tables, multipliers, threshold };
  return { spec, rate, boundMax, flatAmount: table.split === 'flat' ? realOf(table.maxAmount) : 0, factor, multiplierBound, curve: table.split === 'curve' };
}

/** A bound on interpolated rates (amount ÷ width) of a step table, in currency. */
function rateBound(_table: CompiledTable, ratesByUnit: (bigint | null)[][]): number {
  let max = 0;
  for (const rates of ratesByUnit) for (const r of rates) if (r !== null) max = Math.max(max, Math.abs(realOf(r)));
  return max;
}

/** Tables are compared by identity of their compiled object; the id keeps cache keys apart across documents. */
const tableIds = new WeakMap<CompiledTable, number>();
let nextTableId = 1;
function tableKey(t: CompiledTable): number {
  let id = tableIds.get(t);
  if (id === undefined) {
    id = nextTableId++;
    tableIds.set(t, id);
  }
  return id;
}

/** n ÷ 10^k rounded half away from zero, exactly, for an integer n < 2^53 (k ≥ 0). */
export function roundDiv(n: number, k: number): number {
  if (k === 0) return n;
  const d = P10[k];
  let q = Math.trunc(n / d);
  let r = n - q * d;
  // the float quotient may be one off near a multiple: correct it exactly
  if (n >= 0) {
    if (r < 0) {
      q -= 1;
      r += d;
    } else if (r >= d) {
      q += 1;
      r -= d;
    }
    return 2 * r >= d ? q + 1 : q + 0;
  }
  if (r > 0) {
    q += 1;
    r -= d;
  } else if (r <= -d) {
    q -= 1;
    r += d;
  }
  // + 0: no negative zero
  return -2 * r >= d ? q - 1 : q + 0;
}

/**
 * Cents of a curve's line f(kb) − f(ka) (window transaction: f(kb)), times a
 * multiplier factor (scale sm) when there is one, rounded half away from zero, and
 * exact: the line is computed in floats with a bound on its error; when the result is
 * too close to half a cent for that bound to decide (or too large), it is computed
 * again with BigInt.
 */
export function curveCents(T: FastTable, windowed: boolean, ka: number, kb: number, fa: number, fb: number, factor: number, spec: FastSpec): number {
  const scale = factor >= 0 ? spec.sl + spec.sm : spec.sl;
  const line = windowed ? fb - fa : fb;
  const f = factor >= 0 ? factor : 1;
  const d = scale >= 2 ? P10[scale - 2] : 1 / P10[2 - scale];
  const v = (line * f) / d;
  // each f(x) carries at most 3 roundings; the difference, the factor and the scaling a few more
  const err = ((Math.abs(fa) + Math.abs(fb) + Math.abs(line)) * f * 2 ** -49) / d + 2 ** -40;
  const abs = v < 0 ? -v : v;
  const frac = abs - Math.floor(abs);
  if (scale >= 2 && abs < 2 ** 40 && err < 0.01 && Math.abs(frac - 0.5) > err) {
    const cents = Math.floor(abs + 0.5);
    return v < 0 ? -cents : cents;
  }
  const b = T.exactValue(kb);
  let n = b.n;
  let den = b.d;
  if (windowed) {
    const a = T.exactValue(ka);
    n = b.n * a.d - a.n * b.d;
    den = b.d * a.d;
  }
  if (factor >= 0) n *= BigInt(factor);
  return Number(scale >= 2 ? divRoundHalfUp(n, den * POW10[scale - 2]) : divRoundHalfUp(n * POW10[2 - scale], den));
}

/** An integer at `scale` to cents, rounded half away from zero (exact). */
export function centsAt(n: number, scale: number): number {
  return scale >= 2 ? roundDiv(n, scale - 2) : n * P10[2 - scale];
}

/**
 * An integer n at `scale` as a decimal text with at least `minPlaces` and at most
 * `maxPlaces` decimals, rounded half away from zero: the same text as `formatExact`.
 */
export function formatScaled(n: number, scale: number, minPlaces: number, maxPlaces: number): string {
  if (scale > maxPlaces) {
    n = roundDiv(n, scale - maxPlaces);
    scale = maxPlaces;
  }
  // the tables below hold fractions of up to 12 places (every caller's maxPlaces)
  if (scale > 12) return formatExact(BigInt(n), 1n, scale, minPlaces, maxPlaces);
  const negative = n < 0;
  const abs = negative ? -n : n;
  const sign = negative && abs !== 0 ? '-' : '';
  if (scale === 0) return minPlaces > 0 ? `${sign}${abs}.${ZEROS.slice(0, minPlaces)}` : `${sign}${abs}`;
  const p = P10[scale];
  let ip = Math.floor(abs / p);
  let fp = abs - ip * p;
  if (fp < 0) {
    ip -= 1;
    fp += p;
  } else if (fp >= p) {
    ip += 1;
    fp -= p;
  }
  // the fraction (below 10^12: scale is at most maxPlaces ≤ 12 here) as two 32-bit integers, hi × 10^8 + lo, so
  // stripping its trailing zeros (down to minPlaces) and writing its digits never needs a float % or a number's text
  let hiPlaces = 0;
  let hi = 0;
  let loPlaces = scale;
  let lo: number;
  if (scale > 8) {
    hi = Math.floor(fp / 1e8);
    lo = (fp - hi * 1e8) | 0;
    hiPlaces = scale - 8;
    loPlaces = 8;
  } else lo = fp | 0;
  let places = scale;
  while (places > minPlaces && loPlaces > 0 && lo % 10 === 0) {
    lo = (lo / 10) | 0;
    loPlaces--;
    places--;
  }
  if (loPlaces === 0 && hiPlaces > 0) {
    lo = hi | 0;
    loPlaces = hiPlaces;
    hiPlaces = 0;
    while (places > minPlaces && lo % 10 === 0) {
      lo = (lo / 10) | 0;
      loPlaces--;
      places--;
    }
  }
  // fewer places than asked for (a scale below minPlaces): zeros after them (5 at 1 place, 2 asked: "50")
  if (places < minPlaces) {
    lo *= P10[minPlaces - places];
    loPlaces = minPlaces;
    places = minPlaces;
  }
  // integer parts below 10^8 and every fraction from tables: one or two new strings where digits, point and padding made four or five
  let ipText: string;
  if (ip < 10000) ipText = SMALL_INT[ip];
  else if (ip < 1e8) {
    const h = Math.floor(ip / 10000);
    ipText = SMALL_INT[h] + digitTable(4)[ip - h * 10000];
  } else ipText = `${ip}`;
  if (places === 0) return negative && abs !== 0 ? `-${ipText}` : ipText;
  // the low digits, padded to loPlaces (after the high ones) or after the point (alone)
  let loText: string;
  const point = hiPlaces === 0;
  if (loPlaces <= 4) loText = (point ? fractionTable(loPlaces) : digitTable(loPlaces))[lo];
  else {
    const k = loPlaces - 4;
    const h = Math.floor(lo / 10000);
    loText = (point ? fractionTable(k) : digitTable(k))[h] + digitTable(4)[lo - h * 10000];
  }
  const f = point ? loText : fractionTable(hiPlaces)[hi] + loText;
  return `${sign}${ipText}${f}`;
}

const ZEROS = '0'.repeat(40);
/** "0" .. "9999" */
const SMALL_INT: readonly string[] = Array.from({ length: 10000 }, (_, i) => `${i}`);
/** by width w (1..4): the integers below 10^w written with w digits ("007"), and the same after a point (".007"); built on first use */
const DIGITS: string[][] = [];
const FRACTIONS: string[][] = [];
function digitTable(w: number): readonly string[] {
  let t = DIGITS[w];
  if (t === undefined) {
    t = Array.from({ length: P10[w] }, (_, i) => `${i}`.padStart(w, '0'));
    DIGITS[w] = t;
  }
  return t;
}
function fractionTable(w: number): readonly string[] {
  let t = FRACTIONS[w];
  if (t === undefined) {
    t = digitTable(w).map((d) => `.${d}`);
    FRACTIONS[w] = t;
  }
  return t;
}

/**
 * num ÷ den ÷ 10^shift (integers, den > 0) with at least `minPlaces` and at most
 * `maxPlaces` decimals, rounded half away from zero — the text `formatExact` gives —
 * by long division in floats, every step exact (remainder × 10^k stays below 2^53).
 * Null when the numbers are too large for that.
 */
export function formatRatio(num: number, den: number, minPlaces: number, maxPlaces: number, shift = 0): string | null {
  if (!(den > 0) || den >= 2 ** 49 || Math.abs(num) >= 2 ** 53 || shift > maxPlaces) return null;
  const negative = num < 0;
  const n = negative ? -num : num;
  let q = Math.floor(n / den);
  let r = n - q * den;
  if (r < 0) {
    q -= 1;
    r += den;
  } else if (r >= den) {
    q += 1;
    r -= den;
  }
  // digits of num ÷ den after the point, in chunks of k where r × 10^k < 2^53
  const places = maxPlaces - shift;
  let k = 1;
  while (k < 6 && den * P10[k + 1] < 2 ** 53) k++;
  let frac = 0;
  let got = 0;
  while (got < places) {
    const step = Math.min(k, places - got);
    const x = r * P10[step];
    let d = Math.floor(x / den);
    let rr = x - d * den;
    if (rr < 0) {
      d -= 1;
      rr += den;
    } else if (rr >= den) {
      d += 1;
      rr -= den;
    }
    frac = frac * P10[step] + d;
    r = rr;
    got += step;
  }
  if (2 * r >= den) {
    frac += 1;
    if (frac === P10[places]) {
      frac = 0;
      q += 1;
    }
  }
  // the value at maxPlaces decimals is q × 10^places + frac
  const scaled = q * P10[places] + frac;
  if (scaled >= 2 ** 53) return null;
  const text = formatScaled(scaled, maxPlaces, minPlaces, maxPlaces);
  return negative && scaled !== 0 ? `-${text}` : text;
}

/**
 * x × num ÷ den at `scale`, in cents (half away from zero), exactly: in floats with a
 * bound on their error, and with BigInt when that bound cannot decide.
 */
export function ratioCents(x: number, num: number, den: number, scale: number): number {
  const d = scale >= 2 ? P10[scale - 2] : 1 / P10[2 - scale];
  const v = (x * num) / den / d;
  const abs = v < 0 ? -v : v;
  const err = abs * 2 ** -50 + 2 ** -40;
  const frac = abs - Math.floor(abs);
  if (abs < 2 ** 40 && Math.abs(frac - 0.5) > err) {
    const cents = Math.floor(abs + 0.5);
    return v < 0 ? -cents : cents;
  }
  const n = BigInt(x) * BigInt(num);
  return Number(scale >= 2 ? divRoundHalfUp(n, BigInt(den) * POW10[scale - 2]) : divRoundHalfUp(n * POW10[2 - scale], BigInt(den)));
}

/** Cents (an integer) as "1234.50". */
export function formatCentsNumber(cents: number): string {
  return formatScaled(cents, 2, 2, 2);
}

const E12 = POW10[12];
const MAX_QUOTA = 2n ** 40n * E12;

/** a (scale st) ÷ quota (scale 12) at 12 places, as `formatExact` gives it: in floats when quota is a whole amount, else BigInt. */
export function attainmentText(a: number, st: number, quota: bigint): string {
  if (quota % E12 === 0n && quota < MAX_QUOTA) {
    const text = formatRatio(a, Number(quota / E12) * P10[st], 0, 12);
    if (text !== null) return text;
  }
  return formatExact(BigInt(a) * POW10[24 - st], quota, 12, 0, 12);
}
