/**
 * Plan compile (spec §3, §4, §7): a Plan object — components, tables, draw — checked
 * key by key and turned into its compiled form. Used on its own when a plan version
 * is saved (`validatePlan`) and by the document compile for every plan of a document.
 */
import type { CompiledComponent, CompiledDraw, CompiledPlan, CompiledTable, CompiledTier } from './compiled-plan';
import { ONE, formatFixed, parseDecimal } from './exact-decimal';
import { Issues, RESERVED_NAMES, badCodePoint, checkKeys } from './input-rules';
import { type CalculationLimits, TOO_LARGE, withLimits } from './limits';
import type { PlanInput, ValidationResult } from './plan-language.types';

export type Json = Record<string, unknown>;

export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function isNonEmptyString(v: unknown): v is string {
  return typeof v === 'string' && v.trim().length > 0;
}

/** A string value: present, non-empty and free of NUL and unpaired surrogates; otherwise an issue. */
export function checkText(issues: Issues, path: string, v: unknown, what: string): v is string {
  if (!isNonEmptyString(v)) {
    issues.add(path, `${what} must be a non-empty string`, v);
    return false;
  }
  const bad = badCodePoint(v);
  if (bad !== null) {
    issues.add(path, `${what} ${bad}`, v);
    return false;
  }
  return true;
}

/** An id: a clean string that is not a name JavaScript objects reserve (ids become keys of the output). */
export function checkId(issues: Issues, path: string, v: unknown, what: string): v is string {
  if (!checkText(issues, path, v, what)) return false;
  if (RESERVED_NAMES.has(v)) {
    issues.add(path, `${what} "${v}" is a reserved name`, v);
    return false;
  }
  return true;
}

/** An optional free text (a name, a reason): a string without NUL or unpaired surrogates. */
export function checkOptionalText(issues: Issues, path: string, v: unknown): void {
  if (v === undefined || v === null) return;
  if (typeof v !== 'string') issues.add(path, 'must be a string', v);
  else {
    const bad = badCodePoint(v);
    if (bad !== null) issues.add(path, bad, v);
  }
}

export interface DecimalRule {
  min?: bigint;
  minExclusive?: boolean;
  max?: bigint;
  what?: string;
}

/** The parsed value, or the reason it is not acceptable. */
export function checkDecimal(raw: unknown, opts: DecimalRule): bigint | string {
  const r = parseDecimal(raw);
  if (!r.ok) return `${opts.what ?? 'value'} ${r.message}`;
  if (opts.min !== undefined && (opts.minExclusive ? r.value <= opts.min : r.value < opts.min)) {
    return `${opts.what ?? 'value'} must be ${opts.minExclusive ? 'greater than' : 'at least'} ${formatFixed(opts.min)}`;
  }
  if (opts.max !== undefined && r.value > opts.max) return `${opts.what ?? 'value'} must be at most ${formatFixed(opts.max)}`;
  return r.value;
}

export function decimal(issues: Issues, path: string, raw: unknown, opts: DecimalRule = {}): bigint | null {
  const r = checkDecimal(raw, opts);
  if (typeof r === 'string') {
    issues.add(path, r, raw);
    return null;
  }
  return r;
}

function stringList(issues: Issues, path: string, raw: unknown): Set<string> | null {
  if (raw === undefined || raw === null) return null;
  if (!Array.isArray(raw) || raw.length === 0 || !raw.every(isNonEmptyString)) {
    issues.add(path, 'must be a non-empty list of strings', raw);
    return null;
  }
  raw.forEach((v: string, i: number) => {
    const bad = badCodePoint(v);
    if (bad !== null) issues.add(`${path}[${i}]`, bad, v);
  });
  return new Set(raw as string[]);
}

