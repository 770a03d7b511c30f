/**
 * Explainability: the structured explanation of every line (source, credited value,
 * tier slices, multiplier, amount) and sentences a rep can read.
 */
import type { CompiledComponent, CompiledCredit } from './compiled-plan';
import { POW10, divRoundHalfUp, formatCents, formatExact, parseDecimal } from './exact-decimal';
import type { ComponentOutput, LineOutput, ParticipantPeriodOutput, SliceOutput } from './plan-language.types';
import type { TierTable } from './tier-table.evaluator';

const E12 = POW10[12];
const TO_CENTS_36 = POW10[34];

export interface LineContext {
  line: {
    kind: 'credit' | 'true-up' | 'clawback' | 'cap';
    credit: CompiledCredit | null;
    n: bigint;
    d: bigint;
    a: bigint;
    b: bigint;
    cents: bigint;
    fraction?: { n: bigint; d: bigint; original: bigint; capN: bigint; capD: bigint };
  };
  component: CompiledComponent;
  table: TierTable | null;
  quota: bigint | undefined;
  threshold: bigint;
  hasThreshold: boolean;
  factor: { n: bigint; d: bigint } | null;
  ofAmount: bigint;
}

const money24 = (v: bigint): string => formatExact(v, 1n, 24, 2, 2);
const exact24 = (v: bigint): string => formatExact(v, 1n, 24, 2, 12);
const rate12 = (n: bigint, d: bigint): string => formatExact(n, d, 12, 0, 12);
const cents36 = (n: bigint, d: bigint): string => formatCents(divRoundHalfUp(n, d * TO_CENTS_36));

/** Step: cut the path a→b at every tier bound (mirrored below zero) and price each piece. */
export function stepSlices(table: TierTable, a: bigint, b: bigint, offset: bigint): SliceOutput[] {
  if (a === b) return [];
  if (a >= 0n && b >= 0n) return stepSlicesPositive(table, a, b, offset);
  const lo = a < b ? a : b;
  const hi = a < b ? b : a;
  const cuts = new Set<bigint>([lo, hi]);
  const bounds: bigint[] = [0n];
  for (const s of table.segments) bounds.push(s.lo);
  if (table.top !== null) bounds.push(table.top);
  for (const x of bounds) {
    for (const y of [x, -x]) if (y > lo && y < hi) cuts.add(y);
  }
  const points = [...cuts].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
  if (a > b) points.reverse();
  const slices: SliceOutput[] = [];
  for (let i = 0; i + 1 < points.length; i++) {
    const p = points[i];
    const q = points[i + 1];
    const mid = p + q; // twice the midpoint: only its tier matters
    table.rate(mid < 0n ? -mid / 2n : mid / 2n);
    const n = table.n * (q - p);
    slices.push({ from: money24(p + offset), to: money24(q + offset), rate: rate12(table.n, table.d), amount: cents36(n, table.d) });
  }
  return slices;
}

/** The usual case, both totals ≥ 0: walk the tiers once. */
function stepSlicesPositive(table: TierTable, a: bigint, b: bigint, offset: bigint): SliceOutput[] {
  const up = a < b;
  const lo = up ? a : b;
  const hi = up ? b : a;
  const pieces: { from: bigint; to: bigint; rn: bigint; rd: bigint }[] = [];
  const segs = table.segments;
  if (lo < segs[0].lo) pieces.push({ from: lo, to: hi < segs[0].lo ? hi : segs[0].lo, rn: 0n, rd: 1n });
  for (const s of segs) {
    const sHi = s.hi ?? hi;
    const from = lo > s.lo ? lo : s.lo;
    const to = hi < sHi ? hi : sHi;
    if (from < to) pieces.push({ from, to, rn: s.rn, rd: s.rd });
  }
  if (table.top !== null && hi > table.top) pieces.push({ from: lo > table.top ? lo : table.top, to: hi, rn: 0n, rd: 1n });
  if (!up) pieces.reverse();
  return pieces.map((p) => {
    const [from, to] = up ? [p.from, p.to] : [p.to, p.from];
    return { from: money24(from + offset), to: money24(to + offset), rate: rate12(p.rn, p.rd), amount: cents36(p.rn * (to - from), p.rd) };
  });
}

