// Row validation and change planning for every import kind. Pure: the caller hands over the rows
// as read (one accessor per row) and the existing records; the answer is the issues and the plan.
import { didYouMean } from './suggest';
import { Lookup, type LookupResult } from './lookup';
import { mapStage, mapType, mapValue, type DealStageValue, type ImportProfile, type MappableField } from './profile';
import {
  compareMoney, formatShare, parseCurrency, parseDate, parseEmail, parseMoney, parseShare, parseText, SHARE_ONE, type Parsed,
} from './values';

export type IssueSeverity = 'error' | 'warning';

/** One problem of one row (or of the file, line 0 / the header line). */
export interface RowIssue {
  line: number;
  /** The column header as in the file (null for a whole-row problem). */
  column: string | null;
  field: string | null;
  value: string | null;
  code: string;
  message: string;
  suggestion?: string;
  severity: IssueSeverity;
}

/** One row as read: `get(field)` answers the trimmed cell of the field's column ('' when absent). */
export interface RawRow {
  line: number;
  get(field: string): string;
  /** The header of a field's column (for the report), or null when the file has none. */
  column(field: string): string | null;
  /** Account attribute columns (`attr:<key>`). */
  attributes?: Record<string, string>;
}

class IssueSink {
  readonly issues: RowIssue[] = [];
  errors = 0;
  constructor(private readonly row: RawRow) {}

  add(field: string | null, code: string, message: string, opts: { value?: string; suggestion?: string[]; severity?: IssueSeverity } = {}): void {
    const severity = opts.severity ?? 'error';
    if (severity === 'error') this.errors += 1;
    const value = opts.value ?? (field ? this.row.get(field) : null);
    const suggestion = opts.suggestion && opts.suggestion.length > 0 ? opts.suggestion[0] : undefined;
    this.issues.push({
      line: this.row.line, column: field ? this.row.column(field) : null, field, value, code,
      message: `${field ? `${field} ` : ''}${message}${opts.suggestion ? didYouMean(opts.suggestion) : ''}`,
      ...(suggestion !== undefined ? { suggestion } : {}), severity,
    });
  }

  /** A parsed value, or undefined after recording the problem. */
  take<T>(field: string, parsed: Parsed<T>): T | undefined {
    if (parsed.ok) return parsed.value;
    this.add(field, parsed.problem.code, parsed.problem.message);
    return undefined;
  }
}

/** Text of a field: '' when empty; every non-empty value checked for NUL and invalid code points. */
function text(sink: IssueSink, row: RawRow, field: string, required: boolean, max = 1000): string | undefined {
  const v = row.get(field);
  if (v === '') {
    if (required) sink.add(field, 'FIELD.REQUIRED', 'is required');
    return required ? undefined : '';
  }
  return sink.take(field, parseText(v, max));
}

function mapped(profile: ImportProfile, field: MappableField, value: string): string {
  return value === '' ? value : mapValue(profile, field, value);
}

// ---------------------------------------------------------------- reference kinds

export interface ChangePlan<T> {
  issues: RowIssue[];
  /** Lines with at least one error. */
  badLines: number[];
  creates: Array<{ line: number; key: string; after: T }>;
  updates: Array<{ line: number; key: string; id: string; before: T; after: T }>;
  unchanged: number;
  /** Records absent from the file that the import deactivates (people with deactivateMissing). */
  deactivations: Array<{ key: string; id: string; before: T; after: T }>;
}

interface Parsed1<T> { line: number; key: string; record: T; refs: Array<{ field: string; value: string; kind: RefKind }> }
type RefKind = 'team' | 'person' | 'territory';

interface PlanInput<T, E extends T & { id: string }> {
  kind: string;
  rows: Iterable<RawRow>;
  parse: (row: RawRow, sink: IssueSink) => Parsed1<T> | undefined;
  /** The natural key as written (to find a repeated record even on a row with other faults). */
  rawKey: (row: RawRow) => string;
  existing: readonly E[];
  keyOf: (r: T) => string;
  /** Keys known outside the file for each reference kind. */
  known: Record<RefKind, Lookup<{ key: string }>>;
  equal: (a: T, b: T) => boolean;
  /** Extra checks once every row is known (e.g. a tree without cycles): lines to reject, with issues. */
  finalCheck?: (rows: Array<Parsed1<T>>, existing: readonly E[]) => RowIssue[];
}