export function oneOf<T extends string>(issues: Issues, path: string, raw: unknown, allowed: readonly T[], fallback: T): T {
  if (raw === undefined) return fallback;
  if (typeof raw === 'string' && (allowed as readonly string[]).includes(raw)) return raw as T;
  issues.add(path, `must be one of ${allowed.map((a) => `"${a}"`).join(', ')}`, raw);
  return fallback;
}

function checkBoolean(issues: Issues, path: string, raw: unknown): boolean {
  if (raw !== undefined && typeof raw !== 'boolean') issues.add(path, 'must be true or false', raw);
  return raw === true;
}

/** Decimals a scale-12 value needs (0 for 5, 2 for 0.07). */
export function decimalsOf(v: bigint): number {
  if (v === 0n) return 0;
  let dec = 12;
  let x = v < 0n ? -v : v;
  while (dec > 0 && x % 10n === 0n) {
    x /= 10n;
    dec--;
  }
  return dec;
}

// ---- tables ---------------------------------------------------------------

type Sign = 'positive' | 'negative';

function compileTable(issues: Issues, path: string, raw: unknown, role: 'table' | 'multiplier', componentBasis: CompiledTable['basis'], sign: Sign, limits: CalculationLimits): CompiledTable | null {
  if (!isObject(raw)) {
    issues.add(path, `${role} must be an object with tiers`, raw);
    return null;
  }
  checkKeys(issues, path, raw, role === 'multiplier' ? 'multiplier' : 'table');
  const split = oneOf(issues, `${path}.split`, raw.split, ['step', 'flat', 'curve'] as const, role === 'multiplier' ? 'flat' : 'step');
  const boundary = oneOf(issues, `${path}.boundary`, raw.boundary, ['higher', 'lower'] as const, 'higher');
  let basis = componentBasis;
  if (role === 'multiplier') basis = oneOf(issues, `${path}.basis`, raw.basis, ['amount', 'attainment'] as const, componentBasis);
  if (role === 'multiplier' && split === 'step') issues.add(`${path}.split`, 'a multiplier table must be "flat" or "curve"', raw.split);
  if (!Array.isArray(raw.tiers) || raw.tiers.length === 0) {
    issues.add(`${path}.tiers`, 'must be a non-empty list of tiers', raw.tiers);
    return null;
  }
  if (raw.tiers.length > limits.maxTiersPerTable) {
    issues.list.push({ path: `${path}.tiers`, message: `has ${raw.tiers.length} tiers; a table may have at most ${limits.maxTiersPerTable}`, value: `[a list of ${raw.tiers.length} tiers]`, code: TOO_LARGE });
    return null;
  }
  const rawTiers = raw.tiers as unknown[];
  const tiers: CompiledTier[] = [];
  let ok = true;
  // rates of a deduction are ≤ 0, of anything else ≥ 0; multiplier factors are never negative
  const rateRule = (what: string): DecimalRule => (role === 'multiplier' || sign === 'positive' ? { min: 0n, what } : { max: 0n, what });
  rawTiers.forEach((t: unknown, i: number) => {
    const tp = `${path}.tiers[${i}]`;
    if (!isObject(t)) {
      issues.add(tp, 'tier must be an object', t);
      ok = false;
      return;
    }
    checkKeys(issues, tp, t, 'tier');
    const from = decimal(issues, `${tp}.from`, t.from, { min: 0n, what: 'from' });
    const to = t.to === undefined ? null : decimal(issues, `${tp}.to`, t.to, { what: 'to' });
    const hasRate = t.rate !== undefined && t.rate !== null;
    const hasAmount = t.amount !== undefined && t.amount !== null;
    let rate: bigint | null = null;
    let amount: bigint | null = null;
    if (!hasRate && !hasAmount) {
      issues.add(tp, 'tier has neither rate nor amount', t);
      ok = false;
    } else if (hasRate && hasAmount) {
      issues.add(tp, 'tier gives both rate and amount; give one', t);
      ok = false;
    } else if (hasRate) {
      rate = signedDecimal(issues, `${tp}.rate`, t.rate, rateRule(role === 'multiplier' ? 'a multiplier factor' : 'rate'), role === 'table' && sign === 'positive');
      if (rate === null) ok = false;
    } else {
      amount = signedDecimal(issues, `${tp}.amount`, t.amount, rateRule('amount'), role === 'table' && sign === 'positive');
      if (amount === null) ok = false;
      if (role === 'multiplier') {
        issues.add(`${tp}.amount`, 'multiplier tiers need a rate (the factor)', t.amount);
        ok = false;
      } else if (split === 'curve') {
        issues.add(`${tp}.amount`, 'curve points need a rate', t.amount);
        ok = false;
      }
    }
    if (from === null || (t.to !== undefined && to === null)) ok = false;
    if (split === 'curve' && t.to !== undefined) {
      issues.add(`${tp}.to`, 'curve points have no "to"', t.to);
      ok = false;
    }
    tiers.push({ from: from ?? 0n, to, rate, amount });
  });
  const fromsValid = rawTiers.every((t) => isObject(t) && parseDecimal(t.from).ok);
  for (let i = 1; fromsValid && i < tiers.length; i++) {
    if (tiers[i].from <= tiers[i - 1].from) {
      issues.add(`${path}.tiers[${i}].from`, 'tiers must be strictly increasing in "from"', (rawTiers[i] as Json).from);
      ok = false;
    }
  }
  if (!ok) return null;
  tiers.forEach((t, i) => {
    if (t.to === null) return;
    const rawTo = (rawTiers[i] as Json).to;
    if (t.to <= t.from) {
      issues.add(`${path}.tiers[${i}].to`, '"to" must be greater than "from"', rawTo);
      ok = false;
    } else if (i + 1 < tiers.length && t.to !== tiers[i + 1].from) {
      issues.add(`${path}.tiers[${i}].to`, '"to" of a tier that is not the last must equal the next tier\'s "from" (no gaps or overlaps)', rawTo);
      ok = false;
    }
  });
  const last = tiers[tiers.length - 1];
  if (ok && split === 'step' && last.amount !== null && last.to === null) {
    issues.add(`${path}.tiers[${tiers.length - 1}]`, 'the last tier of a step table with an amount needs "to" (the amount is paid for filling the tier)', rawTiers[tiers.length - 1]);
    ok = false;
  }
  if (!ok) return null;
  let boundDecimals = 0;
  let rateDecimals = 0;
  let amountDecimals = 0;
  let maxRate = 0n;
  let maxAmount = 0n;
  for (const t of tiers) {
    boundDecimals = Math.max(boundDecimals, decimalsOf(t.from), t.to !== null ? decimalsOf(t.to) : 0);
    if (t.rate !== null) {
      rateDecimals = Math.max(rateDecimals, decimalsOf(t.rate));
      const a = t.rate < 0n ? -t.rate : t.rate;
      if (a > maxRate) maxRate = a;
    }
    if (t.amount !== null) {
      amountDecimals = Math.max(amountDecimals, decimalsOf(t.amount));
      const a = t.amount < 0n ? -t.amount : t.amount;
      if (a > maxAmount) maxAmount = a;
    }
  }
  return { split, boundary, basis, tiers, boundDecimals, rateDecimals, amountDecimals, maxRate, maxAmount };
}