/** Flat/curve: f(b) − f(a) = (b − a) × r(b) + a × (r(b) − r(a)): the new part, then the uplift on what came before. */
export function flatSlices(table: TierTable, a: bigint, b: bigint, offset: bigint): SliceOutput[] {
  if (table.split === 'flat') {
    const ib = b === 0n ? -1 : table.tierIndex(b < 0n ? -b : b);
    const seg = ib >= 0 ? table.segments[ib] : null;
    if (seg !== null && seg.amount36 !== null) {
      table.value(b);
      const fbN = table.n;
      table.value(a);
      return [{ from: money24(a + offset), to: money24(b + offset), tierAmount: formatExact(seg.amount36, 1n, 36, 2, 2), kind: 'milestone', amount: cents36(fbN - table.n, 1n) }];
    }
  }
  table.rate(b);
  const rbN = table.n;
  const rbD = table.d;
  table.rate(a);
  const raN = table.n;
  const raD = table.d;
  const slices: SliceOutput[] = [{ from: money24(a + offset), to: money24(b + offset), rate: rate12(rbN, rbD), amount: cents36((b - a) * rbN, rbD) }];
  const upN = rbN * raD - raN * rbD;
  if (a !== 0n && upN !== 0n) {
    slices.push({ from: money24(offset), to: money24(a + offset), rate: rate12(upN, rbD * raD), kind: 'uplift', amount: cents36(a * upN, rbD * raD) });
  }
  return slices;
}

export function explainCreditLine(ctx: LineContext): LineOutput {
  const { line, component: c, table } = ctx;
  const amount = formatCents(line.cents);
  if (line.kind === 'cap') {
    return { source: 'cap', reason: `capped at ${formatExact(c.cap as bigint, 1n, 12, 2, 12)} per period`, amount };
  }
  if (c.of !== null) {
    return { source: 'bonus', of: c.of, credited: formatCents(ctx.ofAmount), rate: rate12(c.rate as bigint, 1n), amount };
  }
  const credit = line.credit;
  if (line.kind === 'clawback' && credit !== null) {
    const f = line.fraction as NonNullable<LineContext['line']['fraction']>;
    const out: LineOutput = {
      source: 'clawback',
      transactionId: credit.transactionId,
      reverses: credit.reverses as string,
      date: credit.date,
      share: rate12(credit.share, 1n),
      transactionAmount: formatExact(credit.amount, 1n, 12, 2, 12),
      originalAmount: formatCents(f.original),
      fraction: rate12(f.n * E12, f.d),
      amount,
    };
    if (f.capN !== f.capD) {
      delete (out as Partial<LineOutput>).amount;
      out.capShare = rate12(f.capN * E12, f.capD);
      out.amount = amount;
    }
    return out;
  }
  const out: LineOutput = { source: line.kind === 'true-up' ? 'true-up' : 'transaction', amount: '' };
  if (credit !== null) {
    out.transactionId = credit.transactionId;
    if (credit.reverses !== null) out.reverses = credit.reverses;
    out.date = credit.date;
    out.share = rate12(credit.share, 1n);
    out.transactionAmount = formatExact(credit.amount, 1n, 12, 2, 12);
    out.credited = exact24(c.window === 'transaction' ? line.b : line.b - line.a);
  }
  if (c.window !== 'transaction') {
    out.totalBefore = exact24(line.a);
    out.totalAfter = exact24(line.b);
    if (c.basis === 'attainment' && ctx.quota !== undefined) {
      out.attainmentBefore = rate12(line.a, ctx.quota);
      out.attainmentAfter = rate12(line.b, ctx.quota);
    }
  } else if (c.basis === 'attainment' && ctx.quota !== undefined) {
    out.attainmentAfter = rate12(line.b, ctx.quota);
  }
  if (ctx.hasThreshold) out.threshold = exact24(ctx.threshold);
  if (table !== null && line.kind === 'credit') {
    let a = c.window === 'transaction' ? 0n : line.a;
    let b = line.b;
    let offset = 0n;
    if (ctx.hasThreshold) {
      a = a > ctx.threshold ? a - ctx.threshold : 0n;
      b = b > ctx.threshold ? b - ctx.threshold : 0n;
      offset = ctx.threshold;
    }
    out.slices = table.split === 'step' ? stepSlices(table, a, b, offset) : flatSlices(table, a, b, offset);
  }
  out.base = formatExact(line.n, line.d, 36, 2, 12);
  if (ctx.factor !== null) out.multiplier = rate12(ctx.factor.n, ctx.factor.d);
  delete (out as Partial<LineOutput>).amount; // keep "amount" last in the JSON
  out.amount = amount;
  return out;
}

// ---- sentences --------------------------------------------------------------

const GROUP = /\B(?=(\d{3})+(?!\d))/g;

/** "40000.5" → "40,000.50" (2 places at least). */
export function formatMoney(text: string): string {
  const negative = text.startsWith('-');
  const [whole, frac = ''] = (negative ? text.slice(1) : text).split('.');
  const f = frac.length >= 2 ? frac : frac.padEnd(2, '0');
  return `${negative ? '-' : ''}${whole.replace(GROUP, ',')}.${f}`;
}

