/**
 * A table laid out in credit space for one participant and period: tier bounds are
 * converted to currency (attainment bounds × quota), so every lookup compares
 * BigInts at scale 24 and no division happens on the way.
 *
 * Results are exact fractions n/d at scale 36 (credit 24 × rate 12), left in the
 * `n`/`d` fields to spare an allocation per call.
 */
import type { CompiledTable } from './compiled-plan';
import { POW10 } from './exact-decimal';

const E24 = POW10[24];

interface Segment {
  lo: bigint;
  /** exclusive upper bound; null = open */
  hi: bigint | null;
  /** the tier's rate at scale 12 as rn/rd (rd ≠ 1 for interpolated amounts) */
  rn: bigint;
  rd: bigint;
  /** flat bonus amount at scale 36, or null when the tier has a rate */
  amount36: bigint | null;
  /** step: F(lo) at scale 36 */
  cum: bigint;
  /** curve: rate at this point (scale 12) */
  pointRate: bigint;
}

export class TierTable {
  n = 0n;
  d = 1n;
  readonly split: CompiledTable['split'];
  readonly lower: boolean;
  readonly segments: Segment[];
  /** closing `to` of the last tier in credit space, null = open */
  readonly top: bigint | null;
  private readonly lastIndex: number;

  /** `unit`: scale-12 value that converts a tier bound to scale-24 credit (1 or the quota). */
  constructor(table: CompiledTable, unit: bigint) {
    this.split = table.split;
    this.lower = table.boundary === 'lower';
    const tiers = table.tiers;
    const last = tiers[tiers.length - 1];
    this.top = last.to !== null ? last.to * unit : null;
    this.segments = [];
    let cum = 0n;
    for (let i = 0; i < tiers.length; i++) {
      const t = tiers[i];
      const lo = t.from * unit;
      const hi = i + 1 < tiers.length ? tiers[i + 1].from * unit : this.top;
      let rn = 0n;
      let rd = 1n;
      let amount36: bigint | null = null;
      if (t.rate !== null) rn = t.rate;
      else if (t.amount !== null) {
        amount36 = t.amount * E24;
        if (table.split === 'step' && hi !== null) {
          rn = t.amount * E24;
          rd = hi - lo;
        }
      }
      this.segments.push({ lo, hi, rn, rd, amount36, cum, pointRate: t.rate ?? 0n });
      if (table.split === 'step' && hi !== null) {
        cum += rd === 1n ? rn * (hi - lo) : (amount36 as bigint);
      }
    }
    this.lastIndex = this.segments.length - 1;
  }

  /** Index of the tier that x (≥ 0) falls in under the boundary rule; -1 below the first. */
  tierIndex(x: bigint): number {
    const segs = this.segments;
    for (let i = this.lastIndex; i >= 0; i--) {
      const lo = segs[i].lo;
      if (this.lower ? lo < x : lo <= x) return i;
    }
    return -1;
  }

  /**
   * f(x): what the table pays for an accumulated input x (scale 24), in `n`/`d`
   * (scale 36). step = integral of the rate, flat = x × rate of x's tier (or the
   * tier's amount), curve = x × interpolated rate. Negative x mirrors: f(−x) = −f(x).
   */
  value(x: bigint): void {
    if (x < 0n) {
      this.value(-x);
      this.n = -this.n;
      return;
    }
    if (x === 0n) {
      this.n = 0n;
      this.d = 1n;
      return;
    }
    const xc = this.top !== null && x > this.top ? this.top : x;
    if (this.split === 'step') {
      const segs = this.segments;
      let i = this.lastIndex;
      while (i >= 0 && segs[i].lo > xc) i--;
      if (i < 0) {
        this.n = 0n;
        this.d = 1n;
        return;
      }
      const s = segs[i];
      if (s.rd === 1n) {
        this.n = s.cum + s.rn * (xc - s.lo);
        this.d = 1n;
      } else {
        this.n = s.cum * s.rd + s.rn * (xc - s.lo);
        this.d = s.rd;
      }
      return;
    }
    if (this.split === 'flat') {
      const i = this.tierIndex(xc);
      if (i < 0) {
        this.n = 0n;
        this.d = 1n;
        return;
      }
      const s = this.segments[i];
      this.n = s.amount36 !== null ? s.amount36 : xc * s.rn;
      this.d = 1n;
      return;
    }
    this.rate(xc);
    this.n = xc * this.n;
  }

  /** The rate at x (scale 12) in `n`/`d`; for a flat bonus-amount tier, 0. x < 0 reads the rate at |x|. */
  rate(x: bigint): void {
    if (x < 0n) x = -x;
    const segs = this.segments;
    this.d = 1n;
    if (this.split === 'curve') {
      const first = segs[0];
      if (x < first.lo || (x === first.lo && this.lower && x !== 0n)) {
        this.n = 0n;
        return;
      }
      const last = segs[this.lastIndex];
      if (x >= last.lo) {
        this.n = last.pointRate;
        return;
      }
      let i = this.lastIndex - 1;
      while (segs[i].lo > x) i--;
      const s = segs[i];
      const w = segs[i + 1].lo - s.lo;
      this.n = s.pointRate * w + (segs[i + 1].pointRate - s.pointRate) * (x - s.lo);
      this.d = w;
      return;
    }
    const xc = this.top !== null && x > this.top ? this.top : x;
    if (this.top !== null && x > this.top && this.split === 'step') {
      this.n = 0n;
      return;
    }
    const i = this.split === 'step' ? this.stepIndex(xc) : this.tierIndex(xc);
    if (i < 0) {
      this.n = 0n;
      return;
    }
    const s = segs[i];
    this.n = s.amount36 !== null && this.split !== 'step' ? 0n : s.rn;
    this.d = s.rd;
  }

  private stepIndex(x: bigint): number {
    const segs = this.segments;
    for (let i = this.lastIndex; i >= 0; i--) if (segs[i].lo <= x) return i;
    return -1;
  }
}