/** A rate or amount with a sign rule; a negative one on an ordinary component says how to make it legal. */
function signedDecimal(issues: Issues, path: string, raw: unknown, rule: DecimalRule, mentionDeduction: boolean): bigint | null {
  const r = checkDecimal(raw, rule);
  if (typeof r !== 'string') return r;
  const negative = parseDecimal(raw);
  const hint = mentionDeduction && negative.ok && negative.value < 0n ? ' (a component that takes pay away is declared with "deduction": true)' : '';
  issues.add(path, `${r}${hint}`, raw);
  return null;
}

// ---- plans ----------------------------------------------------------------

export function compilePlan(issues: Issues, path: string, raw: unknown, limits: CalculationLimits): CompiledPlan | null {
  if (!isObject(raw)) {
    issues.add(path, 'plan must be an object', raw);
    return null;
  }
  const before = issues.count;
  checkKeys(issues, path, raw, 'plan');
  checkId(issues, `${path}.id`, raw.id, 'plan id');
  const components: CompiledComponent[] = [];
  const seen = new Map<string, number>();
  if (!Array.isArray(raw.components) || raw.components.length === 0) {
    issues.add(`${path}.components`, 'must be a non-empty list of components', raw.components);
  } else if (raw.components.length > limits.maxComponentsPerPlan) {
    issues.list.push({ path: `${path}.components`, message: `has ${raw.components.length} components; a plan may have at most ${limits.maxComponentsPerPlan}`, value: `[a list of ${raw.components.length} components]`, code: TOO_LARGE });
  } else {
    raw.components.forEach((c: unknown, i: number) => {
      const component = compileComponent(issues, `${path}.components[${i}]`, c, i, seen, components.length, limits);
      if (component !== null) components.push(component);
    });
  }
  const draw = raw.draw === undefined ? null : compileDraw(issues, `${path}.draw`, raw.draw);
  const cra = checkBoolean(issues, `${path}.clawbackReducesAttainment`, raw.clawbackReducesAttainment);
  if (issues.count > before) return null;
  const needsQuota = components.some((c) => (c.table !== null && c.table.basis === 'attainment') || (c.multiplier !== null && c.multiplier.basis === 'attainment'));
  return { id: raw.id as string, components, draw, clawbackReducesAttainment: cra, needsQuota };
}