function planGeneric<T, E extends T & { id: string }>(input: PlanInput<T, E>): { plan: ChangePlan<T>; accepted: Array<Parsed1<T>> } {
  const issues: RowIssue[] = [];
  const bad = new Set<number>();
  const good: Array<Parsed1<T>> = [];
  const firstLine = new Map<string, number>();
  for (const row of input.rows) {
    const sink = new IssueSink(row);
    const parsed = input.parse(row, sink);
    const key = input.rawKey(row);
    if (key !== '') {
      const seen = firstLine.get(key.toLowerCase());
      if (seen !== undefined) {
        sink.add(null, 'ROW.DUPLICATE_KEY', `repeats ${key}, already on line ${seen} (each record once per file)`, { value: key });
      } else {
        firstLine.set(key.toLowerCase(), row.line);
      }
    }
    issues.push(...sink.issues);
    if (sink.errors > 0 || !parsed) bad.add(row.line);
    else good.push(parsed);
  }
  // References: known outside the file, or defined by a good row of this file. A row whose
  // reference was itself rejected is rejected too (until nothing changes).
  const fileKeys = (): Record<RefKind, Set<string>> => ({ team: new Set(), person: new Set(), territory: new Set() });
  let accepted = good;
  for (;;) {
    const keys = fileKeys();
    const kindOf: RefKind = input.kind === 'teams' ? 'team' : input.kind === 'people' ? 'person' : 'territory';
    for (const p of accepted) keys[kindOf].add(p.key.toLowerCase());
    const next: Array<Parsed1<T>> = [];
    for (const p of accepted) {
      let ok = true;
      for (const ref of p.refs) {
        if (keys[ref.kind].has(ref.value.toLowerCase())) continue;
        const found = input.known[ref.kind].find(ref.value);
        if (found.kind === 'found') continue;
        ok = false;
        const inFileLine = firstLine.get(ref.value.toLowerCase());
        issues.push({
          line: p.line, column: null, field: ref.field, value: ref.value,
          code: `${ref.kind.toUpperCase()}.UNKNOWN`,
          message: inFileLine !== undefined
            ? `${ref.field} ${ref.kind} "${ref.value}" is on line ${inFileLine} of this file, which is rejected`
            : `${ref.field} ${ref.kind} "${ref.value}" is unknown${found.kind === 'missing' ? didYouMean(found.suggestions) : ' (ambiguous)'}`,
          ...(found.kind === 'missing' && found.suggestions[0] !== undefined ? { suggestion: found.suggestions[0] } : {}),
          severity: 'error',
        });
      }
      if (ok) next.push(p);
      else bad.add(p.line);
    }
    if (next.length === accepted.length) break;
    accepted = next;
  }
  if (input.finalCheck) {
    const more = input.finalCheck(accepted, input.existing);
    issues.push(...more);
    const rejected = new Set(more.filter((i) => i.severity === 'error').map((i) => i.line));
    for (const l of rejected) bad.add(l);
    accepted = accepted.filter((p) => !rejected.has(p.line));
  }
  const byKey = new Map(input.existing.map((e) => [input.keyOf(e).toLowerCase(), e]));
  const plan: ChangePlan<T> = { issues, badLines: [...bad].sort((a, b) => a - b), creates: [], updates: [], unchanged: 0, deactivations: [] };
  for (const p of accepted) {
    const before = byKey.get(p.key.toLowerCase());
    if (!before) plan.creates.push({ line: p.line, key: p.key, after: p.record });
    else if (input.equal(strip(before), p.record)) plan.unchanged += 1;
    else plan.updates.push({ line: p.line, key: p.key, id: before.id, before: strip(before), after: p.record });
  }
  plan.issues.sort((a, b) => a.line - b.line);
  return { plan, accepted };
}

function strip<E extends { id: string }>(e: E): Omit<E, 'id'> & E {
  const { id: _id, ...rest } = e;
  return rest as Omit<E, 'id'> & E;
}

/** Equal as data: object keys in any order (jsonb re-orders them). */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v);
}

const same = (a: unknown, b: unknown): boolean => canonical(a) === canonical(b);

function ref(sink: IssueSink, refs: Parsed1<unknown>['refs'], field: string, value: string, kind: RefKind): void {
  if (value !== '') refs.push({ field, value, kind });
  void sink;
}

export interface KnownKeys {
  teams: readonly string[];
  people: ReadonlyArray<{ email: string; name: string }>;
  territories: readonly string[];
}

