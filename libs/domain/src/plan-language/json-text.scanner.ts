/**
 * A look at the JSON text before JSON.parse sees it (spec §7): what parsing would
 * hide or could not survive. One pass, no recursion, nothing allocated per value:
 *
 * - nesting deeper than the language ever needs (a deep document would crash any
 *   recursive walk after it: validation pipes, serialisers, loggers);
 * - numbers with more significant digits than a binary float holds (JSON.parse rounds
 *   `12345678901234567891` silently), which must be given as decimal strings;
 * - `\u0000` and unpaired surrogates written as escapes (refused in any string);
 * - a key given twice in one object (JSON.parse keeps the last one silently).
 *
 * Syntax errors are left to JSON.parse, which names them; this pass never throws on
 * malformed text and stops at the first token it cannot follow.
 */
import { MAX_SIGNIFICANT_DIGITS } from './exact-decimal';
import { keyPath, safeValue } from './input-rules';
import type { ValidationIssue } from './plan-language.types';

export interface JsonScanOptions {
  /** deepest nesting of objects and arrays accepted (default 32; a plan document needs 8) */
  maxDepth?: number;
  /** stop after this many problems (default 100) */
  maxIssues?: number;
  /** check numbers for more than 15 significant digits (default true) */
  numberPrecision?: boolean;
}

export const DEFAULT_MAX_DEPTH = 32;

interface Frame {
  array: boolean;
  index: number;
  /** current key as [start, end) in the text (without quotes), -1 before the first */
  keyStart: number;
  keyEnd: number;
  /** keys seen in this object: hashes, and the spans to compare on a hash match */
  hashes: number[];
  spans: number[];
  set: Set<string> | null;
}

export function scanJsonText(text: string, options: JsonScanOptions = {}): ValidationIssue[] {
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  const maxIssues = options.maxIssues ?? 100;
  const precision = options.numberPrecision !== false;
  const issues: ValidationIssue[] = [];
  const stack: Frame[] = [];
  const len = text.length;
  let nextBackslash = text.indexOf('\\');
  /** what is wrong with the string just skipped, or null */
  let badEscape: string | null = null;
  let i = 0;

  const pathHere = (): string => {
    let p = '$';
    for (const f of stack) {
      if (f.array) p += `[${f.index}]`;
      else if (f.keyStart >= 0) p = keyPath(p, decodeKey(text, f.keyStart, f.keyEnd));
    }
    return p;
  };
  const add = (path: string, message: string, value: unknown): boolean => {
    issues.push({ path, message, value: safeValue(value) });
    return issues.length >= maxIssues;
  };

  /** Index just past the closing quote of the string that opens at `start` (-1: unterminated); sets badEscape. */
  const skipString = (start: number): number => {
    badEscape = null;
    let j = start + 1;
    for (;;) {
      const q = text.indexOf('"', j);
      if (q < 0) return -1;
      if (nextBackslash >= 0 && nextBackslash < j) nextBackslash = text.indexOf('\\', j);
      if (nextBackslash < 0 || nextBackslash > q) return q + 1;
      // one escape before the quote: look at it, then go on after it (an escaped quote is skipped so)
      const b = nextBackslash;
      let k = b + 2;
      if (text.charCodeAt(b + 1) === 117 /* u */) {
        const code = parseHex4(text, b + 2);
        k = b + 6;
        if (code === 0) badEscape ??= 'contains a NUL character (\\u0000), which no text may hold';
        else if (code >= 0xd800 && code <= 0xdbff) {
          const low = text.charCodeAt(k) === 92 && text.charCodeAt(k + 1) === 117 ? parseHex4(text, k + 2) : -1;
          if (low >= 0xdc00 && low <= 0xdfff) k += 6;
          else badEscape ??= `contains an unpaired surrogate \\u${text.slice(b + 2, b + 6)} (not a valid Unicode character)`;
        } else if (code >= 0xdc00 && code <= 0xdfff) badEscape ??= `contains an unpaired surrogate \\u${text.slice(b + 2, b + 6)} (not a valid Unicode character)`;
      }
      nextBackslash = text.indexOf('\\', k);
      j = k;
    }
  };

  while (i < len) {
    const ch = text.charCodeAt(i);
    if (ch === 32 || ch === 10 || ch === 13 || ch === 9 || ch === 44 /* , */ || ch === 58 /* : */) {
      i++;
      continue;
    }
    const top = stack.length > 0 ? stack[stack.length - 1] : null;
    if (ch === 123 /* { */ || ch === 91 /* [ */) {
      if (stack.length >= maxDepth) {
        add(pathHere(), `nested deeper than ${maxDepth} levels (objects and lists inside each other); refused before anything walks it`, null);
        return issues;
      }
      stack.push({ array: ch === 91, index: 0, keyStart: -1, keyEnd: -1, hashes: [], spans: [], set: null });
      i++;
      continue;
    }
    if (ch === 125 /* } */ || ch === 93 /* ] */) {
      stack.pop();
      i++;
      afterValue(text, stack, i);
      continue;
    }
    if (ch === 34 /* " */) {
      const end = skipString(i);
      if (end < 0) return issues;
      const problem: string | null = badEscape;
      let k = end;
      while (k < len && isSpace(text.charCodeAt(k))) k++;
      if (top !== null && !top.array && text.charCodeAt(k) === 58) {
        // a key: it names the path of what follows
        const duplicate = recordKey(text, top, i + 1, end - 1);
        top.keyStart = i + 1;
        top.keyEnd = end - 1;
        if (duplicate && add(pathHere(), 'this key is given twice in the same object (JSON keeps only the last one)', null)) return issues;
        if (problem !== null && add(pathHere(), `the key ${problem}`, decodeKey(text, i + 1, end - 1))) return issues;
        i = k + 1;
        continue;
      }
      if (problem !== null && add(pathHere(), problem, decodeKey(text, i + 1, end - 1))) return issues;
      i = end;
      afterValue(text, stack, i);
      continue;
    }
    if (ch === 45 /* - */ || (ch >= 48 && ch <= 57)) {
      let j = i;
      while (j < len) {
        const c = text.charCodeAt(j);
        if ((c >= 48 && c <= 57) || c === 45 || c === 43 || c === 46 || c === 101 || c === 69) j++;
        else break;
      }
      if (precision && j - i > MAX_SIGNIFICANT_DIGITS) {
        const digits = mantissaDigits(text, i, j);
        if (digits > MAX_SIGNIFICANT_DIGITS) {
          const token = text.slice(i, Math.min(j, i + 60));
          if (add(pathHere(), `the JSON number ${token} has ${digits} significant digits, more than a binary float holds exactly (${MAX_SIGNIFICANT_DIGITS}), so JSON would round it; give it as a decimal string: "${token}"`, token)) return issues;
        }
      }
      i = j;
      afterValue(text, stack, i);
      continue;
    }
    // true, false, null (or something JSON.parse will name)
    let j = i;
    while (j < len && text.charCodeAt(j) >= 97 && text.charCodeAt(j) <= 122) j++;
    if (j === i) return issues;
    i = j;
    afterValue(text, stack, i);
  }
  return issues;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}

