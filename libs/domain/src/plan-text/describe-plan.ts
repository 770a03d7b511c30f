/**
 * A plan in plain words, for the document a rep accepts: one summary sentence per component,
 * the detail lines (window, threshold, multiplier, cap) and a table of its tiers.
 * Numbers are formatted from their decimal text, never through binary floating point.
 */
import type { ComponentInput, DrawInput, PlanInput, TableInput, TierInput } from '../plan-language/plan-language.types';

export interface TextTable {
  columns: string[];
  rows: string[][];
}

export interface ComponentDescription {
  id: string;
  heading: string;
  summary: string;
  details: string[];
  table?: TextTable;
  multiplierTable?: TextTable;
}

export interface PlanDescription {
  components: ComponentDescription[];
  /** Draw, clawback and other terms that apply to the whole plan. */
  terms: string[];
}

export interface DescribeOptions {
  /** ISO code shown with amounts (e.g. `USD`); amounts are plain numbers without it. */
  currency?: string;
}

/** What accepting means; printed on the document and repeated in the invitation email. */
export const ACCEPTANCE_TERMS: readonly string[] = [
  'By accepting, you confirm that you have received and read this plan document, whose rules are identified by the plan rules fingerprint printed at its end.',
  'The plan applies to you from its effective date once you accept it; until then no payout is calculated under it.',
  'Your acceptance is recorded with the time, your network address and browser, the plan rules fingerprint printed here, and the SHA-256 of this PDF file as you received it.',
  'You may decline with a reason instead; your manager and sales operations are told and will follow up.',
];

export function describePlan(plan: PlanInput, options: DescribeOptions = {}): PlanDescription {
  const money = (v: DecimalText) => formatAmount(v, options.currency);
  const byId = new Map(plan.components.map((c) => [c.id, c]));
  const components = plan.components.map((c) => describeComponent(c, byId, money));
  const terms: string[] = [];
  if (plan.draw) terms.push(describeDraw(plan.draw, money));
  terms.push(
    plan.clawbackReducesAttainment
      ? 'A cancelled deal is reversed as a negative credit at the tiers that apply when it is cancelled; it lowers your running total and attainment.'
      : 'A cancelled deal takes back exactly what it paid (a clawback); it does not change your running total or attainment.',
  );
  return { components, terms };
}

type DecimalText = string | number;
type Money = (v: DecimalText) => string;

function describeComponent(c: ComponentInput, byId: Map<string, ComponentInput>, money: Money): ComponentDescription {
  const basis = c.basis ?? 'amount';
  const heading = `${humanize(c.id)} (${c.deduction ? 'deduction' : c.kind === 'bonus' ? 'bonus' : 'commission'})`;
  const what = scope(c);
  const details: string[] = [];
  let summary: string;
  let table: TextTable | undefined;

  if (c.kind === 'bonus' && c.of !== undefined && c.rate !== undefined) {
    const base = byId.get(c.of);
    summary = `Bonus of ${percent(c.rate)} of what the ${base ? `"${base.id}"` : c.of} component pays in the period`;
  } else if (c.table) {
    const split = c.table.split ?? 'step';
    const key = basis === 'attainment' ? 'by attainment' : 'by amount';
    const tiers = sortedTiers(c.table);
    const ranges = tiers.map((t, i) => `${rangeLabel(t, tiers[i + 1], basis, money)} ${tierPays(t, c.kind, money)}`);
    const how =
      split === 'step'
        ? `graduated ${key}`
        : split === 'flat'
          ? `${key}, retroactive: the whole total earns the rate of the highest tier reached`
          : `${key} on a sliding scale between the points`;
    summary = `${c.kind === 'bonus' ? 'Bonus' : 'Commission'} on ${what}, ${how}: ${ranges.join(', ')}`;
    table = tierTable(tiers, basis, c.kind, money, split === 'curve');
    if (split === 'step' && tiers.some((t) => t.amount !== undefined)) {
      details.push('A tier with a fixed amount pays that amount for filling the whole tier, pro rata for a part of it.');
    }
  } else {
    summary = `${c.kind === 'bonus' ? 'Bonus' : 'Commission'} on ${what}`;
  }

  // a deduction's rates are negative: say in words that it takes pay away
  if (c.deduction) details.push('This is a deduction: it lowers your pay by the rates shown (negative amounts)' + (c.cap !== undefined ? `, by at most ${money(c.cap)} in a period.` : '.'));
  if (c.of === undefined) details.push(windowText(c));
  if (c.threshold) {
    details.push(
      `Nothing is paid until the period's total passes ${money(c.threshold.amount)}` +
        (c.threshold.carryDeficit ? '; a shortfall is added to the next period\'s threshold.' : '.'),
    );
  }
  let multiplierTable: TextTable | undefined;
  if (c.multiplier) {
    const mBasis = c.multiplier.basis ?? basis;
    const tiers = sortedTiers(c.multiplier);
    const factors = tiers.map((t, i) => `${rangeLabel(t, tiers[i + 1], mBasis, money)} × ${plain(t.rate ?? 1)}`);
    details.push(`Every payment of the period is multiplied by a factor set by the period's ${mBasis === 'attainment' ? 'attainment' : 'total'}: ${factors.join(', ')}.`);
    multiplierTable = {
      columns: [mBasis === 'attainment' ? 'Attainment' : 'Total', 'Factor'],
      rows: tiers.map((t, i) => [rangeLabel(t, tiers[i + 1], mBasis, money), plain(t.rate ?? 1)]),
    };
  }
  if (c.cap !== undefined && !c.deduction) details.push(`Capped at ${money(c.cap)} per period; anything above is not paid or carried.`);
  return { id: c.id, heading, summary, details, table, multiplierTable };
}

