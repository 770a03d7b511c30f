/**
 * Generates malformed inputs from a valid example: per field (missing, null, every wrong JSON type,
 * empty, NUL, a lone surrogate, 100,000 characters; money with three decimals, an exponent,
 * thousands separators, more digits than exact, a sign; impossible and year-zero dates; UUIDs that
 * are not; arrays empty and too long; unknown, `__proto__` and `constructor` keys; 20,000 levels of
 * nesting), per body (not JSON, not an object, the wrong content type, empty, too large), per path
 * parameter and per query parameter. Pure: the suites send what it makes.
 */
import type { Malformed, QueryKind } from './route-catalogue';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface MalformedInput {
  /** What was done, for the report: `quotas.0.amount: three decimals`. */
  name: string;
  /** The field the answer must name (a normalised path, `quotas.0.amount`), if any. */
  field?: string;
  path: string;
  /** The body as sent, and its content type (none: no body). */
  raw?: string;
  contentType?: string;
  /** The statuses that are the right answer. */
  statuses: readonly number[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MONEY = /^\d+\.\d{2}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
export const DEEP_LEVELS = 20_000;
const LONG = 'x'.repeat(100_000);

/** `{"a":{"a":…1…}}` nested `levels` deep, as text (building it as a value would not survive JSON.stringify). */
export function deepJson(levels: number): string {
  return `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
}

/** A path as the matcher compares it: `quotas[0].amount` and `quotas.0.amount` are the same field. */
export function normalise(path: string): string {
  return path.replace(/\[(\w+)\]/g, '.$1').replace(/^\./, '');
}

function matches(pattern: string, path: string): boolean {
  const p = pattern.split('.');
  const q = path.split('.');
  return p.length === q.length && p.every((seg, i) => seg === '*' || seg === q[i]);
}
const listed = (list: readonly string[] | undefined, path: string) => (list ?? []).some((pattern) => matches(pattern, path));

/** The field names an error's `details` gives (`field`, `path`, `column`, at any depth). */
export function namedFields(details: unknown): string[] {
  const out: string[] = [];
  const stack: unknown[] = [details];
  while (stack.length > 0) {
    const v = stack.pop();
    if (Array.isArray(v)) stack.push(...v);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if ((k === 'field' || k === 'path' || k === 'column') && typeof x === 'string') out.push(normalise(x.replace(/^\$\.?/, '')));
        else if (x && typeof x === 'object') stack.push(x);
      }
    }
  }
  return out;
}

/** Whether `details` names the field (itself, a field containing it, or a part of it; an importer names the column). */
export function namesField(details: unknown, field: string): boolean {
  const f = normalise(field);
  return namedFields(details).some((n) => n !== '' && (n === f || f.startsWith(`${n}.`) || n.startsWith(`${f}.`) || f.endsWith(`.${n}`)));
}

type Edit = (body: Json) => Json;

function clone(v: Json): Json {
  return JSON.parse(JSON.stringify(v)) as Json;
}

/** A copy of `body` with the value at `path` replaced (`undefined`: removed). */
function setAt(body: Json, path: string[], value: Json | undefined): Json {
  const copy = clone(body);
  if (path.length === 0) return value === undefined ? {} : value;
  let node = copy as Record<string, Json> | Json[];
  for (const seg of path.slice(0, -1)) node = (node as Record<string, Json>)[seg] as Record<string, Json>;
  const last = path[path.length - 1]!;
  if (value === undefined) {
    if (Array.isArray(node)) node.splice(Number(last), 1);
    else delete (node as Record<string, Json>)[last];
  } else (node as Record<string, Json>)[last] = value;
  return copy;
}

/** Text of `body` with the object at `path` given an own key (JSON.stringify drops `__proto__` set by assignment). */
function withRawKey(body: Json, path: string[], key: string, rawValue: string): string {
  const marker = '"__quotaflow_raw_key__"';
  const edited = setAt(body, [...path, '__quotaflow_raw_key__'], 0);
  return JSON.stringify(edited).replace(`${marker}:0`, `${JSON.stringify(key)}:${rawValue}`);
}

function withRawValue(body: Json, path: string[], rawValue: string): string {
  const edited = setAt(body, path, '__quotaflow_raw_value__');
  return JSON.stringify(edited).replace('"__quotaflow_raw_value__"', rawValue);
}

interface FieldMutation { what: string; raw: string; field: string }

/** Every field mutation of `example` (a JSON object). */
export function fieldMutations(example: Json, hints: Malformed): FieldMutation[] {
  const out: FieldMutation[] = [];
  const add = (segs: string[], what: string, edit: Edit | string, field = segs.join('.')) =>
    out.push({ what: `${segs.join('.') || 'body'}: ${what}`, raw: typeof edit === 'string' ? edit : JSON.stringify(edit(example)), field });
  const put = (segs: string[], v: Json | undefined): Edit => (b) => setAt(b, segs, v);

  const walk = (value: Json, segs: string[]) => {
    const path = segs.join('.');
    const inArray = segs.length > 0 && /^\d+$/.test(segs[segs.length - 1]!);
    if (segs.length > 0) {
      const optional = listed(hints.optional, path);
      if (!optional && !inArray) add(segs, 'missing', put(segs, undefined));
      if (!optional) add(segs, 'null', put(segs, null));
    }
    if (typeof value === 'string') {
      for (const [what, wrong] of [['a number', 12], ['a boolean', true], ['an object', {}], ['an array', []]] as const) add(segs, `${what} instead of text`, put(segs, wrong as Json));
      if (!listed(hints.mayBeEmpty, path)) add(segs, 'empty', put(segs, ''));
      add(segs, 'a NUL character', put(segs, `${value}\u0000`));
      add(segs, 'a lone surrogate', put(segs, `${value}\ud800`));
      if (!listed(hints.longOk, path)) add(segs, '100,000 characters', put(segs, LONG));
      if (UUID.test(value)) {
        add(segs, 'not a UUID', put(segs, 'not-a-uuid'));
        add(segs, 'a UUID with a stray character', put(segs, `${value.slice(0, -1)}g`));
      }
      if (MONEY.test(value)) {
        add(segs, 'money with three decimals', put(segs, '1000.125'));
        add(segs, 'money with an exponent', put(segs, '1e5'));
        add(segs, 'money with thousands separators', put(segs, '1,000.00'));
        add(segs, 'money with more digits than exact', put(segs, '12345678901234567891.00'));
        add(segs, 'negative money', put(segs, '-5.00'));
        add(segs, 'money as a JSON number', withRawValue(example, segs, '480000.5'));
        add(segs, 'money as a JSON number with more digits than a double holds', withRawValue(example, segs, '1234567890123456.7'));
      }
      if (DATE.test(value)) {
        add(segs, 'an impossible day', put(segs, '2026-02-30'));
        add(segs, 'year zero', put(segs, '0000-01-01'));
        add(segs, 'month 13', put(segs, '2026-13-01'));
      }
    } else if (typeof value === 'number') {
      for (const [what, wrong] of [['text', String(value)], ['a boolean', true], ['an object', {}], ['an array', []]] as const) add(segs, `${what} instead of a number`, put(segs, wrong as Json));
      add(segs, 'a fraction', put(segs, value + 0.5));
      add(segs, 'negative', put(segs, -1));
      add(segs, 'huge', withRawValue(example, segs, '1e21'));
    } else if (typeof value === 'boolean') {
      for (const [what, wrong] of [['text', String(value)], ['a number', 1], ['an object', {}], ['an array', []]] as const) add(segs, `${what} instead of a boolean`, put(segs, wrong as Json));
    } else if (Array.isArray(value)) {
      for (const [what, wrong] of [['text', 'x'], ['a number', 12], ['an object', {}]] as const) add(segs, `${what} instead of a list`, put(segs, wrong as Json));
      if (!listed(hints.emptyArrayOk, path)) add(segs, 'an empty list', put(segs, []));
      const max = Object.entries(hints.maxItems ?? {}).find(([pattern]) => matches(pattern, path))?.[1];
      if (max !== undefined && value.length > 0) {
        // Distinct items (new UUIDs where the items hold ids), so only the length is wrong.
        const many = Array.from({ length: max + 1 }, (_, i) => JSON.parse(JSON.stringify(value[0]).replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, () => uuidOf(i))) as Json);
        add(segs, `${max + 1} items (at most ${max})`, put(segs, many));
      }
      if (!listed(hints.opaque, path)) value.forEach((item, i) => walk(item, [...segs, String(i)]));
    } else if (value && typeof value === 'object') {
      if (segs.length > 0) for (const [what, wrong] of [['text', 'x'], ['a number', 12], ['a list', []]] as const) add(segs, `${what} instead of an object`, put(segs, wrong as Json));
      const keys = Object.keys(value);
      const map = keys.length > 0 && keys.every((k) => UUID.test(k));
      if (!listed(hints.opaque, path) && !listed(hints.openObjects, path)) add(segs, 'an unknown field', put([...segs, map ? 'not-a-uuid' : 'unexpectedField'], 1), [...segs, map ? 'not-a-uuid' : 'unexpectedField'].join('.'));
      if (map) {
        const first = keys[0]!;
        add(segs, 'a key that is not a UUID', (b) => {
          const v = setAt(b, [...segs, first], undefined);
          return setAt(v, [...segs, 'not-a-uuid'], (value as Record<string, Json>)[first]!);
        }, [...segs, 'not-a-uuid'].join('.'));
      }
      add(segs, 'a __proto__ key', withRawKey(example, segs, '__proto__', '{"polluted":true}'), [...segs, '__proto__'].join('.'));
      add(segs, 'a constructor key', withRawKey(example, segs, 'constructor', '{"prototype":{"polluted":true}}'), [...segs, 'constructor'].join('.'));
      if (segs.length > 0) add(segs, `${DEEP_LEVELS} levels of nesting`, withRawValue(example, segs, deepJson(DEEP_LEVELS)));
      if (!listed(hints.opaque, path)) for (const k of keys) walk((value as Record<string, Json>)[k]!, [...segs, k]);
    }
  };
  walk(example, []);
  return out;
}

/** A version 4 UUID made from a number (distinct for distinct numbers). */
function uuidOf(i: number): string {
  const hex = (i + 1).toString(16).padStart(12, '0');
  return `00000000-0000-4000-8000-${hex}`;
}

/** The malformed inputs of a write route's body: its fields, then the body as a whole. */
export function bodyInputs(path: string, example: Json | undefined, hints: Malformed): MalformedInput[] {
  const json = 'application/json';
  const fieldStatuses = [400, ...(hints.fieldStatuses ?? [])];
  const out: MalformedInput[] = [];
  if (example !== undefined && example !== null && typeof example === 'object' && !Array.isArray(example)) {
    for (const m of fieldMutations(example, hints)) out.push({ name: m.what, field: m.field, path, raw: m.raw, contentType: json, statuses: fieldStatuses });
  } else {
    out.push({ name: 'body: an unknown field', field: 'unexpectedField', path, raw: '{"unexpectedField":1}', contentType: json, statuses: [400] });
    out.push({ name: 'body: a __proto__ key', field: '__proto__', path, raw: '{"__proto__":{"polluted":true}}', contentType: json, statuses: [400] });
    out.push({ name: 'body: a constructor key', field: 'constructor', path, raw: '{"constructor":{"prototype":{"polluted":true}}}', contentType: json, statuses: [400] });
  }
  const text = JSON.stringify(example ?? {});
  out.push(
    { name: `body: ${DEEP_LEVELS} levels of nesting`, path, raw: deepJson(DEEP_LEVELS), contentType: json, statuses: [400] },
    { name: `body: a list ${DEEP_LEVELS} levels deep`, path, raw: `${'['.repeat(DEEP_LEVELS)}${']'.repeat(DEEP_LEVELS)}`, contentType: json, statuses: [400] },
    { name: 'body: not JSON', path, raw: '{"key": ', contentType: json, statuses: [400] },
    { name: 'body: a list instead of an object', path, raw: `[${text}]`, contentType: json, statuses: [400] },
    { name: 'body: JSON null', path, raw: 'null', contentType: json, statuses: [400] },
    { name: 'body: a JSON string', path, raw: '"text"', contentType: json, statuses: [400] },
    { name: 'body: a JSON number', path, raw: '12', contentType: json, statuses: [400] },
    { name: 'body: JSON sent as text/plain', path, raw: text, contentType: 'text/plain', statuses: [415] },
    { name: 'body: a form instead of JSON', path, raw: 'decision=approve&comment=x', contentType: 'application/x-www-form-urlencoded', statuses: [415] },
    { name: 'body: over 10 MB', path, raw: `{"padding":"${'x'.repeat(10 * 1024 * 1024 + 16)}"}`, contentType: json, statuses: [413] },
  );
  if (!hints.emptyBodyOk) out.push({ name: 'body: empty', path, raw: '', contentType: json, statuses: fieldStatuses });
  return out;
}

/**
 * The path with each parameter replaced by what it cannot be. `pattern` is the route
 * (`/quota-sets/:id/submit`), `path` a real one (`/api/v1/quota-sets/<id>/submit?…`).
 */
export function pathInputs(pattern: string, path: string, raw: { raw?: string; contentType?: string }): MalformedInput[] {
  const [bare, query] = path.split('?') as [string, string | undefined];
  const want = pattern.split('/');
  const have = bare.split('/');
  const offset = have.length - want.length;
  const out: MalformedInput[] = [];
  want.forEach((seg, i) => {
    if (!seg.startsWith(':')) return;
    const param = seg.slice(1);
    const values: [string, string][] = [
      ['not a value', 'not%20a%20value!'],
      ['a NUL character', 'a%00b'],
      ['a lone surrogate', '%ED%A0%80'],
      ['300 characters', 'x'.repeat(300)],
    ];
    if (param === 'id') values.unshift(['not a UUID', 'not-a-uuid'], ['a UUID with a stray character', `${have[i + offset]!.slice(0, -1)}g`]);
    for (const [what, value] of values) {
      const segs = [...have];
      segs[i + offset] = value;
      // A segment that is not UTF-8 cannot be decoded into the parameter at all: the answer names the path.
      out.push({ name: `:${param}: ${what}`, field: what === 'a lone surrogate' ? 'path' : param, path: `${segs.join('/')}${query ? `?${query}` : ''}`, ...raw, statuses: [400] });
    }
  });
  return out;
}

const b64url = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
const SOME_ID = '00000000-0000-4000-8000-000000000001';

function queryValues(kind: QueryKind): [string, string][] {
  const common: [string, string][] = [['a NUL character', 'a%00b'], ['a lone surrogate', '%ED%A0%80']];
  switch (kind.kind) {
    case 'int':
      return [
        ['below the minimum', String(kind.min - 1)], ['above the maximum', String(kind.max + 1)], ['a fraction', '1.5'], ['text', 'abc'],
        ['beyond a bigint', '99999999999999999999'], ['negative beyond a bigint', '-99999999999999999999'], ...common,
      ];
    case 'date':
      return [['an impossible day', '2026-02-30'], ['year zero', '0000-01-01'], ['month 13', '2026-13-01'], ['not zero-padded', '2026-2-3'], ['a word', 'tomorrow'], ...common];
    case 'uuid':
      return [['not a UUID', 'not-a-uuid'], ['a UUID with a stray character', `${SOME_ID.slice(0, -1)}g`], ...common];
    case 'enum':
      return [['not one of the values', 'nope'], ['a value and another', `${kind.values[0]},nope`], ...common];
    case 'subject':
      return [['not type:id', 'nonsense'], ['an upper-case type', 'Quota-Set:1'], ...common];
    case 'cursor':
      return [
        ['not a cursor of ours', 'not-a-cursor'],
        ['characters a cursor never has', 'abc%24%7B%7D'],
        ['base64 of a non-JSON text', b64url('hello')],
        ['base64 of a JSON list', b64url('[]')],
        ['a cursor of year zero', b64url(JSON.stringify({ d: null, c: '0000-01-01T00:00:00.000Z', i: SOME_ID }))],
        ['a cursor before year one', b64url(JSON.stringify({ d: '-000001-01-01T00:00:00.000Z', c: '2026-01-01T00:00:00.000Z', i: SOME_ID }))],
        ['a cursor at the end of time', b64url(JSON.stringify({ d: '+275760-09-13T00:00:00.000Z', c: '+275760-09-13T00:00:00.000Z', i: SOME_ID }))],
        ['a cursor with a date that is not one', b64url(JSON.stringify({ d: null, c: '2026-02-30T00:00:00.000Z', i: SOME_ID }))],
        ['a cursor whose id is not a UUID', b64url(JSON.stringify({ d: null, c: '2026-01-01T00:00:00.000Z', i: 'x'.repeat(36) }))],
        ...common,
      ];
  }
}

/** Every query input of a GET route: each parameter with what it cannot be, and given twice. */
export function queryInputs(path: string, params: Readonly<Record<string, QueryKind>>): MalformedInput[] {
  const join = (extra: string) => `${path}${path.includes('?') ? '&' : '?'}${extra}`;
  const out: MalformedInput[] = [];
  for (const [name, kind] of Object.entries(params)) {
    for (const [what, value] of queryValues(kind)) out.push({ name: `?${name}: ${what}`, field: name, path: join(`${name}=${value}`), statuses: [400] });
    const valid = kind.kind === 'int' ? String(kind.min) : kind.kind === 'enum' ? kind.values[0]! : kind.kind === 'date' ? '2026-01-01' : kind.kind === 'uuid' ? SOME_ID : kind.kind === 'subject' ? 'quota-set:x' : null;
    if (valid !== null) out.push({ name: `?${name}: given twice`, field: name, path: join(`${name}=${valid}&${name}=${valid}`), statuses: [400] });
  }
  return out;
}
