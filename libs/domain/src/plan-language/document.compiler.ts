/**
 * Document compile (spec §2, §7): periods, plans, participants, adjustments, and the
 * transaction pass for the transactions, every problem reported at once with its
 * JSON path and value. A document with any problem compiles to nothing, so nothing
 * is ever calculated from it; a document that asks for more than the limits is
 * refused with `CALC.TOO_LARGE` before anything is calculated.
 */
import type { CompiledAdjustment, CompiledParticipant, CompiledPeriod, CompiledPlan, CompiledState } from './compiled-plan';
import type { CreditStore } from './credit.store';
import { Issues, checkIdKeys, checkKeys } from './input-rules';
import { type CalculationLimits, TOO_LARGE, formatCount, withLimits } from './limits';
import { type Json, checkId, checkOptionalText, checkText, compilePlan, decimal, isNonEmptyString, isObject } from './plan.compiler';
import type { PlanDocumentInput, ValidationIssue, ValidationResult } from './plan-language.types';
import { type CreditRowInput, TransactionPass, isIsoDate } from './transaction.pass';

export interface CompiledDocument {
  currency: string;
  periods: CompiledPeriod[];
  plans: Map<string, CompiledPlan>;
  participants: CompiledParticipant[];
  /** every credit; slot i (`start[i]` .. `start[i + 1]`) holds participants[i]'s in calculation order */
  credits: CreditStore;
  adjustments: Map<string, CompiledAdjustment[]>;
  /** the work units this document asks for (see CalculationLimits.maxWork) */
  work: number;
}

export interface CompileOptions {
  limits?: Partial<CalculationLimits>;
}

/** What a document and a batch share: everything but the credits. */
interface Shell {
  currency: string;
  periods: CompiledPeriod[];
  plans: Map<string, CompiledPlan>;
  participants: CompiledParticipant[];
  participantIndex: Map<string, number>;
  participantIds: Set<string>;
  adjustments: Map<string, CompiledAdjustment[]>;
}

const tooLarge = (issues: Issues, path: string, what: string, count: number, limit: number): void => {
  issues.list.push({ path, message: `has ${formatCount(count)} ${what}; one calculation may have at most ${formatCount(limit)}`, value: `[a list of ${formatCount(count)} ${what}]`, code: TOO_LARGE });
};

function compileShell(issues: Issues, doc: Json, limits: CalculationLimits): Shell {
  checkText(issues, '$.currency', doc.currency, 'currency (e.g. "USD")');
  const periods = compilePeriods(issues, doc.periods, limits);
  const periodIndex = new Map<string, number>(periods.map((p, i) => [p.id, i]));

  // plans
  const plans = new Map<string, CompiledPlan>();
  const planIds = new Set<string>();
  if (!Array.isArray(doc.plans) || doc.plans.length === 0) issues.add('$.plans', 'must be a non-empty list of plans', doc.plans);
  else if (doc.plans.length > limits.maxPlans) tooLarge(issues, '$.plans', 'plans', doc.plans.length, limits.maxPlans);
  else {
    doc.plans.forEach((p: unknown, i: number) => {
      const id = isObject(p) ? p.id : undefined;
      if (isNonEmptyString(id)) {
        if (planIds.has(id)) issues.add(`$.plans[${i}].id`, 'duplicate plan id', id);
        planIds.add(id);
      }
      const plan = compilePlan(issues, `$.plans[${i}]`, p, limits);
      if (plan && !plans.has(plan.id)) plans.set(plan.id, plan);
    });
  }

  // participants
  const participants: CompiledParticipant[] = [];
  const participantIds = new Set<string>();
  if (!Array.isArray(doc.participants)) issues.add('$.participants', 'must be a list of participants', doc.participants);
  else if (doc.participants.length > limits.maxParticipants) tooLarge(issues, '$.participants', 'participants', doc.participants.length, limits.maxParticipants);
  else {
    doc.participants.forEach((p: unknown, i: number) => {
      const participant = compileParticipant(issues, `$.participants[${i}]`, p, participantIds, planIds, plans, periods);
      if (participant !== null) participants.push(participant);
    });
  }
  const participantIndex = new Map<string, number>(participants.map((p, i) => [p.id, i]));

  // adjustments
  const adjustments = new Map<string, CompiledAdjustment[]>();
  const adj = doc.adjustments ?? [];
  if (!Array.isArray(adj)) issues.add('$.adjustments', 'must be a list of adjustments', adj);
  else if (adj.length > limits.maxAdjustments) tooLarge(issues, '$.adjustments', 'adjustments', adj.length, limits.maxAdjustments);
  else {
    adj.forEach((a: unknown, i: number) => {
      const ap = `$.adjustments[${i}]`;
      if (!isObject(a)) return issues.add(ap, 'adjustment must be an object', a);
      checkKeys(issues, ap, a, 'adjustment');
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
      checkOptionalText(issues, `${ap}.reason`, a.reason);
      if (!ok || amount === null) return;
      const list = adjustments.get(a.participantId as string) ?? [];
      list.push({ periodIndex: pIndex, amount, reason: typeof a.reason === 'string' ? a.reason : null });
      adjustments.set(a.participantId as string, list);
    });
  }
  return { currency: doc.currency as string, periods, plans, participants, participantIndex, participantIds, adjustments };
}