function knownLookups(known: KnownKeys): Record<RefKind, Lookup<{ key: string }>> {
  return {
    team: new Lookup(known.teams.map((key) => ({ key })), [{ of: (r) => r.key, caseInsensitive: true }], (r) => r.key),
    person: new Lookup(known.people.map((p) => ({ key: p.email })), [{ of: (r) => r.key, caseInsensitive: true }], (r) => r.key),
    territory: new Lookup(known.territories.map((key) => ({ key })), [{ of: (r) => r.key, caseInsensitive: true }], (r) => r.key),
  };
}

/** A team as imported: references are names / emails. */
export interface TeamRecord { name: string; managerEmail: string | null; parentTeam: string | null }

/**
 * Teams name their managers and people name their teams, so the first teams file may name
 * managers who are not imported yet: such a team is imported without a manager, with a warning
 * (import people, then the same teams file again, which sets them).
 */
export function planTeams(profile: ImportProfile, rows: Iterable<RawRow>, existing: ReadonlyArray<TeamRecord & { id: string }>, known: KnownKeys): ChangePlan<TeamRecord> {
  const lookups = knownLookups(known);
  return planGeneric<TeamRecord, TeamRecord & { id: string }>({
    kind: 'teams', rows, existing, rawKey: (r) => r.get('name'), keyOf: (t) => t.name, known: lookups, equal: same,
    parse: (row, sink) => {
      const name = text(sink, row, 'name', true, 200);
      const managerRaw = mapped(profile, 'manager_email', row.get('manager_email'));
      let manager = managerRaw === '' ? null : sink.take('manager_email', parseEmail(managerRaw));
      if (manager) {
        const found = lookups.person.find(manager);
        if (found.kind !== 'found') {
          sink.add('manager_email', 'TEAM.MANAGER_NOT_YET_KNOWN', `${manager} is not a known person yet: the team is imported without a manager (import people, then this file again)${found.kind === 'missing' ? didYouMean(found.suggestions) : ''}`, { severity: 'warning' });
          manager = null;
        }
      }
      const parent = text(sink, row, 'parent_team', false, 200);
      if (name === undefined || manager === undefined || parent === undefined) return undefined;
      const parentTeam = parent === '' ? null : mapped(profile, 'parent_team', parent);
      if (parentTeam !== null && parentTeam.toLowerCase() === name.toLowerCase()) sink.add('parent_team', 'TEAM.CYCLE', 'is the team itself');
      const refs: Parsed1<TeamRecord>['refs'] = [];
      if (parentTeam) ref(sink, refs, 'parent_team', parentTeam, 'team');
      return { line: row.line, key: name, record: { name, managerEmail: manager, parentTeam }, refs };
    },
    finalCheck: (rows, existing) => cycles(rows.map((r) => ({ line: r.line, key: r.key, parent: r.record.parentTeam })), existing.map((e) => ({ key: e.name, parent: e.parentTeam })), 'parent_team', 'TEAM.CYCLE'),
  }).plan;
}

/** Rejects rows that would make the tree a cycle (file rows override existing parents). */
function cycles(rows: Array<{ line: number; key: string; parent: string | null }>, existing: Array<{ key: string; parent: string | null }>, field: string, code: string): RowIssue[] {
  const parent = new Map<string, string | null>();
  for (const e of existing) parent.set(e.key.toLowerCase(), e.parent?.toLowerCase() ?? null);
  for (const r of rows) parent.set(r.key.toLowerCase(), r.parent?.toLowerCase() ?? null);
  const issues: RowIssue[] = [];
  for (const r of rows) {
    const seen = new Set([r.key.toLowerCase()]);
    let p = parent.get(r.key.toLowerCase()) ?? null;
    while (p !== null) {
      if (seen.has(p)) {
        issues.push({ line: r.line, column: null, field, value: r.parent, code, message: `${field} "${r.parent}" makes ${r.key} its own ancestor`, severity: 'error' });
        break;
      }
      seen.add(p);
      p = parent.get(p) ?? null;
    }
  }
  return issues;
}

export const PERSON_ROLE_VALUES = ['rep', 'manager', 'finance', 'ops', 'auditor', 'admin'] as const;

export interface PersonRecord {
  name: string;
  email: string;
  roles: string[];
  team: string | null;
  managerEmail: string | null;
  employeeId: string | null;
  startDate: string | null;
  endDate: string | null;
  active: boolean;
}

