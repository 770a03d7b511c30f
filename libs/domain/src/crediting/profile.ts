// Import kinds, their fields, and import profiles: which column holds which field, how CRM stage
// and type names map to Quotaflow's, explicit value mappings, the date format of the file.
import { DATE_FORMATS, type DateFormat } from './values';
import { SpellingIndex, didYouMean } from './suggest';

export const IMPORT_KINDS = ['teams', 'people', 'territories', 'accounts', 'products', 'deals'] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

export const DEAL_STAGES = ['won', 'open', 'lost'] as const;
export type DealStageValue = (typeof DEAL_STAGES)[number];

export interface FieldSpec {
  field: string;
  required: boolean;
  description: string;
}

const f = (field: string, required: boolean, description: string): FieldSpec => ({ field, required, description });

/** Every field of every kind; the default profile's column header is the field name. */
export const IMPORT_FIELDS: Record<ImportKind, readonly FieldSpec[]> = {
  teams: [
    f('name', true, 'team name (its natural key)'),
    f('manager_email', false, 'email of the team manager (a known person)'),
    f('parent_team', false, 'name of the parent team'),
  ],
  people: [
    f('name', true, 'full name'),
    f('email', true, 'email (the natural key; compared in lower case)'),
    f('roles', true, 'roles separated by ";": rep, manager, finance, ops, auditor, admin'),
    f('team', false, 'team name'),
    f('manager_email', false, 'email of the manager'),
    f('employee_id', false, 'employee id for payroll (unique)'),
    f('start_date', false, 'first day, YYYY-MM-DD'),
    f('end_date', false, 'last day, YYYY-MM-DD (a person with an end date in the past is inactive)'),
  ],
  territories: [
    f('name', true, 'territory name (its natural key)'),
    f('parent', false, 'name of the parent territory'),
    f('team', false, 'team name'),
    f('owner_email', false, 'email of the rep who owns the territory'),
  ],
  accounts: [
    f('external_id', true, 'CRM account id (the natural key)'),
    f('name', true, 'account name'),
    f('territory', true, 'territory name'),
    f('industry', false, 'industry'),
    f('territory_since', false, 'day from which a new account belongs to its territory (default: the start of records)'),
  ],
  products: [
    f('code', true, 'product code (the natural key)'),
    f('name', true, 'product name'),
    f('family', false, 'product family'),
    f('list_price', false, 'list price, exact to the cent'),
  ],
  deals: [
    f('external_id', true, 'CRM opportunity id (the natural key)'),
    f('name', false, 'deal name'),
    f('owner', true, 'deal owner: email, employee id or exact full name'),
    f('account', true, 'account: external id or exact name'),
    f('product', false, 'product: code or exact name'),
    f('stage', true, 'CRM stage, mapped to won / lost / open by the profile'),
    f('type', false, 'transaction type for the plan (e.g. new, renewal), mapped by the profile'),
    f('created_date', false, 'created / engaged date'),
    f('close_date', false, 'close date (required for won and lost deals)'),
    f('amount', false, 'amount, exact to the cent (required for won deals)'),
    f('currency', false, 'ISO currency code; the organisation has one currency'),
    f('credits', false, 'explicit credits "email:share;email:share", shares summing to 1'),
    f('reverses', false, 'external id of the deal this one cancels'),
  ],
};

/** Account columns whose header starts with this prefix become account attributes. */
export const ATTRIBUTE_COLUMN_PREFIX = 'attr:';

/** Fields an explicit value mapping may rewrite before lookup (raw value → replacement). */
export const MAPPABLE_FIELDS = ['owner', 'account', 'product', 'team', 'parent_team', 'parent', 'territory', 'manager_email', 'owner_email', 'currency', 'roles'] as const;
export type MappableField = (typeof MAPPABLE_FIELDS)[number];

export interface ImportProfile {
  key: string;
  name: string;
  kind: ImportKind;
  description?: string;
  /** Key of a profile whose settings this one starts from (e.g. a customer's copy of `salesforce`). */
  extends?: string;
  /** field → column header (or several accepted headers). Unlisted fields use their own name. */
  columns?: Record<string, string | string[]>;
  /** CRM stage label → won / lost / open (compared after trimming, case-insensitively). */
  stages?: Record<string, DealStageValue>;
  /** What a stage not listed in `stages` becomes; `null` makes it an error. */
  otherStages?: DealStageValue | null;
  /** CRM type label → plan transaction type. Without it the value is used as written. */
  types?: Record<string, string>;
  /** Transaction type of a deal whose type is empty or not mapped to a column. */
  defaultType?: string;
  /** Explicit value mappings, applied before lookup: field → (raw value → value). */
  values?: Partial<Record<MappableField, Record<string, string>>>;
  dateFormat?: DateFormat;
  /**
   * Lines an export adds below the data (a report's totals and notices): a row whose first cell
   * starts with one of these and whose other cells are empty is not data and is skipped.
   */
  footerStartsWith?: string[];
}

