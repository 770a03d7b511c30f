/**
 * Validation (spec §7) and compilation of plan documents: every problem is reported
 * at once with its JSON path and value; a document with any problem compiles to
 * nothing, so nothing is ever calculated from it.
 */
import type {
  CompiledAdjustment,
  CompiledComponent,
  CompiledDraw,
  CompiledParticipant,
  CompiledPeriod,
  CompiledPlan,
  CompiledState,
  CompiledTable,
  CompiledTier,
} from './compiled-plan';
import { CreditStore, TransactionIdIndex } from './credit.store';
import { ONE, parseDecimal } from './exact-decimal';
import type { PlanDocumentInput, PlanInput, ValidationIssue, ValidationResult } from './plan-language.types';

export interface CompiledDocument {
  currency: string;
  periods: CompiledPeriod[];
  plans: Map<string, CompiledPlan>;
  participants: CompiledParticipant[];
  /** every credit; slot i (`start[i]` .. `start[i + 1]`) holds participants[i]'s in calculation order */
  credits: CreditStore;
  adjustments: Map<string, CompiledAdjustment[]>;
}

type Json = Record<string, unknown>;

class Issues {
  readonly list: ValidationIssue[] = [];
  add(path: string, message: string, value: unknown): void {
    this.list.push({ path, message, value: value === undefined ? null : value });
  }
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isNonEmptyString(v: unknown): v is string {
  return typeof v === 'string' && v.trim().length > 0;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export function isIsoDate(v: unknown): v is string {
  if (typeof v !== 'string') return false;
  const m = ISO_DATE.exec(v);
  if (!m) return false;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  return day <= days;
}

interface DecimalRule {
  min?: bigint;
  minExclusive?: boolean;
  max?: bigint;
  what?: string;
}

/** The parsed value, or the reason it is not acceptable. */
function checkDecimal(raw: unknown, opts: DecimalRule): bigint | string {
  const r = parseDecimal(raw);
  if (!r.ok) return `${opts.what ?? 'value'} ${r.message}`;
  if (opts.min !== undefined && (opts.minExclusive ? r.value <= opts.min : r.value < opts.min)) {
    return `${opts.what ?? 'value'} must be ${opts.minExclusive ? 'greater than' : 'at least'} ${fmt(opts.min)}`;
  }
  if (opts.max !== undefined && r.value > opts.max) return `${opts.what ?? 'value'} must be at most ${fmt(opts.max)}`;
  return r.value;
}

function decimal(issues: Issues, path: string, raw: unknown, opts: DecimalRule = {}): bigint | null {
  const r = checkDecimal(raw, opts);
  if (typeof r === 'string') {
    issues.add(path, r, raw);
    return null;
  }
  return r;
}

const SHARE_RULE: DecimalRule = { min: 0n, minExclusive: true, max: ONE, what: 'share' };
const txPath = (i: number): string => `$.transactions[${i}]`;

function fmt(v: bigint): string {
  const whole = v / ONE;
  const frac = (v < 0n ? -v : v) % ONE;
  return frac === 0n ? whole.toString() : (Number(v) / 1e12).toString();
}

function stringList(issues: Issues, path: string, raw: unknown): Set<string> | null {
  if (raw === undefined || raw === null) return null;
  if (!Array.isArray(raw) || raw.length === 0 || !raw.every(isNonEmptyString)) {
    issues.add(path, 'must be a non-empty list of strings', raw);
    return null;
  }
  return new Set(raw as string[]);
}

function oneOf<T extends string>(issues: Issues, path: string, raw: unknown, allowed: readonly T[], fallback: T): T {
  if (raw === undefined) return fallback;
  if (typeof raw === 'string' && (allowed as readonly string[]).includes(raw)) return raw as T;
  issues.add(path, `must be one of ${allowed.map((a) => `"${a}"`).join(', ')}`, raw);
  return fallback;
}

// ---- tables ---------------------------------------------------------------

function compileTable(issues: Issues, path: string, raw: unknown, role: 'table' | 'multiplier', componentBasis: CompiledTable['basis']): CompiledTable | null {
  if (!isObject(raw)) {
    issues.add(path, `${role} must be an object with tiers`, raw);
    return null;
  }
  const split = oneOf(issues, `${path}.split`, raw.split, ['step', 'flat', 'curve'] as const, role === 'multiplier' ? 'flat' : 'step');
  const boundary = oneOf(issues, `${path}.boundary`, raw.boundary, ['higher', 'lower'] as const, 'higher');
  let basis = componentBasis;
  if (role === 'multiplier') basis = oneOf(issues, `${path}.basis`, raw.basis, ['amount', 'attainment'] as const, componentBasis);
  if (role === 'multiplier' && split === 'step') issues.add(`${path}.split`, 'a multiplier table must be "flat" or "curve"', raw.split);
  if (!Array.isArray(raw.tiers) || raw.tiers.length === 0) {
    issues.add(`${path}.tiers`, 'must be a non-empty list of tiers', raw.tiers);
    return null;
  }
  const tiers: CompiledTier[] = [];
  let ok = true;
  raw.tiers.forEach((t: unknown, i: number) => {
    const tp = `${path}.tiers[${i}]`;
    if (!isObject(t)) {
      issues.add(tp, 'tier must be an object', t);
      ok = false;
      return;
    }
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
      rate = decimal(issues, `${tp}.rate`, t.rate, { what: 'rate' });
      if (rate === null) ok = false;
    } else {
      amount = decimal(issues, `${tp}.amount`, t.amount, { what: 'amount' });
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
  const fromsValid = (raw.tiers as unknown[]).every((t) => isObject(t) && parseDecimal(t.from).ok);
  for (let i = 1; fromsValid && i < tiers.length; i++) {
    if (tiers[i].from <= tiers[i - 1].from) {
      issues.add(`${path}.tiers[${i}].from`, 'tiers must be strictly increasing in "from"', (raw.tiers as Json[])[i].from);
      ok = false;
    }
  }
  if (!ok) return null;
  tiers.forEach((t, i) => {
    if (t.to === null) return;
    const rawTo = (raw.tiers as Json[])[i].to;
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
    issues.add(`${path}.tiers[${tiers.length - 1}]`, 'the last tier of a step table with an amount needs "to" (the amount is paid for filling the tier)', (raw.tiers as Json[])[tiers.length - 1]);
    ok = false;
  }
  return ok ? { split, boundary, basis, tiers } : null;
}

// ---- plans ----------------------------------------------------------------

export function compilePlan(issues: Issues, path: string, raw: unknown): CompiledPlan | null {
  if (!isObject(raw)) {
    issues.add(path, 'plan must be an object', raw);
    return null;
  }
  const before = issues.list.length;
  if (!isNonEmptyString(raw.id)) issues.add(`${path}.id`, 'plan id must be a non-empty string', raw.id);
  const components: CompiledComponent[] = [];
  const seen = new Map<string, number>();
  if (!Array.isArray(raw.components) || raw.components.length === 0) {
    issues.add(`${path}.components`, 'must be a non-empty list of components', raw.components);
  } else {
    raw.components.forEach((c: unknown, i: number) => {
      const cp = `${path}.components[${i}]`;
      if (!isObject(c)) {
        issues.add(cp, 'component must be an object', c);
        return;
      }
      if (!isNonEmptyString(c.id)) issues.add(`${cp}.id`, 'component id must be a non-empty string', c.id);
      else if (seen.has(c.id)) issues.add(`${cp}.id`, 'duplicate component id', c.id);
      // kind only labels the component; when it is left out, "of" makes it a bonus
      const kind = oneOf(issues, `${cp}.kind`, c.kind, ['commission', 'bonus'] as const, c.of !== undefined ? 'bonus' : 'commission');
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
        rate = decimal(issues, `${cp}.rate`, c.rate, { what: 'rate' });
        for (const key of ['multiplier', 'threshold'] as const) {
          if (c[key] !== undefined) issues.add(`${cp}.${key}`, `a bonus "of" another component takes no ${key}`, c[key]);
        }
      } else {
        if (c.rate !== undefined) issues.add(`${cp}.rate`, '"rate" goes with "of"; a component with a table puts rates in its tiers', c.rate);
        if (c.table === undefined) issues.add(`${cp}.table`, 'a component needs a "table" (or, for a bonus, "of" + "rate")', c.table);
        else table = compileTable(issues, `${cp}.table`, c.table, 'table', basis);
      }
      let threshold: CompiledComponent['threshold'] = null;
      if (c.threshold !== undefined) {
        if (!isObject(c.threshold)) issues.add(`${cp}.threshold`, 'must be an object {amount, carryDeficit}', c.threshold);
        else {
          if (window !== 'period') issues.add(`${cp}.threshold`, 'a threshold needs window "period"', c.threshold);
          const amount = decimal(issues, `${cp}.threshold.amount`, c.threshold.amount, { min: 0n, what: 'threshold' });
          const carry = c.threshold.carryDeficit;
          if (carry !== undefined && typeof carry !== 'boolean') issues.add(`${cp}.threshold.carryDeficit`, 'must be true or false', carry);
          if (amount !== null) threshold = { amount, carryDeficit: carry === true };
        }
      }
      const multiplier = c.multiplier === undefined ? null : compileTable(issues, `${cp}.multiplier`, c.multiplier, 'multiplier', basis);
      const cap = c.cap === undefined ? null : decimal(issues, `${cp}.cap`, c.cap, { min: 0n, what: 'cap' });
      if (isNonEmptyString(c.id) && !seen.has(c.id)) seen.set(c.id, components.length);
      components.push({
        id: typeof c.id === 'string' ? c.id : `#${i}`,
        index: components.length,
        kind,
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
      });
    });
  }
  let draw: CompiledDraw | null = null;
  if (raw.draw !== undefined) {
    const d = raw.draw;
    const dp = `${path}.draw`;
    if (!isObject(d)) issues.add(dp, 'must be an object', d);
    else {
      const type = oneOf(issues, `${dp}.type`, d.type, ['recoverable', 'nonRecoverable'] as const, 'recoverable');
      if (d.type === undefined) issues.add(`${dp}.type`, 'must be one of "recoverable", "nonRecoverable"', d.type);
      const amount = decimal(issues, `${dp}.amount`, d.amount, { min: 0n, what: 'draw amount' });
      const periods = stringList(issues, `${dp}.periods`, d.periods);
      if (d.periods === undefined) issues.add(`${dp}.periods`, 'must list the periods where the guarantee applies', d.periods);
      if (d.recoverFrom !== undefined && !isNonEmptyString(d.recoverFrom)) issues.add(`${dp}.recoverFrom`, 'must be a period id', d.recoverFrom);
      const recoveryRate = d.recoveryRate === undefined ? ONE : decimal(issues, `${dp}.recoveryRate`, d.recoveryRate, { min: 0n, max: ONE, what: 'recovery rate' });
      if (amount !== null && periods !== null && recoveryRate !== null) {
        draw = { type, amount, periods, recoverFrom: isNonEmptyString(d.recoverFrom) ? d.recoverFrom : null, recoveryRate };
      }
    }
  }
  const cra = raw.clawbackReducesAttainment;
  if (cra !== undefined && typeof cra !== 'boolean') issues.add(`${path}.clawbackReducesAttainment`, 'must be true or false', cra);
  if (issues.list.length > before) return null;
  const needsQuota = components.some((c) => (c.table !== null && c.table.basis === 'attainment') || (c.multiplier !== null && c.multiplier.basis === 'attainment'));
  return { id: raw.id as string, components, draw, clawbackReducesAttainment: cra === true, needsQuota };
}

/** Validate one Plan object (§2), e.g. when a plan version is saved. */
export function validatePlan(plan: unknown): ValidationResult<PlanInput> {
  const issues = new Issues();
  compilePlan(issues, '$', plan);
  return issues.list.length > 0 ? { ok: false, errors: issues.list } : { ok: true, value: plan as PlanInput };
}

// ---- documents ------------------------------------------------------------

function compileState(issues: Issues, path: string, raw: unknown, plan: CompiledPlan | null): CompiledState {
  const state: CompiledState = { credited: new Map(), paid: new Map(), drawBalance: 0n, deficit: new Map() };
  if (raw === undefined || raw === null) return state;
  if (!isObject(raw)) {
    issues.add(path, 'state must be an object', raw);
    return state;
  }
  for (const key of ['credited', 'paid', 'deficit'] as const) {
    const m = raw[key];
    if (m === undefined || m === null) continue;
    if (!isObject(m)) {
      issues.add(`${path}.${key}`, 'must be an object of component id → amount', m);
      continue;
    }
    for (const [componentId, v] of Object.entries(m)) {
      const p = `${path}.${key}.${componentId}`;
      if (plan && !plan.components.some((c) => c.id === componentId)) {
        issues.add(p, `names a component that plan "${plan.id}" does not have`, componentId);
        continue;
      }
      const value = decimal(issues, p, v, key === 'deficit' ? { min: 0n, what: 'deficit' } : { what: 'amount' });
      if (value !== null) state[key].set(componentId, value);
    }
  }
  if (raw.drawBalance !== undefined && raw.drawBalance !== null) {
    const v = decimal(issues, `${path}.drawBalance`, raw.drawBalance, { min: 0n, what: 'draw balance' });
    if (v !== null) state.drawBalance = v;
  }
  return state;
}

export function compilePlanDocument(json: unknown): ValidationResult<CompiledDocument> {
  const issues = new Issues();
  if (!isObject(json)) {
    issues.add('$', 'document must be a JSON object', json);
    return { ok: false, errors: issues.list };
  }
  const doc = json;
  if (!isNonEmptyString(doc.currency)) issues.add('$.currency', 'currency must be a non-empty string (e.g. "USD")', doc.currency);

  // periods
  const periods: CompiledPeriod[] = [];
  const periodIndex = new Map<string, number>();
  if (!Array.isArray(doc.periods) || doc.periods.length === 0) {
    issues.add('$.periods', 'must be a non-empty list of periods', doc.periods);
  } else {
    doc.periods.forEach((p: unknown, i: number) => {
      const pp = `$.periods[${i}]`;
      if (!isObject(p)) return issues.add(pp, 'period must be an object {id, start, end}', p);
      let ok = true;
      if (!isNonEmptyString(p.id)) {
        issues.add(`${pp}.id`, 'period id must be a non-empty string', p.id);
        ok = false;
      } else if (periodIndex.has(p.id)) {
        issues.add(`${pp}.id`, 'duplicate period id', p.id);
        ok = false;
      }
      for (const key of ['start', 'end'] as const) {
        if (!isIsoDate(p[key])) {
          issues.add(`${pp}.${key}`, 'must be a date YYYY-MM-DD', p[key]);
          ok = false;
        }
      }
      if (!ok) return;
      const start = p.start as string;
      const end = p.end as string;
      if (start > end) return issues.add(`${pp}.end`, `period ends before it starts (${start})`, end);
      const prev = periods[periods.length - 1];
      if (prev && start <= prev.end) return issues.add(`${pp}.start`, `periods must be in order and must not overlap (previous period "${prev.id}" ends ${prev.end})`, start);
      periodIndex.set(p.id as string, periods.length);
      periods.push({ id: p.id as string, start, end });
    });
  }

  // plans
  const plans = new Map<string, CompiledPlan>();
  const planIds = new Set<string>();
  if (!Array.isArray(doc.plans) || doc.plans.length === 0) issues.add('$.plans', 'must be a non-empty list of plans', doc.plans);
  else {
    doc.plans.forEach((p: unknown, i: number) => {
      const id = isObject(p) ? p.id : undefined;
      if (isNonEmptyString(id)) {
        if (planIds.has(id)) issues.add(`$.plans[${i}].id`, 'duplicate plan id', id);
        planIds.add(id);
      }
      const plan = compilePlan(issues, `$.plans[${i}]`, p);
      if (plan && !plans.has(plan.id)) plans.set(plan.id, plan);
    });
  }

  // participants
  const participants: CompiledParticipant[] = [];
  const participantIds = new Set<string>();
  if (!Array.isArray(doc.participants)) issues.add('$.participants', 'must be a list of participants', doc.participants);
  else {
    doc.participants.forEach((p: unknown, i: number) => {
      const pp = `$.participants[${i}]`;
      if (!isObject(p)) return issues.add(pp, 'participant must be an object', p);
      let ok = true;
      if (!isNonEmptyString(p.id)) {
        issues.add(`${pp}.id`, 'participant id must be a non-empty string', p.id);
        ok = false;
      } else if (participantIds.has(p.id)) {
        issues.add(`${pp}.id`, 'duplicate participant id', p.id);
        ok = false;
      } else participantIds.add(p.id);
      let plan: CompiledPlan | null = null;
      if (!isNonEmptyString(p.planId) || !planIds.has(p.planId)) {
        issues.add(`${pp}.planId`, 'unknown plan id', p.planId);
        ok = false;
      } else plan = plans.get(p.planId) ?? null;
      const quota = new Map<string, bigint>();
      if (p.quota !== undefined && p.quota !== null) {
        if (!isObject(p.quota)) issues.add(`${pp}.quota`, 'must be an object of period id (or "default") → amount', p.quota);
        else
          for (const [k, v] of Object.entries(p.quota)) {
            const q = decimal(issues, `${pp}.quota.${k}`, v, { what: 'quota' });
            if (q !== null) quota.set(k, q);
          }
      }
      if (plan?.needsQuota) {
        for (const period of periods) {
          const q = quota.get(period.id) ?? quota.get('default');
          const key = quota.has(period.id) ? period.id : 'default';
          if (q === undefined) issues.add(`${pp}.quota`, `plan "${plan.id}" is keyed on attainment, so a quota is needed for period "${period.id}" (or "default")`, p.quota ?? null);
          else if (q <= 0n) issues.add(`${pp}.quota.${key}`, `quota must be positive for attainment (period "${period.id}")`, (p.quota as Json)[key]);
        }
      }
      const state = compileState(issues, `${pp}.state`, p.state, plan);
      if (ok) participants.push({ id: p.id as string, planId: p.planId as string, quota, state });
    });
  }

  // transactions
  const txs = doc.transactions ?? [];
  let store = new CreditStore();
  if (!Array.isArray(txs)) issues.add('$.transactions', 'must be a list of transactions', txs);
  else store = compileTransactions(issues, txs, periods, participants, participantIds);

  // adjustments
  const adjustments = new Map<string, CompiledAdjustment[]>();
  const adj = doc.adjustments ?? [];
  if (!Array.isArray(adj)) issues.add('$.adjustments', 'must be a list of adjustments', adj);
  else {
    adj.forEach((a: unknown, i: number) => {
      const ap = `$.adjustments[${i}]`;
      if (!isObject(a)) return issues.add(ap, 'adjustment must be an object', a);
      let ok = true;
      if (!isNonEmptyString(a.participantId) || !participantIds.has(a.participantId)) {
        issues.add(`${ap}.participantId`, 'unknown participant id', a.participantId);
        ok = false;
      }
      const pIndex = isNonEmptyString(a.periodId) ? (periodIndex.get(a.periodId) ?? -1) : -1;
      if (pIndex < 0) {
        issues.add(`${ap}.periodId`, 'unknown period id', a.periodId);
        ok = false;
      }
      const amount = decimal(issues, `${ap}.amount`, a.amount, { what: 'amount' });
      if (a.reason !== undefined && a.reason !== null && typeof a.reason !== 'string') issues.add(`${ap}.reason`, 'must be a string', a.reason);
      if (!ok || amount === null) return;
      const list = adjustments.get(a.participantId as string) ?? [];
      list.push({ periodIndex: pIndex, amount, reason: typeof a.reason === 'string' ? a.reason : null });
      adjustments.set(a.participantId as string, list);
    });
  }

  if (issues.list.length > 0) return { ok: false, errors: issues.list };
  store.finish(participants.length);
  return { ok: true, value: { currency: doc.currency as string, periods, plans, participants, credits: store, adjustments } };
}

/** What the transaction pass shares between rows. */
interface TransactionPass {
  issues: Issues;
  periods: CompiledPeriod[];
  participantIds: ReadonlySet<string>;
  participantIndex: Map<string, number>;
  store: CreditStore;
  index: TransactionIdIndex;
  /** period index by date code: -2 = not a date, -1 = in no period */
  dateIndex: number[];
  /** sum of |amount| of the reversals of a transaction so far */
  reversedSoFar: Map<number, bigint>;
}

/**
 * Transactions: one row per transaction and per credit in typed columns; paths and
 * messages are built only when something is wrong. Kept in small functions: this
 * runs a million times, and the optimizing compiler takes a small function early and
 * cheaply where a large one ran unoptimized for a good part of the pass.
 */
function compileTransactions(issues: Issues, txs: unknown[], periods: CompiledPeriod[], participants: CompiledParticipant[], participantIds: ReadonlySet<string>): CreditStore {
  const participantIndex = new Map<string, number>();
  participants.forEach((p, i) => participantIndex.set(p.id, i));
  const store = new CreditStore(txs.length, txs.length + (txs.length >> 1));
  const pass: TransactionPass = {
    issues,
    periods,
    participantIds,
    participantIndex,
    store,
    index: new TransactionIdIndex(store.txId, txs.length),
    dateIndex: [],
    reversedSoFar: new Map(),
  };
  for (let i = 0; i < txs.length; i++) compileTransaction(pass, i, txs[i]);
  return store;
}

function compileTransaction(pass: TransactionPass, i: number, t: unknown): void {
  const { issues, store, index, dateIndex, periods, participantIndex, participantIds } = pass;
  const row = store.addTransaction(isObject(t) && typeof t.id === 'string' ? t.id : '');
  if (!isObject(t)) {
    issues.add(txPath(i), 'transaction must be an object', t);
    return;
  }
  let ok = true;
  const id = t.id;
  if (!isNonEmptyString(id)) {
    issues.add(`${txPath(i)}.id`, 'transaction id must be a non-empty string', id);
    ok = false;
  } else if (!index.add(row)) {
    issues.add(`${txPath(i)}.id`, 'duplicate transaction id', id);
    ok = false;
  }
  // dates repeat a lot: their period is found once per distinct date (-2 = not a date, -1 = in no period)
  const dateCode = typeof t.date === 'string' ? store.dateCodeOf(t.date) : 0;
  let pIndex = dateCode === 0 ? -2 : dateIndex[dateCode];
  if (pIndex === undefined) {
    const d = t.date as string;
    pIndex = isIsoDate(d) ? periods.findIndex((p) => p.start <= d && d <= p.end) : -2;
    dateIndex[dateCode] = pIndex;
  }
  if (pIndex === -2) {
    issues.add(`${txPath(i)}.date`, 'must be a date YYYY-MM-DD', t.date);
    ok = false;
  } else {
    store.dateCode[row] = dateCode;
    if (pIndex < 0 && periods.length > 0) {
      issues.add(`${txPath(i)}.date`, 'falls in no period of the document', t.date);
      ok = false;
    }
  }
  store.period[row] = pIndex;
  const amountError = store.setAmount(row, t.amount);
  if (amountError !== null) {
    issues.add(`${txPath(i)}.amount`, `amount ${amountError}`, t.amount);
    ok = false;
  }
  if (t.type !== undefined && t.type !== null && typeof t.type !== 'string') {
    issues.add(`${txPath(i)}.type`, 'must be a string', t.type);
    ok = false;
  }
  if (t.product !== undefined && t.product !== null && typeof t.product !== 'string') {
    issues.add(`${txPath(i)}.product`, 'must be a string', t.product);
    ok = false;
  }
  const isReversal = t.reverses !== undefined && t.reverses !== null;
  // a reversal is credited like the transaction it reverses, so its own credits are only checked
  const direct = !isReversal && amountError === null && pIndex >= 0;
  if (!isReversal) {
    store.type[row] = store.code(typeof t.type === 'string' ? t.type : null);
    store.product[row] = store.code(typeof t.product === 'string' ? t.product : null);
  }
  const rawCredits = t.credits;
  if (rawCredits !== undefined && rawCredits !== null) {
    if (!Array.isArray(rawCredits)) {
      issues.add(`${txPath(i)}.credits`, 'must be a list of {participantId, share}', rawCredits);
      ok = false;
    } else {
      let sum = 0n;
      // a single credit's share was already checked to be at most 1
      const several = rawCredits.length > 1;
      for (let j = 0; j < rawCredits.length; j++) {
        const c: unknown = rawCredits[j];
        if (!isObject(c)) {
          issues.add(`${txPath(i)}.credits[${j}]`, 'credit must be an object {participantId, share}', c);
          ok = false;
          continue;
        }
        const pid = c.participantId;
        const p = typeof pid === 'string' ? participantIndex.get(pid) : undefined;
        if (p === undefined && (typeof pid !== 'string' || !participantIds.has(pid))) {
          issues.add(`${txPath(i)}.credits[${j}].participantId`, 'unknown participant id', pid);
          ok = false;
        }
        const share = checkDecimal(c.share, SHARE_RULE);
        if (typeof share === 'string') {
          issues.add(`${txPath(i)}.credits[${j}].share`, share, c.share);
          ok = false;
        } else {
          if (several) sum += share;
          if (direct && p !== undefined) store.addCredit(row, p, share);
        }
      }
      if (sum > ONE) {
        issues.add(`${txPath(i)}.credits`, 'shares of one transaction add up to more than 1', rawCredits.map((c: unknown) => (isObject(c) ? c.share : c)));
        ok = false;
      }
    }
  }
  if (isReversal) linkReversal(pass, i, t, row, pIndex, amountError, ok);
}

/** A reversal: checked against the transaction it reverses, and credited like it. */
function linkReversal(pass: TransactionPass, i: number, t: Json, row: number, pIndex: number, amountError: string | null, ok: boolean): void {
  const { issues, store, index, reversedSoFar } = pass;
  const original = isNonEmptyString(t.reverses) ? index.get(t.reverses) : -1;
  // only an earlier transaction counts (a later one is not in the index yet; a transaction cannot reverse itself)
  if (original < 0 || original >= row) {
    issues.add(`${txPath(i)}.reverses`, 'points to no earlier transaction of this document', t.reverses);
    return;
  }
  // the engine remembers what the original's lines paid
  store.reversedLater[original] = 1;
  store.type[row] = store.type[original];
  store.product[row] = store.product[original];
  if (pIndex !== -2 && (t.date as string) < store.date(original)) {
    issues.add(`${txPath(i)}.date`, `a reversal cannot be dated before the transaction it reverses (${store.date(original)})`, t.date);
    return;
  }
  if (amountError !== null) return;
  const amount = store.amount(row);
  const origAmount = store.amount(original);
  const abs = amount < 0n ? -amount : amount;
  const origAbs = origAmount < 0n ? -origAmount : origAmount;
  const before = reversedSoFar.get(original) ?? 0n;
  if (abs === 0n) {
    issues.add(`${txPath(i)}.amount`, 'a reversal must have a non-zero amount', t.amount);
    return;
  } else if (before + abs > origAbs) {
    issues.add(`${txPath(i)}.amount`, `reversals of "${t.reverses as string}" add up to more than its amount`, t.amount);
    return;
  }
  reversedSoFar.set(original, before + abs);
  if (!ok) return;
  store.reverses[row] = original;
  store.reversesId.set(row, t.reverses as string);
  store.reversedAmount.set(row, origAmount);
  const from = store.creditFrom[original];
  // rows are added in transaction order: the original's end where the next transaction's start
  const to = store.creditFrom[original + 1];
  for (let r = from; r < to; r++) store.addCredit(row, store.creditParticipant[r], store.shares[store.creditShare[r]]);
}

/** Validate a whole document (§7): every problem with its path and value. */
export function validatePlanDocument(json: unknown): ValidationResult<PlanDocumentInput> {
  const r = compilePlanDocument(json);
  return r.ok ? { ok: true, value: json as PlanDocumentInput } : r;
}

export { Issues as ValidationIssues };