export interface PeopleOptions {
  /** YYYY-MM-DD: a person whose end date is before it is inactive. */
  today: string;
  /** Deactivate active people absent from the file (a full file). */
  deactivateMissing?: boolean;
  /** Never deactivated by a missing row (the person running the import). */
  keepIds?: readonly string[];
}

export function planPeople(profile: ImportProfile, rows: Iterable<RawRow>, existing: ReadonlyArray<PersonRecord & { id: string }>, known: KnownKeys, options: PeopleOptions): ChangePlan<PersonRecord> {
  const fmt = profile.dateFormat ?? 'YYYY-MM-DD';
  const employeeIds = new Map<string, string>();
  for (const e of existing) if (e.employeeId) employeeIds.set(e.employeeId, e.email);
  const fileEmployeeIds = new Map<string, number>();
  const result = planGeneric<PersonRecord, PersonRecord & { id: string }>({
    kind: 'people', rows, existing, rawKey: (r) => r.get('email'), keyOf: (p) => p.email, known: knownLookups(known), equal: same,
    parse: (row, sink) => {
      const name = text(sink, row, 'name', true, 200);
      const emailRaw = row.get('email');
      const email = emailRaw === '' ? (sink.add('email', 'FIELD.REQUIRED', 'is required'), undefined) : sink.take('email', parseEmail(emailRaw));
      const rolesRaw = row.get('roles');
      const roles: string[] = [];
      if (rolesRaw === '') sink.add('roles', 'FIELD.REQUIRED', 'is required (rep, manager, finance, ops, auditor or admin)');
      for (const token of rolesRaw.split(/[;,|]/).map((t) => t.trim()).filter(Boolean)) {
        const role = mapValue(profile, 'roles', token).toLowerCase();
        if (!(PERSON_ROLE_VALUES as readonly string[]).includes(role)) {
          sink.add('roles', 'PERSON.UNKNOWN_ROLE', `"${token}" is not a role (rep, manager, finance, ops, auditor, admin)`, { suggestion: PERSON_ROLE_VALUES.filter((r) => r.startsWith(role.slice(0, 2))) });
        } else if (!roles.includes(role)) roles.push(role);
      }
      const team = text(sink, row, 'team', false, 200);
      const managerRaw = mapped(profile, 'manager_email', row.get('manager_email'));
      const manager = managerRaw === '' ? null : sink.take('manager_email', parseEmail(managerRaw));
      const employeeId = text(sink, row, 'employee_id', false, 100);
      const start = row.get('start_date') === '' ? null : sink.take('start_date', parseDate(row.get('start_date'), fmt));
      const end = row.get('end_date') === '' ? null : sink.take('end_date', parseDate(row.get('end_date'), fmt));
      if (start && end && end < start) sink.add('end_date', 'DATE.ORDER', `${end} is before the start date ${start}`);
      if (email && manager && email === manager) sink.add('manager_email', 'PERSON.SELF_MANAGER', 'is the person themself');
      if (employeeId && email) {
        const owner = employeeIds.get(employeeId);
        const inFile = fileEmployeeIds.get(employeeId);
        if (owner && owner !== email) sink.add('employee_id', 'PERSON.EMPLOYEE_ID_TAKEN', `"${employeeId}" already belongs to ${owner}`);
        else if (inFile !== undefined) sink.add('employee_id', 'PERSON.EMPLOYEE_ID_TAKEN', `"${employeeId}" is already on line ${inFile}`);
        else fileEmployeeIds.set(employeeId, row.line);
      }
      if (name === undefined || email === undefined || team === undefined || manager === undefined || employeeId === undefined || start === undefined || end === undefined) return undefined;
      const teamName = team === '' ? null : mapped(profile, 'team', team);
      const refs: Parsed1<PersonRecord>['refs'] = [];
      if (teamName) ref(sink, refs, 'team', teamName, 'team');
      if (manager) ref(sink, refs, 'manager_email', manager, 'person');
      return {
        line: row.line, key: email, refs,
        record: { name, email, roles, team: teamName, managerEmail: manager, employeeId: employeeId || null, startDate: start, endDate: end, active: !(end && end < options.today) },
      };
    },
  });
  const plan = result.plan;
  if (options.deactivateMissing) {
    const inFile = new Set(result.accepted.map((p) => p.key.toLowerCase()));
    for (const l of plan.badLines) void l;
    const keep = new Set(options.keepIds ?? []);
    // A full file: active people absent from it (and not on a rejected line) are deactivated.
    const rejectedKeys = new Set<string>();
    for (const issue of plan.issues) if (issue.field === 'email' && issue.value) rejectedKeys.add(issue.value.toLowerCase());
    for (const e of existing) {
      if (!e.active || inFile.has(e.email.toLowerCase()) || keep.has(e.id) || rejectedKeys.has(e.email.toLowerCase())) continue;
      const { id, ...before } = e;
      plan.deactivations.push({ key: e.email, id, before, after: { ...before, active: false } });
    }
  }
  return plan;
}