/** True when the row is a footer line of the profile's export (see `footerStartsWith`). */
export function isFooterRow(profile: ImportProfile, cells: readonly string[]): boolean {
  const markers = profile.footerStartsWith;
  if (!markers || markers.length === 0 || cells.length === 0) return false;
  const first = cells[0]!.trim();
  if (!markers.some((m) => first.startsWith(m))) return false;
  for (let i = 1; i < cells.length; i++) if (cells[i]!.trim() !== '') return false;
  return true;
}

export interface ProfileProblem {
  field: string;
  message: string;
}

/** Checks a profile's shape; answers every problem (empty when valid). */
export function validateProfile(p: ImportProfile): ProfileProblem[] {
  const problems: ProfileProblem[] = [];
  if (!/^[a-z0-9][a-z0-9-]{1,62}$/.test(p.key ?? '')) problems.push({ field: 'key', message: 'must be 2-63 lower-case letters, digits or "-"' });
  if (!IMPORT_KINDS.includes(p.kind)) problems.push({ field: 'kind', message: `must be one of ${IMPORT_KINDS.join(', ')}` });
  if (typeof p.name !== 'string' || p.name.trim() === '' || p.name.length > 200) problems.push({ field: 'name', message: 'is required (at most 200 characters)' });
  if (p.description !== undefined && (typeof p.description !== 'string' || p.description.length > 2000)) problems.push({ field: 'description', message: 'must be text of at most 2,000 characters' });
  if (p.extends !== undefined && (typeof p.extends !== 'string' || !/^[a-z0-9][a-z0-9-]{1,62}$/.test(p.extends))) problems.push({ field: 'extends', message: 'must be the key of another profile' });
  if (p.defaultType !== undefined && (typeof p.defaultType !== 'string' || p.defaultType.trim() === '' || p.defaultType.length > 200)) problems.push({ field: 'defaultType', message: 'must be a non-empty type' });
  // The maps must be objects: `Object.entries(12)` is empty, so a number would be stored as "no mapping".
  for (const name of ['columns', 'stages', 'types', 'values'] as const) {
    const map: unknown = p[name];
    if (map !== undefined && (map === null || typeof map !== 'object' || Array.isArray(map))) problems.push({ field: name, message: 'must be an object' });
  }
  if (problems.some((x) => ['columns', 'stages', 'types', 'values'].includes(x.field))) return problems;
  const fields = new Set((IMPORT_FIELDS[p.kind] ?? []).map((s) => s.field));
  for (const [field, header] of Object.entries(p.columns ?? {})) {
    if (!fields.has(field)) problems.push({ field: `columns.${field}`, message: `is not a field of ${p.kind}: ${[...fields].join(', ')}` });
    const headers = Array.isArray(header) ? header : [header];
    if (headers.length === 0 || headers.some((h) => typeof h !== 'string' || h.trim() === '' || h.length > 200)) problems.push({ field: `columns.${field}`, message: 'must name a column header' });
  }
  for (const [label, stage] of Object.entries(p.stages ?? {})) {
    if (!DEAL_STAGES.includes(stage)) problems.push({ field: `stages.${label}`, message: 'must be won, lost or open' });
  }
  if (p.otherStages !== undefined && p.otherStages !== null && !DEAL_STAGES.includes(p.otherStages)) problems.push({ field: 'otherStages', message: 'must be won, lost, open or null' });
  if (p.dateFormat !== undefined && !DATE_FORMATS.includes(p.dateFormat)) problems.push({ field: 'dateFormat', message: `must be one of ${DATE_FORMATS.join(', ')}` });
  for (const [field, map] of Object.entries(p.values ?? {})) {
    if (!(MAPPABLE_FIELDS as readonly string[]).includes(field)) problems.push({ field: `values.${field}`, message: `values can map ${MAPPABLE_FIELDS.join(', ')}` });
    if (!map || typeof map !== 'object' || Array.isArray(map) || Object.values(map).some((v) => typeof v !== 'string' || v.trim() === '' || v.length > 200)) {
      problems.push({ field: `values.${field}`, message: 'must map text to non-empty text (at most 200 characters)' });
    }
  }
  if (p.footerStartsWith !== undefined && (!Array.isArray(p.footerStartsWith) || p.footerStartsWith.some((m) => typeof m !== 'string' || m.trim() === ''))) {
    problems.push({ field: 'footerStartsWith', message: 'must be a list of non-empty texts' });
  }
  for (const [label, type] of Object.entries(p.types ?? {})) {
    if (typeof type !== 'string' || type.trim() === '') problems.push({ field: `types.${label}`, message: 'must be a non-empty type' });
  }
  return problems;
}

