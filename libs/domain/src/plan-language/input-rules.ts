/**
 * Rules every object and string of a document obeys, whatever its place (spec §7):
 * only the keys the language defines (a typo is named, with the nearest key it
 * could have meant), no prototype-bending names, no NUL or other invalid code
 * points, and problems reported with a value that is safe to print.
 */
import type { ValidationIssue } from './plan-language.types';

/** The keys each kind of object may have. */
export const KNOWN_KEYS = {
  document: ['currency', 'periods', 'plans', 'participants', 'transactions', 'adjustments'],
  period: ['id', 'start', 'end'],
  plan: ['id', 'components', 'draw', 'clawbackReducesAttainment'],
  component: ['id', 'kind', 'deduction', 'types', 'products', 'window', 'basis', 'table', 'threshold', 'multiplier', 'cap', 'of', 'rate'],
  table: ['split', 'boundary', 'tiers'],
  multiplier: ['split', 'boundary', 'basis', 'tiers'],
  tier: ['from', 'to', 'rate', 'amount'],
  threshold: ['amount', 'carryDeficit'],
  draw: ['type', 'amount', 'periods', 'recoverFrom', 'recoveryRate'],
  participant: ['id', 'name', 'planId', 'quota', 'state'],
  state: ['credited', 'paid', 'drawBalance', 'deficit'],
  transaction: ['id', 'date', 'amount', 'type', 'product', 'credits', 'reverses'],
  credit: ['participantId', 'share'],
  adjustment: ['participantId', 'periodId', 'amount', 'reason'],
} as const;

export type ObjectKind = keyof typeof KNOWN_KEYS;

const KNOWN_SETS: Record<ObjectKind, ReadonlySet<string>> = Object.fromEntries(
  Object.entries(KNOWN_KEYS).map(([kind, keys]) => [kind, new Set<string>(keys)]),
) as unknown as Record<ObjectKind, ReadonlySet<string>>;

/** Names that reach into a JavaScript object's prototype: never a key nor an id. */
export const RESERVED_NAMES: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

export class Issues {
  readonly list: ValidationIssue[] = [];
  add(path: string, message: string, value: unknown): void {
    this.list.push({ path, message, value: safeValue(value) });
  }
  get count(): number {
    return this.list.length;
  }
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/** `$.a.b` for plain keys, `$.a["2026-03"]` / `$.a["odd key"]` for the rest (long keys cut). */
export function keyPath(base: string, key: string): string {
  if (IDENTIFIER.test(key) && key.length <= 100) return `${base}.${key}`;
  const shown = key.length > 100 ? `${key.slice(0, 97)}...` : key;
  return `${base}[${JSON.stringify(shown)}]`;
}

/**
 * Damerau–Levenshtein distance (adjacent swaps count one), stopping early above `max`.
 * Keys are short, so the quadratic table is tiny.
 */
function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array<number>(rows * cols).fill(0);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    let best = max + 1;
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[(i - 1) * cols + j] + 1, d[i * cols + j - 1] + 1, d[(i - 1) * cols + j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[(i - 2) * cols + j - 2] + 1);
      d[i * cols + j] = v;
      if (v < best) best = v;
    }
    if (best > max) return max + 1;
  }
  return d[rows * cols - 1];
}

/** The known key a typo most likely meant ("capp" → "cap", "reverse" → "reverses"), or null. */
export function suggestKey(key: string, known: readonly string[]): string | null {
  const lower = key.toLowerCase();
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const k of known) {
    if (k.toLowerCase() === lower) return k;
    // a short key may be one edit off; a longer one two
    const max = k.length <= 4 ? 1 : 2;
    const dist = editDistance(lower, k.toLowerCase(), max);
    if (dist <= max && dist < bestDistance) {
      best = k;
      bestDistance = dist;
    }
  }
  if (best === null && key.length >= 4) {
    // a prefix or an extension of a known key ("recoverFromPeriod", "multi")
    for (const k of known) if (k.length >= 4 && (lower.startsWith(k.toLowerCase()) || k.toLowerCase().startsWith(lower))) return k;
  }
  return best;
}

/** Report every key of `obj` that objects of this kind do not have. */
export function checkKeys(issues: Issues, path: string, obj: Record<string, unknown>, kind: ObjectKind): void {
  const known = KNOWN_SETS[kind];
  for (const key in obj) {
    if (!Object.prototype.hasOwnProperty.call(obj, key) || known.has(key)) continue;
    reportUnknownKey(issues, path, key, obj[key], kind);
  }
}

/**
 * Fast check for the million-row arrays (transactions, credits): true when every key is
 * known. for…in over an object from JSON.parse reads its shape's cached keys; no array is made.
 */