function parseHex4(text: string, at: number): number {
  let v = 0;
  for (let k = at; k < at + 4; k++) {
    const c = text.charCodeAt(k);
    const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

/** After a value: a comma moves an array to its next index. */
function afterValue(text: string, stack: Frame[], i: number): void {
  const top = stack.length > 0 ? stack[stack.length - 1] : null;
  if (top === null || !top.array) return;
  let k = i;
  while (k < text.length && isSpace(text.charCodeAt(k))) k++;
  if (text.charCodeAt(k) === 44) top.index++;
}

/** Remember a key of the object; true when the object already had it. */
function recordKey(text: string, frame: Frame, start: number, end: number): boolean {
  let escaped = false;
  let h = 0x811c9dc5;
  for (let k = start; k < end; k++) {
    const c = text.charCodeAt(k);
    if (c === 92) escaped = true;
    h = Math.imul(h ^ c, 0x01000193);
  }
  if (escaped || frame.set !== null) {
    // an escaped key may equal an unescaped one, and a large object is cheaper with a set: decoded keys then
    if (frame.set === null) {
      frame.set = new Set<string>();
      for (let n = 0; n < frame.hashes.length; n++) frame.set.add(decodeKey(text, frame.spans[2 * n], frame.spans[2 * n + 1]));
    }
    const key = decodeKey(text, start, end);
    if (frame.set.has(key)) return true;
    frame.set.add(key);
    return false;
  }
  const hashes = frame.hashes;
  for (let n = 0; n < hashes.length; n++) {
    if (hashes[n] !== h) continue;
    const s = frame.spans[2 * n];
    const e = frame.spans[2 * n + 1];
    if (e - s === end - start && text.startsWith(text.slice(start, end), s)) return true;
  }
  hashes.push(h);
  frame.spans.push(start, end);
  if (hashes.length > 32) frame.set = new Set<string>(hashes.map((_, n) => decodeKey(text, frame.spans[2 * n], frame.spans[2 * n + 1])));
  return false;
}

function decodeKey(text: string, start: number, end: number): string {
  const raw = text.slice(start, end);
  if (raw.indexOf('\\') < 0) return raw;
  try {
    return JSON.parse(`"${raw}"`) as string;
  } catch {
    return raw;
  }
}

/** Significant digits of the number token text[start, end): mantissa only, leading and trailing zeros left out. */
function mantissaDigits(text: string, start: number, end: number): number {
  let first = -1;
  let last = -1;
  let pos = 0;
  for (let k = start; k < end; k++) {
    const c = text.charCodeAt(k);
    if (c === 101 || c === 69) break;
    if (c < 48 || c > 57) continue;
    if (c !== 48) {
      if (first < 0) first = pos;
      last = pos;
    }
    if (first >= 0) pos++;
    else if (c !== 48) pos++;
  }
  return first < 0 ? 0 : last - first + 1;
}