function compileComponent(issues: Issues, cp: string, c: unknown, i: number, seen: Map<string, number>, index: number, limits: CalculationLimits): CompiledComponent | null {
  if (!isObject(c)) {
    issues.add(cp, 'component must be an object', c);
    return null;
  }
  checkKeys(issues, cp, c, 'component');
  if (checkId(issues, `${cp}.id`, c.id, 'component id') && seen.has(c.id)) issues.add(`${cp}.id`, 'duplicate component id', c.id);
  // kind only labels the component; when it is left out, "of" makes it a bonus
  const kind = oneOf(issues, `${cp}.kind`, c.kind, ['commission', 'bonus'] as const, c.of !== undefined ? 'bonus' : 'commission');
  const deduction = checkBoolean(issues, `${cp}.deduction`, c.deduction);
  const sign: Sign = deduction ? 'negative' : 'positive';
  const window = oneOf(issues, `${cp}.window`, c.window, ['transaction', 'period', 'run'] as const, 'period');
  const basis = oneOf(issues, `${cp}.basis`, c.basis, ['amount', 'attainment'] as const, 'amount');
  const types = stringList(issues, `${cp}.types`, c.types);
  const products = stringList(issues, `${cp}.products`, c.products);
  let of: string | null = null;
  let ofIndex = -1;
  let rate: bigint | null = null;
  let table: CompiledTable | null = null;
  if (c.of !== undefined) {
    if (kind !== 'bonus') issues.add(`${cp}.of`, '"of" is for kind "bonus" only', c.of);
    if (c.table !== undefined) issues.add(`${cp}.table`, 'give either "table" or "of" + "rate", not both', c.table);
    if (!isNonEmptyString(c.of)) issues.add(`${cp}.of`, 'must name a component', c.of);
    else if (!seen.has(c.of)) issues.add(`${cp}.of`, `names no earlier component of this plan (components are calculated in order)`, c.of);
    else {
      of = c.of;
      ofIndex = seen.get(c.of) as number;
    }
    rate = signedDecimal(issues, `${cp}.rate`, c.rate, deduction ? { max: 0n, what: 'rate' } : { min: 0n, what: 'rate' }, !deduction);
    for (const key of ['multiplier', 'threshold'] as const) {
      if (c[key] !== undefined) issues.add(`${cp}.${key}`, `a bonus "of" another component takes no ${key}`, c[key]);
    }
  } else {
    if (c.rate !== undefined) issues.add(`${cp}.rate`, '"rate" goes with "of"; a component with a table puts rates in its tiers', c.rate);
    if (c.table === undefined) issues.add(`${cp}.table`, 'a component needs a "table" (or, for a bonus, "of" + "rate")', c.table);
    else table = compileTable(issues, `${cp}.table`, c.table, 'table', basis, sign, limits);
  }
  let threshold: CompiledComponent['threshold'] = null;
  if (c.threshold !== undefined) {
    if (!isObject(c.threshold)) issues.add(`${cp}.threshold`, 'must be an object {amount, carryDeficit}', c.threshold);
    else {
      checkKeys(issues, `${cp}.threshold`, c.threshold, 'threshold');
      if (window !== 'period') issues.add(`${cp}.threshold`, 'a threshold needs window "period"', c.threshold);
      const amount = decimal(issues, `${cp}.threshold.amount`, c.threshold.amount, { min: 0n, what: 'threshold' });
      const carry = checkBoolean(issues, `${cp}.threshold.carryDeficit`, c.threshold.carryDeficit);
      if (amount !== null) threshold = { amount, carryDeficit: carry };
    }
  }
  const multiplier = c.multiplier === undefined ? null : compileTable(issues, `${cp}.multiplier`, c.multiplier, 'multiplier', basis, sign, limits);
  const cap = c.cap === undefined ? null : decimal(issues, `${cp}.cap`, c.cap, { min: 0n, what: deduction ? 'cap (the most this deduction takes in a period)' : 'cap' });
  if (isNonEmptyString(c.id) && !seen.has(c.id)) seen.set(c.id, index);
  return {
    id: typeof c.id === 'string' ? c.id : `#${i}`,
    index,
    kind,
    deduction,
    types,
    products,
    window,
    basis,
    table,
    threshold,
    multiplier,
    cap,
    of,
    ofIndex,
    rate,
  };
}