export interface TerritoryRecord { name: string; parent: string | null; team: string | null; ownerEmail: string | null }

export function planTerritories(profile: ImportProfile, rows: Iterable<RawRow>, existing: ReadonlyArray<TerritoryRecord & { id: string }>, known: KnownKeys): ChangePlan<TerritoryRecord> {
  return planGeneric<TerritoryRecord, TerritoryRecord & { id: string }>({
    kind: 'territories', rows, existing, rawKey: (r) => r.get('name'), keyOf: (t) => t.name, known: knownLookups(known), equal: same,
    parse: (row, sink) => {
      const name = text(sink, row, 'name', true, 200);
      const parent = text(sink, row, 'parent', false, 200);
      const team = text(sink, row, 'team', false, 200);
      const ownerRaw = mapped(profile, 'owner_email', row.get('owner_email'));
      const owner = ownerRaw === '' ? null : sink.take('owner_email', parseEmail(ownerRaw));
      if (name === undefined || parent === undefined || team === undefined || owner === undefined) return undefined;
      const parentName = parent === '' ? null : mapped(profile, 'parent', parent);
      const teamName = team === '' ? null : mapped(profile, 'team', team);
      if (parentName !== null && parentName.toLowerCase() === name.toLowerCase()) sink.add('parent', 'TERRITORY.CYCLE', 'is the territory itself');
      const refs: Parsed1<TerritoryRecord>['refs'] = [];
      if (parentName) ref(sink, refs, 'parent', parentName, 'territory');
      if (teamName) ref(sink, refs, 'team', teamName, 'team');
      if (owner) ref(sink, refs, 'owner_email', owner, 'person');
      return { line: row.line, key: name, record: { name, parent: parentName, team: teamName, ownerEmail: owner }, refs };
    },
    finalCheck: (rows, existing) => cycles(rows.map((r) => ({ line: r.line, key: r.key, parent: r.record.parent })), existing.map((e) => ({ key: e.name, parent: e.parent })), 'parent', 'TERRITORY.CYCLE'),
  }).plan;
}

export interface AccountRecord { externalId: string; name: string; territory: string; industry: string | null; attributes: Record<string, string>; territorySince: string | null }

/** The first day of an account's ownership when the file gives none: as far back as records go. */
export const DEFAULT_TERRITORY_SINCE = '1900-01-01';

export function planAccounts(profile: ImportProfile, rows: Iterable<RawRow>, existing: ReadonlyArray<AccountRecord & { id: string }>, known: KnownKeys): ChangePlan<AccountRecord> {
  const fmt = profile.dateFormat ?? 'YYYY-MM-DD';
  const existingByKey = new Map(existing.map((e) => [e.externalId.toLowerCase(), e]));
  return planGeneric<AccountRecord, AccountRecord & { id: string }>({
    kind: 'accounts', rows, existing, rawKey: (r) => r.get('external_id'), keyOf: (a) => a.externalId, known: knownLookups(known),
    // The ownership start only matters for a new account; it is not part of the comparison.
    equal: (a, b) => same({ ...a, territorySince: null }, { ...b, territorySince: null }),
    parse: (row, sink) => {
      const externalId = text(sink, row, 'external_id', true, 200);
      const name = text(sink, row, 'name', true, 300);
      const territoryRaw = text(sink, row, 'territory', true, 200);
      const industry = text(sink, row, 'industry', false, 200);
      const since = row.get('territory_since') === '' ? null : sink.take('territory_since', parseDate(row.get('territory_since'), fmt));
      const attributes: Record<string, string> = {};
      for (const [key, value] of Object.entries(row.attributes ?? {})) {
        if (value === '') continue;
        const checked = parseText(value, 1000);
        if (!checked.ok) sink.add(`attr:${key}`, checked.problem.code, checked.problem.message, { value });
        else attributes[key] = checked.value;
      }
      if (externalId === undefined || name === undefined || territoryRaw === undefined || industry === undefined || since === undefined) return undefined;
      const territory = mapped(profile, 'territory', territoryRaw);
      const before = existingByKey.get(externalId.toLowerCase());
      if (before && before.territory.toLowerCase() !== territory.toLowerCase()) {
        sink.add('territory', 'ACCOUNT.TERRITORY_CHANGE', `would move the account from ${before.territory} to ${territory}: accounts change territory through a territory change (its approvals and dated ownership), not an import`);
      }
      const refs: Parsed1<AccountRecord>['refs'] = [];
      ref(sink, refs, 'territory', territory, 'territory');
      return { line: row.line, key: externalId, record: { externalId, name, territory, industry: industry || null, attributes, territorySince: since }, refs };
    },
  }).plan;
}