export function hasOnlyKeys(obj: Record<string, unknown>, kind: 'transaction' | 'credit'): boolean {
  if (kind === 'transaction') {
    for (const key in obj) {
      switch (key) {
        case 'id':
        case 'date':
        case 'amount':
        case 'type':
        case 'product':
        case 'credits':
        case 'reverses':
          continue;
        default:
          return false;
      }
    }
    return true;
  }
  for (const key in obj) {
    if (key !== 'participantId' && key !== 'share') return false;
  }
  return true;
}

function reportUnknownKey(issues: Issues, path: string, key: string, value: unknown, kind: ObjectKind): void {
  const where = keyPath(path, key);
  if (RESERVED_NAMES.has(key)) {
    issues.add(where, `"${key}" is not a key of the plan language (a reserved name, refused everywhere)`, value);
    return;
  }
  const suggestion = suggestKey(key, KNOWN_KEYS[kind]);
  const known = KNOWN_KEYS[kind].map((k) => `"${k}"`).join(', ');
  issues.add(where, `unknown key ${JSON.stringify(shorten(key, 60))}${suggestion !== null ? ` (did you mean "${suggestion}"?)` : ''}; a ${kind} has ${known}`, value);
}

/** A record whose keys are ids (quota by period, state by component): reserved names refused. */
export function checkIdKeys(issues: Issues, path: string, obj: Record<string, unknown>): void {
  for (const key in obj) {
    if (!Object.prototype.hasOwnProperty.call(obj, key)) continue;
    if (RESERVED_NAMES.has(key)) issues.add(keyPath(path, key), `"${key}" is a reserved name and cannot be an id`, obj[key]);
    else {
      const bad = badCodePoint(key);
      if (bad !== null) issues.add(keyPath(path, key), `key ${bad}`, key);
    }
  }
}

function shorten(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

/**
 * The first character of `s` that no stored text may hold, described, or null:
 * NUL and other C0 controls but tab, line feed and carriage return, and UTF-16
 * surrogates that are not a pair (no valid Unicode text contains them; PostgreSQL
 * refuses both).
 */
export function badCodePoint(s: string): string | null {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20) {
      if (c === 9 || c === 10 || c === 13) continue;
      return `contains ${c === 0 ? 'a NUL character (U+0000)' : `the control character U+${hex4(c)}`} at position ${i}`;
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      const next = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
      return `contains an unpaired surrogate U+${hex4(c)} at position ${i} (not a valid Unicode character)`;
    }
  }
  return null;
}

/** True when the (short) string holds only printable, valid characters: the common case, tested first. */
export function isCleanText(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || (c >= 0xd800 && c <= 0xdfff)) return false;
  }
  return true;
}

function hex4(c: number): string {
  return c.toString(16).toUpperCase().padStart(4, '0');
}

/**
 * A value as an issue reports it: small values as they are, long strings cut, and
 * large or deep structures summarised, so printing an issue never walks (or
 * recurses into) a huge or hostile value.
 */
export function safeValue(value: unknown): unknown {
  if (value === undefined) return null;
  if (typeof value === 'string') return value.length > 200 ? `${value.slice(0, 197)}...` : value;
  if (typeof value !== 'object' || value === null) return value;
  return isSmall(value, 40) ? value : summarise(value);
}

/** At most `budget` nodes, at most 4 levels, only plain data: walked without recursion. */
function isSmall(root: object, budget: number): boolean {
  const stack: [unknown, number][] = [[root, 0]];
  let nodes = 0;
  while (stack.length > 0) {
    const [v, depth] = stack.pop() as [unknown, number];
    if (++nodes > budget) return false;
    if (typeof v === 'string') {
      if (v.length > 200) return false;
      continue;
    }
    if (typeof v !== 'object' || v === null) continue;
    if (depth >= 4) return false;
    const proto: unknown = Object.getPrototypeOf(v);
    if (!Array.isArray(v) && proto !== Object.prototype && proto !== null) return false;
    let n = 0;
    for (const key in v) {
      if (++n > budget || key.length > 100) return false;
      stack.push([(v as Record<string, unknown>)[key], depth + 1]);
    }
  }
  return true;
}

function summarise(value: object): string {
  if (Array.isArray(value)) return `[a list of ${value.length} item(s)]`;
  const keys: string[] = [];
  let n = 0;
  for (const key in value) {
    if (n++ < 6) keys.push(JSON.stringify(shorten(key, 30)));
  }
  return `{an object with ${n} key(s): ${keys.join(', ')}${n > 6 ? ', ...' : ''}}`;
}