function compilePeriods(issues: Issues, raw: unknown, limits: CalculationLimits): CompiledPeriod[] {
  const periods: CompiledPeriod[] = [];
  const seen = new Set<string>();
  if (!Array.isArray(raw) || raw.length === 0) {
    issues.add('$.periods', 'must be a non-empty list of periods', raw);
    return periods;
  }
  if (raw.length > limits.maxPeriods) {
    tooLarge(issues, '$.periods', 'periods', raw.length, limits.maxPeriods);
    return periods;
  }
  raw.forEach((p: unknown, i: number) => {
    const pp = `$.periods[${i}]`;
    if (!isObject(p)) return issues.add(pp, 'period must be an object {id, start, end}', p);
    checkKeys(issues, pp, p, 'period');
    let ok = true;
    if (!checkId(issues, `${pp}.id`, p.id, 'period id')) ok = false;
    else if (seen.has(p.id)) {
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
    seen.add(p.id as string);
    periods.push({ id: p.id as string, start, end });
  });
  return periods;
}

function compileParticipant(
  issues: Issues,
  pp: string,
  p: unknown,
  participantIds: Set<string>,
  planIds: ReadonlySet<string>,
  plans: ReadonlyMap<string, CompiledPlan>,
  periods: readonly CompiledPeriod[],
): CompiledParticipant | null {
  if (!isObject(p)) {
    issues.add(pp, 'participant must be an object', p);
    return null;
  }
  checkKeys(issues, pp, p, 'participant');
  let ok = true;
  if (!checkId(issues, `${pp}.id`, p.id, 'participant id')) ok = false;
  else if (participantIds.has(p.id)) {
    issues.add(`${pp}.id`, 'duplicate participant id', p.id);
    ok = false;
  } else participantIds.add(p.id);
  checkOptionalText(issues, `${pp}.name`, p.name);
  let plan: CompiledPlan | null = null;
  if (!isNonEmptyString(p.planId) || !planIds.has(p.planId)) {
    issues.add(`${pp}.planId`, 'unknown plan id', p.planId);
    ok = false;
  } else plan = plans.get(p.planId) ?? null;
  const quota = new Map<string, bigint>();
  if (p.quota !== undefined && p.quota !== null) {
    if (!isObject(p.quota)) issues.add(`${pp}.quota`, 'must be an object of period id (or "default") → amount', p.quota);
    else {
      checkIdKeys(issues, `${pp}.quota`, p.quota);
      for (const [k, v] of Object.entries(p.quota)) {
        const q = decimal(issues, `${pp}.quota.${k}`, v, { what: 'quota' });
        if (q !== null) quota.set(k, q);
      }
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
  return ok ? { id: p.id as string, planId: p.planId as string, quota, state } : null;
}

function compileState(issues: Issues, path: string, raw: unknown, plan: CompiledPlan | null): CompiledState {
  const state: CompiledState = { credited: new Map(), paid: new Map(), drawBalance: 0n, deficit: new Map() };
  if (raw === undefined || raw === null) return state;
  if (!isObject(raw)) {
    issues.add(path, 'state must be an object', raw);
    return state;
  }
  checkKeys(issues, path, raw, 'state');
  for (const key of ['credited', 'paid', 'deficit'] as const) {
    const m = raw[key];
    if (m === undefined || m === null) continue;
    if (!isObject(m)) {
      issues.add(`${path}.${key}`, 'must be an object of component id → amount', m);
      continue;
    }
    checkIdKeys(issues, `${path}.${key}`, m);
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

/** Work units of a document (see CalculationLimits.maxWork), from the credits each participant got. */
function workOf(shell: Shell, store: CreditStore): number {
  const per = new Float64Array(shell.participants.length);
  for (let r = 0; r < store.creditCount; r++) per[store.creditParticipant[r]]++;
  const unitsOf = new Map<CompiledPlan, number>();
  let work = 0;
  shell.participants.forEach((p, i) => {
    const plan = shell.plans.get(p.planId) as CompiledPlan;
    let units = unitsOf.get(plan);
    if (units === undefined) {
      units = 0;
      for (const c of plan.components) if (c.table !== null) units += 1 + c.table.tiers.length + (c.multiplier?.tiers.length ?? 0);
      unitsOf.set(plan, units);
    }
    work += per[i] * units + shell.periods.length * (plan.components.length + 1);
  });
  return work;
}

function checkWork(issues: Issues, work: number, limits: CalculationLimits): void {
  if (work > limits.maxWork) {
    issues.list.push({
      path: '$',
      message: `asks for ${formatCount(work)} work units (credits × the tiers of their components, plus participants × periods × components); one calculation may ask for at most ${formatCount(limits.maxWork)}: split it into batches of participants`,
      value: null,
      code: TOO_LARGE,
    });
  }
}

export function compilePlanDocument(json: unknown, options: CompileOptions = {}): ValidationResult<CompiledDocument> {
  const limits = withLimits(options.limits);
  const issues = new Issues();
  if (!isObject(json)) {
    issues.add('$', 'document must be a JSON object', json);
    return { ok: false, errors: issues.list };
  }
  checkKeys(issues, '$', json, 'document');
  const shell = compileShell(issues, json, limits);
  const txs = json.transactions ?? [];
  const pass = new TransactionPass(issues, shell.periods, shell.participantIndex, shell.participantIds, limits, Array.isArray(txs) ? Math.min(txs.length, limits.maxTransactions) : 0);
  if (!Array.isArray(txs)) issues.add('$.transactions', 'must be a list of transactions', txs);
  else if (txs.length > limits.maxTransactions) tooLarge(issues, '$.transactions', 'transactions', txs.length, limits.maxTransactions);
  else {
    for (let i = 0; i < txs.length; i++) pass.addTransaction(i, txs[i]);
    pass.linkDocument();
  }
  return finish(issues, shell, pass, limits);
}

function finish(issues: Issues, shell: Shell, pass: TransactionPass, limits: CalculationLimits): ValidationResult<CompiledDocument> {
  const store = pass.store;
  let work = 0;
  if (issues.count === 0) {
    work = workOf(shell, store);
    checkWork(issues, work, limits);
  }
  if (issues.count > 0) return { ok: false, errors: issues.list };
  store.finish(shell.participants.length);
  const { currency, periods, plans, participants, adjustments } = shell;
  return { ok: true, value: { currency, periods, plans, participants, credits: store, adjustments, work } };
}

/** The rows of a batch (see `calculateBatch`): the same shell as a document, the credits from database rows. */
export interface BatchDocument {
  currency: unknown;
  periods: unknown;
  plans: unknown;
  participants: unknown;
  adjustments?: unknown;
  credits: readonly CreditRowInput[];
}

export function compileBatch(input: BatchDocument, options: CompileOptions = {}): ValidationResult<CompiledDocument> {
  const limits = withLimits(options.limits);
  const issues = new Issues();
  const { credits, ...rest } = input;
  const shell = compileShell(issues, rest as Json, limits);
  // the batch's own rows are only read once the shell is sound (their checks need it)
  if (issues.count > 0) return { ok: false, errors: issues.list };
  const rows = Array.isArray(credits) ? credits : [];
  const pass = new TransactionPass(issues, shell.periods, shell.participantIndex, shell.participantIds, limits, Math.min(rows.length, limits.maxCredits), true);
  if (rows.length > limits.maxCredits) tooLarge(issues, '$.credits', 'credit rows', rows.length, limits.maxCredits);
  else {
    const reversedIds = new Set<string>();
    for (const r of rows) if (r.reverses) reversedIds.add(r.reverses);
    for (let i = 0; i < rows.length; i++) pass.addRow(i, rows[i], reversedIds);
    pass.linkBatch();
  }
  return finish(issues, shell, pass, limits);
}

/** Validate a whole document (§7): every problem with its path and value. */
export function validatePlanDocument(json: unknown, options: CompileOptions = {}): ValidationResult<PlanDocumentInput> {
  const r = compilePlanDocument(json, options);
  return r.ok ? { ok: true, value: json as PlanDocumentInput } : r;
}

/** True when the issues are only bounds (the document is sound but too large to calculate here). */
export function isTooLarge(errors: readonly ValidationIssue[]): boolean {
  return errors.length > 0 && errors.some((e) => e.code === TOO_LARGE);
}

export { Issues as ValidationIssues };