export interface ProductRecord { code: string; name: string; family: string | null; listPrice: string | null }

export function planProducts(_profile: ImportProfile, rows: Iterable<RawRow>, existing: ReadonlyArray<ProductRecord & { id: string }>): ChangePlan<ProductRecord> {
  return planGeneric<ProductRecord, ProductRecord & { id: string }>({
    kind: 'products', rows, existing, rawKey: (r) => r.get('code'), keyOf: (p) => p.code, known: knownLookups({ teams: [], people: [], territories: [] }), equal: same,
    parse: (row, sink) => {
      const code = text(sink, row, 'code', true, 100);
      const name = text(sink, row, 'name', true, 300);
      const family = text(sink, row, 'family', false, 200);
      const priceRaw = row.get('list_price');
      let listPrice: string | null | undefined = null;
      if (priceRaw !== '') {
        listPrice = sink.take('list_price', parseMoney(priceRaw));
        if (listPrice && listPrice.startsWith('-')) {
          sink.add('list_price', 'MONEY.NEGATIVE', 'must not be negative');
          listPrice = undefined;
        }
      }
      if (code === undefined || name === undefined || family === undefined || listPrice === undefined) return undefined;
      return { line: row.line, key: code, record: { code, name, family: family || null, listPrice }, refs: [] };
    },
  }).plan;
}

// ---------------------------------------------------------------- deals

export interface DealPersonRef { id: string; name: string; email: string; employeeId: string | null; active: boolean; endDate: string | null }
export interface DealAccountRef { id: string; externalId: string | null; name: string }
export interface DealProductRef { id: string; code: string; name: string }

export interface DealReferences {
  people: Lookup<DealPersonRef>;
  accounts: Lookup<DealAccountRef>;
  products: Lookup<DealProductRef>;
}

/** Lookups for deal rows: owners by email, employee id or exact full name; accounts by external id or exact name; products by code or exact name. */
export function dealReferences(people: Iterable<DealPersonRef>, accounts: Iterable<DealAccountRef>, products: Iterable<DealProductRef>): DealReferences {
  return {
    people: new Lookup(people, [{ of: (p) => p.email, caseInsensitive: true }, { of: (p) => p.employeeId }, { of: (p) => p.name }], (p) => p.name),
    accounts: new Lookup(accounts, [{ of: (a) => a.externalId }, { of: (a) => a.name }], (a) => a.name),
    products: new Lookup(products, [{ of: (p) => p.code }, { of: (p) => p.name }], (p) => p.name),
  };
}

export interface DealCredit { personId: string; share: string }

/** A valid deal row, ready to stage. Amount and dates are exact strings; null where the CRM gave none. */
export interface DealRow {
  line: number;
  externalId: string;
  name: string;
  ownerId: string;
  accountId: string;
  productId: string | null;
  stage: DealStageValue;
  type: string;
  createdDate: string | null;
  closeDate: string | null;
  amount: string | null;
  currency: string;
  credits: DealCredit[] | null;
  reversesExternalId: string | null;
}

export interface DealRowContext {
  profile: ImportProfile;
  refs: DealReferences;
  /** The organisation's one currency; null while it is not known yet (then the file decides, if unanimous). */
  currency: string | null;
}

function describeAmbiguous<T extends { name: string }>(result: LookupResult<T>, what: string): string {
  return result.kind === 'ambiguous' ? `matches ${result.records.length} ${what} (${result.records.slice(0, 3).map((r) => r.name).join(', ')}); use a unique key` : '';
}