/** A profile with `extends` resolved: the parent's settings, overridden and extended by the child's. */
export function mergeProfiles(parent: ImportProfile, child: ImportProfile): ImportProfile {
  const values: ImportProfile['values'] = { ...(parent.values ?? {}) };
  for (const [field, map] of Object.entries(child.values ?? {})) {
    values[field as MappableField] = { ...(parent.values?.[field as MappableField] ?? {}), ...map };
  }
  return {
    ...parent,
    ...child,
    columns: { ...(parent.columns ?? {}), ...(child.columns ?? {}) },
    stages: { ...(parent.stages ?? {}), ...(child.stages ?? {}) },
    types: { ...(parent.types ?? {}), ...(child.types ?? {}) },
    values,
    otherStages: child.otherStages !== undefined ? child.otherStages : parent.otherStages,
    dateFormat: child.dateFormat ?? parent.dateFormat,
    defaultType: child.defaultType ?? parent.defaultType,
    extends: undefined,
  };
}

export interface ColumnLayout {
  /** field → index of its column. */
  index: Map<string, number>;
  /** Account attribute columns: attribute key → index. */
  attributes: Map<string, number>;
  /** The headers as read (for the report's column names). */
  headers: string[];
  /** Columns no field uses (CRM exports carry many; they are listed, not errors). */
  ignored: string[];
}

export interface LayoutProblem {
  code: string;
  message: string;
  column: string | null;
  /** The field a missing column would have held. */
  field?: string;
}

const headerKey = (h: string): string => h.trim().toLowerCase();

/** Finds each field's column in the header row; a required field without a column is a file-level problem. */
export function resolveColumns(kind: ImportKind, profile: ImportProfile, headers: readonly string[]): { layout: ColumnLayout; problems: LayoutProblem[] } {
  const problems: LayoutProblem[] = [];
  const byHeader = new Map<string, number>();
  headers.forEach((h, i) => {
    const key = headerKey(h);
    if (key === '') return;
    if (byHeader.has(key)) problems.push({ code: 'FILE.DUPLICATE_COLUMN', message: `column "${h}" appears twice`, column: h });
    else byHeader.set(key, i);
  });
  const spelling = new SpellingIndex(headers.filter((h) => h.trim() !== ''));
  const index = new Map<string, number>();
  const used = new Set<number>();
  for (const spec of IMPORT_FIELDS[kind]) {
    const configured = profile.columns?.[spec.field];
    const candidates = configured === undefined ? [spec.field] : Array.isArray(configured) ? configured : [configured];
    const found = candidates.map((c) => byHeader.get(headerKey(c))).find((i) => i !== undefined);
    if (found !== undefined) {
      index.set(spec.field, found);
      used.add(found);
    } else if (spec.required) {
      problems.push({
        code: 'FILE.MISSING_COLUMN',
        message: `the ${spec.field} column ("${candidates.join('" or "')}") is missing${didYouMean(candidates.flatMap((c) => spelling.suggest(c, 2)))}`,
        column: candidates[0]!,
        field: spec.field,
      });
    }
  }
  const attributes = new Map<string, number>();
  if (kind === 'accounts') {
    headers.forEach((h, i) => {
      const t = h.trim();
      if (t.toLowerCase().startsWith(ATTRIBUTE_COLUMN_PREFIX) && !used.has(i)) {
        const key = t.slice(ATTRIBUTE_COLUMN_PREFIX.length).trim();
        if (key) {
          attributes.set(key, i);
          used.add(i);
        }
      }
    });
  }
  const ignored = headers.filter((h, i) => !used.has(i) && h.trim() !== '');
  return { layout: { index, attributes, headers: [...headers], ignored }, problems };
}

/** The value after the profile's explicit mapping of that field (exact match on the trimmed value). */
export function mapValue(profile: ImportProfile, field: MappableField, value: string): string {
  const map = profile.values?.[field];
  if (!map) return value;
  const mapped = map[value];
  return mapped === undefined ? value : mapped;
}

export interface StageResolution {
  stage?: DealStageValue;
  known: string[];
}

/** A CRM stage label → won / lost / open, via the profile (case-insensitive, trimmed). */
export function mapStage(profile: ImportProfile, label: string): DealStageValue | undefined {
  const stages = profile.stages ?? {};
  const wanted = label.trim().toLowerCase();
  for (const [name, stage] of Object.entries(stages)) if (name.trim().toLowerCase() === wanted) return stage;
  if ((DEAL_STAGES as readonly string[]).includes(wanted) && Object.keys(stages).length === 0) return wanted as DealStageValue;
  const other = profile.otherStages;
  return other === null || other === undefined ? undefined : other;
}

/** The plan transaction type of a CRM type label (mapped when the profile maps types). */
export function mapType(profile: ImportProfile, label: string): { type?: string; unmapped?: boolean } {
  if (label === '') return { type: profile.defaultType ?? 'new' };
  const types = profile.types ?? {};
  if (Object.keys(types).length === 0) return { type: label };
  const wanted = label.trim().toLowerCase();
  for (const [name, type] of Object.entries(types)) if (name.trim().toLowerCase() === wanted) return { type };
  return { unmapped: true };
}