function scope(c: ComponentInput): string {
  const types = c.types && c.types.length > 0 ? c.types.join(' and ') : 'all credited sales';
  const products = c.products && c.products.length > 0 ? ` of ${c.products.join(', ')}` : '';
  return `${types}${products}`;
}

function windowText(c: ComponentInput): string {
  switch (c.window ?? 'period') {
    case 'transaction':
      return 'Each deal is rated on its own; nothing accumulates.';
    case 'run':
      return 'Credits accumulate over the whole plan year; the running total does not restart each period.';
    default:
      return 'Credits accumulate within each period; the total restarts at zero every period.';
  }
}

function describeDraw(d: DrawInput, money: Money): string {
  const periods = d.periods.length > 0 ? ` in ${d.periods[0]}${d.periods.length > 1 ? `–${d.periods[d.periods.length - 1]}` : ''}` : '';
  if (d.type === 'nonRecoverable') {
    return `Guaranteed minimum of ${money(d.amount)} per period${periods}: a shortfall is topped up and never recovered.`;
  }
  const from = d.recoverFrom ? ` from ${d.recoverFrom}` : '';
  const rate = d.recoveryRate !== undefined ? percent(d.recoveryRate) : '100%';
  return (
    `Recoverable draw of ${money(d.amount)} per period${periods}: a shortfall is advanced to you and recovered${from} ` +
    `from ${rate} of your earnings above the guarantee.`
  );
}

function sortedTiers(table: TableInput): TierInput[] {
  return [...table.tiers].sort((a, b) => compareDecimal(String(a.from), String(b.from)));
}

function rangeLabel(t: TierInput, next: TierInput | undefined, basis: string, money: Money): string {
  const fmt = (v: DecimalText) => (basis === 'attainment' ? percent(v) : money(v));
  const suffix = basis === 'attainment' ? ' of quota' : '';
  const upper = next?.from ?? t.to;
  if (upper === undefined) return `above ${fmt(t.from)}${suffix}`;
  return `${fmt(t.from)}–${fmt(upper)}${suffix}`;
}

function tierPays(t: TierInput, kind: ComponentInput['kind'], money: Money): string {
  if (t.rate !== undefined) return `at ${percent(t.rate)}`;
  if (t.amount !== undefined) return kind === 'bonus' ? `pays ${money(t.amount)}` : `pays ${money(t.amount)} for the tier`;
  return 'pays nothing';
}

function tierTable(tiers: TierInput[], basis: string, kind: ComponentInput['kind'], money: Money, curve: boolean): TextTable {
  const keyColumn = basis === 'attainment' ? 'Attainment' : 'Amount';
  return {
    columns: [curve ? `${keyColumn} (point)` : keyColumn, kind === 'bonus' && tiers.every((t) => t.amount !== undefined) ? 'Pays' : 'Rate'],
    rows: tiers.map((t, i) => [
      curve ? (basis === 'attainment' ? percent(t.from) : money(t.from)) : rangeLabel(t, tiers[i + 1], basis, money),
      t.rate !== undefined ? percent(t.rate) : t.amount !== undefined ? money(t.amount) : '—',
    ]),
  };
}

// ---- decimal text formatting (no floating point) -------------------------------------------

interface Parts {
  negative: boolean;
  int: string;
  frac: string;
}

function parts(v: DecimalText): Parts {
  const text = String(v).trim();
  const m = /^(-)?(\d*)(?:\.(\d*))?$/.exec(text);
  if (!m) return { negative: false, int: text, frac: '' };
  return { negative: m[1] === '-', int: (m[2] || '0').replace(/^0+(?=\d)/, ''), frac: (m[3] ?? '').replace(/0+$/, '') };
}

function join(p: Parts, group: boolean): string {
  const int = group ? p.int.replace(/\B(?=(\d{3})+(?!\d))/g, ',') : p.int;
  const sign = p.negative && (p.int !== '0' || p.frac !== '') ? '-' : '';
  return `${sign}${int}${p.frac ? `.${p.frac}` : ''}`;
}

/** A component id as a heading: `new-business` → `New business`, `enterpriseKicker` → `Enterprise kicker`. */
export function humanize(id: string): string {
  const words = id
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[-_\s]+/)
    .filter((w) => w !== '')
    .map((w) => w.toLowerCase());
  const text = words.join(' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** `0.045` → `4.5%`, `1.5` → `150%`: the decimal point moves two places. */
export function percent(v: DecimalText): string {
  const p = parts(v);
  const frac = p.frac.padEnd(2, '0');
  return `${join({ negative: p.negative, int: (p.int + frac.slice(0, 2)).replace(/^0+(?=\d)/, ''), frac: frac.slice(2) }, false)}%`;
}

/** Money, at least to the cent: `100000` → `100,000.00`, `1234.5` → `1,234.50`. */
export function formatAmount(v: DecimalText, currency?: string): string {
  const p = parts(v);
  const frac = p.frac.padEnd(2, '0');
  const text = join({ ...p, frac }, true);
  return currency ? `${currency} ${text}` : text;
}

function plain(v: DecimalText): string {
  return join(parts(v), false);
}

function compareDecimal(a: string, b: string): number {
  const pa = parts(a);
  const pb = parts(b);
  if (pa.negative !== pb.negative) return pa.negative ? -1 : 1;
  const width = Math.max(pa.frac.length, pb.frac.length);
  const ia = pa.int + pa.frac.padEnd(width, '0');
  const ib = pb.int + pb.frac.padEnd(width, '0');
  const cmp = ia.length !== ib.length ? ia.length - ib.length : ia < ib ? -1 : ia > ib ? 1 : 0;
  return pa.negative ? -cmp : cmp;
}