/** Validates one CRM deal row; answers the deal (when it has no error) and every issue found. */
export function validateDealRow(row: RawRow, ctx: DealRowContext): { deal?: DealRow; issues: RowIssue[] } {
  const sink = new IssueSink(row);
  const { profile, refs } = ctx;
  const fmt = profile.dateFormat ?? 'YYYY-MM-DD';

  const externalId = text(sink, row, 'external_id', true, 200);
  const name = text(sink, row, 'name', false, 500);

  const resolve = <T extends { name: string }>(field: MappableField, lookup: Lookup<T>, what: string, required: boolean): T | null | undefined => {
    const raw = row.get(field);
    if (raw === '') {
      if (required) sink.add(field, 'FIELD.REQUIRED', 'is required');
      return required ? undefined : null;
    }
    const checked = parseText(raw, 500);
    if (!checked.ok) {
      sink.add(field, checked.problem.code, checked.problem.message);
      return undefined;
    }
    const value = mapValue(profile, field, raw);
    const found = lookup.find(value);
    if (found.kind === 'found') return found.record;
    if (found.kind === 'ambiguous') sink.add(field, `${field.toUpperCase()}.AMBIGUOUS`, `\`${value}\` ${describeAmbiguous(found, what)}`);
    else sink.add(field, `${field.toUpperCase()}.UNKNOWN`, `\`${value}\` is unknown`, { suggestion: found.suggestions });
    return undefined;
  };
  const owner = resolve('owner', refs.people, 'people', true);
  const account = resolve('account', refs.accounts, 'accounts', true);
  const product = resolve('product', refs.products, 'products', false);

  const stageRaw = row.get('stage');
  let stage: DealStageValue | undefined;
  if (stageRaw === '') sink.add('stage', 'FIELD.REQUIRED', 'is required');
  else {
    stage = mapStage(profile, stageRaw);
    if (!stage) sink.add('stage', 'STAGE.UNMAPPED', `"${stageRaw}" is not mapped to won, lost or open by the profile`, { suggestion: Object.keys(profile.stages ?? {}).filter((s) => s.toLowerCase().includes(stageRaw.toLowerCase().slice(0, 4))) });
  }

  const typeRaw = row.get('type');
  let type: string | undefined;
  if (typeRaw !== '' && !parseText(typeRaw, 100).ok) sink.add('type', 'TEXT.INVALID', 'is not valid text');
  else {
    const t = mapType(profile, typeRaw);
    if (t.unmapped) sink.add('type', 'TYPE.UNMAPPED', `"${typeRaw}" is not mapped to a transaction type by the profile`, { suggestion: Object.keys(profile.types ?? {}) });
    else type = t.type;
  }

  const date = (field: string): string | null | undefined => (row.get(field) === '' ? null : sink.take(field, parseDate(row.get(field), fmt)));
  const createdDate = date('created_date');
  const closeDate = date('close_date');

  const amountRaw = row.get('amount');
  let amount: string | null | undefined = amountRaw === '' ? null : sink.take('amount', parseMoney(amountRaw));

  const reversesRaw = text(sink, row, 'reverses', false, 200);
  const reverses = reversesRaw ? reversesRaw : null;
  if (reverses !== null && externalId !== undefined && reverses === externalId) sink.add('reverses', 'REVERSES.SELF', 'names the deal itself');

  if (amount && amount.startsWith('-')) {
    if (reverses === null) {
      sink.add('amount', 'MONEY.NEGATIVE', 'is negative; a cancellation names the deal it cancels in the reverses column');
      amount = undefined;
    } else amount = amount.slice(1);
  }

  if (stage === 'won') {
    if (closeDate === null) sink.add('close_date', 'DEAL.WON_NEEDS_CLOSE_DATE', 'is required for a won deal');
    if (amount === null && reverses === null) sink.add('amount', 'DEAL.WON_NEEDS_AMOUNT', 'is required for a won deal');
    if (amount && reverses === null && compareMoney(amount, '0.00') === 0) sink.add('amount', 'DEAL.WON_ZERO', 'is 0.00 for a won deal');
  } else if (stage === 'lost') {
    if (closeDate === null) sink.add('close_date', 'DEAL.LOST_NEEDS_CLOSE_DATE', 'is required for a lost deal');
  }
  if (reverses !== null && closeDate === null) sink.add('close_date', 'REVERSES.NEEDS_DATE', 'is required for a cancellation (the day it takes effect)');
  if (createdDate && closeDate && closeDate < createdDate) sink.add('close_date', 'DATE.ORDER', `${closeDate} is before the created date ${createdDate}`, { severity: 'warning' });

  let currency: string | undefined;
  const currencyRaw = mapped(profile, 'currency', row.get('currency'));
  if (currencyRaw === '') {
    if (ctx.currency) currency = ctx.currency;
    else sink.add('currency', 'CURRENCY.UNKNOWN', 'is empty and the organisation has no currency yet (give the currency column or the currency option)');
  } else {
    currency = sink.take('currency', parseCurrency(currencyRaw));
    if (currency && ctx.currency && currency !== ctx.currency) {
      sink.add('currency', 'CURRENCY.MISMATCH', `is ${currency}, but the organisation's currency is ${ctx.currency} (one currency per organisation)`);
      currency = undefined;
    }
  }

  const credits = parseCredits(row, sink, refs.people, closeDate ?? null);
  // Who owned a deal in the CRM does not decide its credits; a departed owner is worth a look.
  if (owner && closeDate && owner.endDate && owner.endDate < closeDate) {
    sink.add('owner', 'OWNER.LEFT', `${owner.name} left on ${owner.endDate}, before the close date ${closeDate}`, { severity: 'warning' });
  } else if (owner && !owner.active && !owner.endDate) {
    sink.add('owner', 'OWNER.INACTIVE', `${owner.name} is no longer active (credits follow the explicit credits, else the territory owner)`, { severity: 'warning' });
  }

  if (sink.errors > 0 || externalId === undefined || name === undefined || !owner || !account || product === undefined || !stage || !type
    || createdDate === undefined || closeDate === undefined || amount === undefined || currency === undefined || credits === undefined || reversesRaw === undefined) {
    return { issues: sink.issues };
  }
  return {
    deal: {
      line: row.line, externalId, name, ownerId: owner.id, accountId: account.id, productId: product?.id ?? null, stage, type,
      createdDate, closeDate, amount, currency, credits, reversesExternalId: reverses,
    },
    issues: sink.issues,
  };
}