function compileDraw(issues: Issues, dp: string, d: unknown): CompiledDraw | null {
  if (!isObject(d)) {
    issues.add(dp, 'must be an object', d);
    return null;
  }
  checkKeys(issues, dp, d, 'draw');
  const type = oneOf(issues, `${dp}.type`, d.type, ['recoverable', 'nonRecoverable'] as const, 'recoverable');
  if (d.type === undefined) issues.add(`${dp}.type`, 'must be one of "recoverable", "nonRecoverable"', d.type);
  const amount = decimal(issues, `${dp}.amount`, d.amount, { min: 0n, what: 'draw amount' });
  const periods = stringList(issues, `${dp}.periods`, d.periods);
  if (d.periods === undefined) issues.add(`${dp}.periods`, 'must list the periods where the guarantee applies', d.periods);
  if (d.recoverFrom !== undefined) checkText(issues, `${dp}.recoverFrom`, d.recoverFrom, 'recoverFrom (a period id)');
  const recoveryRate = d.recoveryRate === undefined ? ONE : decimal(issues, `${dp}.recoveryRate`, d.recoveryRate, { min: 0n, max: ONE, what: 'recovery rate' });
  if (amount === null || periods === null || recoveryRate === null) return null;
  return { type, amount, periods, recoverFrom: isNonEmptyString(d.recoverFrom) ? d.recoverFrom : null, recoveryRate };
}

/** Validate one Plan object (§2), e.g. when a plan version is saved. */
export function validatePlan(plan: unknown, limits?: Partial<CalculationLimits>): ValidationResult<PlanInput> {
  const issues = new Issues();
  compilePlan(issues, '$', plan, withLimits(limits));
  return issues.count > 0 ? { ok: false, errors: issues.list } : { ok: true, value: plan as PlanInput };
}