/** "0.065" → "6.5%" (exact, no float). */
export function formatPercent(rate: string): string {
  const parsed = parseDecimal(rate);
  if (!parsed.ok) return `${rate}`;
  return `${formatExact(parsed.value * 100n, 1n, 12, 0, 10)}%`;
}

function sliceSentence(s: SliceOutput): string {
  if (s.kind === 'milestone') return `reaching ${formatMoney(s.to)} earns the ${formatMoney(s.tierAmount ?? '0')} tier = ${formatMoney(s.amount)}`;
  const width = formatMoney(subtractDisplay(s.to, s.from));
  if (s.kind === 'uplift') return `uplift of ${formatPercent(s.rate ?? '0')} on the earlier ${width} = ${formatMoney(s.amount)}`;
  return `${width} at ${formatPercent(s.rate ?? '0')} = ${formatMoney(s.amount)}`;
}

function toCentsString(text: string): bigint {
  const negative = text.startsWith('-');
  const [w, f = ''] = (negative ? text.slice(1) : text).split('.');
  const v = BigInt(w) * 100n + BigInt((f + '00').slice(0, 2));
  return negative ? -v : v;
}

function subtractDisplay(to: string, from: string): string {
  return formatCents(toCentsString(to) - toCentsString(from));
}

/** One line as a sentence, e.g. "Deal O-2, your 50% of 40,000.00 = 20,000.00: 20,000.00 at 6% = 1,200.00". */
export function explainLine(line: LineOutput, currency = ''): string {
  const cur = currency ? `${currency} ` : '';
  const amount = `${cur}${formatMoney(line.amount)}`;
  switch (line.source) {
    case 'cap':
      return `Cap: ${line.reason ?? 'period cap'}, ${amount}`;
    case 'adjustment':
      return `Adjustment${line.reason ? ` (${line.reason})` : ''}: ${amount}`;
    case 'draw':
      return `Draw: ${line.reason ?? 'guaranteed minimum'}, ${amount}`;
    case 'recovery':
      return `Draw recovery: ${line.reason ?? ''}, ${amount}`;
    case 'bonus':
      return `Bonus: ${formatPercent(line.rate ?? '0')} of ${line.of} ${cur}${formatMoney(line.credited ?? '0')} = ${amount}`;
    case 'clawback':
      if (line.capShare !== undefined) {
        return `Clawback of deal ${line.reverses} (cancelled by ${line.transactionId}): ${formatPercent(line.fraction ?? '1')} of the ${cur}${formatMoney(line.originalAmount ?? '0')} its lines earned, of which that period's cap let ${formatPercent(line.capShare)} through = ${amount}`;
      }
      return `Clawback of deal ${line.reverses} (cancelled by ${line.transactionId}): ${formatPercent(line.fraction ?? '1')} of the ${cur}${formatMoney(line.originalAmount ?? '0')} paid = ${amount}`;
    case 'true-up':
      return `True-up of the running total ${cur}${formatMoney(line.totalAfter ?? '0')} to today's rates: ${amount}`;
    default: {
      const parts: string[] = [];
      const head = `Deal ${line.transactionId}${line.reverses ? ` (reverses ${line.reverses})` : ''}, your ${formatPercent(line.share ?? '1')} of ${cur}${formatMoney(line.transactionAmount ?? '0')} = ${cur}${formatMoney(line.credited ?? '0')}`;
      for (const s of line.slices ?? []) parts.push(sliceSentence(s));
      let text = parts.length > 0 ? `${head}: ${parts.join('; ')}` : head;
      if (line.threshold !== undefined) text += ` (after a threshold of ${cur}${formatMoney(line.threshold)})`;
      if (line.multiplier !== undefined && line.multiplier !== '1') text += `, × ${line.multiplier} multiplier`;
      if (parts.length !== 1 || line.multiplier !== undefined) text += ` = ${amount}`;
      return text;
    }
  }
}

/** A participant's period as readable sentences, component by component. */
export function explainParticipantPeriod(result: ParticipantPeriodOutput, currency = ''): string[] {
  const cur = currency ? `${currency} ` : '';
  const out: string[] = [];
  const component = (c: ComponentOutput): void => {
    out.push(`${c.id}: ${cur}${formatMoney(c.amount)}${c.attainment !== undefined ? ` (attainment ${formatPercent(c.attainment)})` : ''}`);
    for (const line of c.lines) out.push(`  ${explainLine(line, currency)}`);
  };
  result.components.forEach(component);
  for (const line of result.lines) out.push(explainLine(line, currency));
  out.push(`Earnings ${cur}${formatMoney(result.earnings)}, draw ${cur}${formatMoney(result.draw)}, recovery ${cur}${formatMoney(result.recovery)}, payout ${cur}${formatMoney(result.payout)}`);
  return out;
}