/** `email:share;email:share` → credits with exact shares summing to exactly 1. */
function parseCredits(row: RawRow, sink: IssueSink, people: Lookup<DealPersonRef>, closeDate: string | null): DealCredit[] | null | undefined {
  const raw = row.get('credits');
  if (raw === '') return null;
  const checked = parseText(raw, 2000);
  if (!checked.ok) {
    sink.add('credits', checked.problem.code, checked.problem.message);
    return undefined;
  }
  const credits: DealCredit[] = [];
  let total = 0n;
  let ok = true;
  for (const part of raw.split(';').map((p) => p.trim()).filter(Boolean)) {
    const at = part.lastIndexOf(':');
    if (at <= 0) {
      sink.add('credits', 'CREDIT.FORMAT', `"${part}" is not "email:share"`);
      ok = false;
      continue;
    }
    const who = part.slice(0, at).trim();
    const share = parseShare(part.slice(at + 1).trim());
    if (!share.ok) {
      sink.add('credits', share.problem.code, share.problem.message);
      ok = false;
      continue;
    }
    const found = people.find(who);
    if (found.kind !== 'found') {
      sink.add('credits', 'CREDIT.UNKNOWN_PERSON', `\`${who}\` is ${found.kind === 'ambiguous' ? 'ambiguous' : 'unknown'}`, found.kind === 'missing' ? { suggestion: found.suggestions } : {});
      ok = false;
      continue;
    }
    const person = found.record;
    if (credits.some((c) => c.personId === person.id)) {
      sink.add('credits', 'CREDIT.DUPLICATE_PERSON', `names ${person.email} twice`);
      ok = false;
      continue;
    }
    if (closeDate && person.endDate && person.endDate < closeDate) {
      sink.add('credits', 'CREDIT.PERSON_LEFT', `credits ${person.email}, who left on ${person.endDate}, before the close date ${closeDate}`);
      ok = false;
    }
    total += share.value;
    credits.push({ personId: person.id, share: formatShare(share.value) });
  }
  if (!ok) return undefined;
  if (credits.length === 0) {
    sink.add('credits', 'CREDIT.FORMAT', 'names no one');
    return undefined;
  }
  if (total !== SHARE_ONE) {
    sink.add('credits', 'CREDIT.SHARES_SUM', `shares sum to ${formatShare(total)}, not 1`);
    return undefined;
  }
  return credits;
}
