/**
 * Exact decimal arithmetic on scaled BigInt.
 *
 * Every number read from a document is held as an integer count of 10^-12 units
 * ("fixed", scale 12). Products keep their combined scale (a credit is amount ×
 * share at scale 24, a commission slice is credit × rate at scale 36), so nothing
 * is rounded until a line is finished. Divisions (interpolated tiers, curves) stay
 * as a numerator/denominator pair until that same single rounding.
 */

export const SCALE = 12;
export const ONE = 10n ** 12n;
/** 10^k for k in 0..80, so hot paths never call `**`. */
export const POW10: readonly bigint[] = Array.from({ length: 81 }, (_, k) => 10n ** BigInt(k));

/** A JSON value that should hold a decimal: a number or a decimal string. */
export type DecimalInput = number | string;

export type ParseResult = { ok: true; value: bigint } | { ok: false; message: string };

/**
 * The supported range of every decimal of a document: at most 15 digits before the
 * point (|value| < 10^15) and 12 after it. Held exactly; anything beyond is refused,
 * never rounded. JSON numbers also have at most 15 significant digits: a binary
 * float holds no more exactly, so longer values must be given as decimal strings.
 */
export const MAX_INTEGER_DIGITS = 15;
export const MAX_SIGNIFICANT_DIGITS = 15;

const DECIMAL_STRING = /^([+-]?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

/**
 * Significant digits of a decimal text ("0.0012300" → 3, "120" → 2, "1.5e-7" → 2):
 * from the first to the last non-zero digit of its mantissa. A string without digits counts 0.
 */
export function significantDigits(text: string): number {
  let first = -1;
  let last = -1;
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 101 || ch === 69) break; // e, E: the exponent is not part of the mantissa
    if (ch < 48 || ch > 57) continue;
    if (ch !== 48) {
      if (first < 0) first = count;
      last = count;
    }
    if (first >= 0 || ch !== 48) count++;
  }
  return first < 0 ? 0 : last - first + 1;
}

/**
 * Parse a JSON number or decimal string into fixed scale 12. Numbers go through
 * their shortest round-trip string (`String(0.07)` is "0.07"), which is exactly
 * what a person typed as long as it had at most 15 significant digits; a number
 * whose shortest form is longer (`0.1 + 0.2`) is not what anyone typed and is refused.
 */
export function parseDecimal(raw: unknown): ParseResult {
  let text: string;
  if (typeof raw === 'number') {
    const hit = numberCache.get(raw);
    if (hit !== undefined) return hit;
    if (!Number.isFinite(raw)) return { ok: false, message: 'must be a finite number' };
    text = String(raw);
    const digits = significantDigits(text);
    const r: ParseResult =
      digits > MAX_SIGNIFICANT_DIGITS
        ? { ok: false, message: `is a JSON number with ${digits} significant digits, more than a binary float holds exactly (${MAX_SIGNIFICANT_DIGITS}); give it as a decimal string` }
        : parseText(text);
    if (numberCache.size < 10_000) numberCache.set(raw, r);
    return r;
  } else if (typeof raw === 'string') {
    text = raw.trim();
    if (text.length === 0) return { ok: false, message: 'must be a number or a decimal string' };
    if (text.length > 64) return { ok: false, message: `must be a decimal of at most ${MAX_INTEGER_DIGITS} digits before the point and ${SCALE} after it` };
  } else {
    return { ok: false, message: 'must be a number or a decimal string' };
  }
  return parseText(text);
}

/** Rates and shares repeat endlessly; their parse is cached (numbers only: a value, not an identity). */
const numberCache = new Map<number, ParseResult>();

/** "-1234.56": sign, digits, at most one dot, at most 12 decimals and 15 integer digits. Null when not that simple. */
function parsePlain(text: string): bigint | null {
  const negative = text.charCodeAt(0) === 45;
  const start = negative ? 1 : 0;
  const dot = text.indexOf('.');
  const end = text.length;
  if (start === end || dot === start || dot === end - 1) return null;
  if (dot >= 0 && end - dot - 1 > SCALE) return null;
  if ((dot < 0 ? end : dot) - start > MAX_INTEGER_DIGITS) return null;
  for (let i = start; i < end; i++) {
    const ch = text.charCodeAt(i);
    if ((ch < 48 || ch > 57) && i !== dot) return null;
  }
  const digits = dot < 0 ? text.slice(start) + ZEROS : text.slice(start, dot) + text.slice(dot + 1) + ZEROS.slice(end - dot - 1);
  const v = BigInt(digits);
  return negative ? -v : v;
}

const ZEROS = '0'.repeat(SCALE);

function parseText(text: string): ParseResult {
  const plain = parsePlain(text);
  if (plain !== null) return { ok: true, value: plain };
  const m = DECIMAL_STRING.exec(text);
  if (!m) return { ok: false, message: 'must be a number or a decimal string' };
  const negative = m[1] === '-';
  let digits = (m[2] + (m[3] ?? '')).replace(/^0+(?=\d)/, '');
  const exponentText = m[4] ?? '0';
  if (exponentText.replace(/^[+-]?0*/, '').length > 4) return { ok: false, message: outOfRange(text) };
  let exponent = Number(exponentText) - (m[3]?.length ?? 0);
  // strip trailing zeros of the fraction so "1.500000000000000" is accepted
  while (exponent < 0 && digits.length > 1 && digits.endsWith('0')) {
    digits = digits.slice(0, -1);
    exponent += 1;
  }
  if (digits === '0') return { ok: true, value: 0n };
  if (exponent < -SCALE) return { ok: false, message: `has more than ${SCALE} decimal places` };
  if (digits.length + exponent > MAX_INTEGER_DIGITS) return { ok: false, message: outOfRange(text) };
  const magnitude = BigInt(digits) * POW10[exponent + SCALE];
  return { ok: true, value: negative ? -magnitude : magnitude };
}

function outOfRange(text: string): string {
  const m = /^[+-]?0*(\d*)/.exec(text);
  const intDigits = m && !/[eE]/.test(text) ? m[1].length : 0;
  const what = intDigits > 0 ? `has ${intDigits} digits before the decimal point` : 'is too large';
  return `${what}; the engine holds at most ${MAX_INTEGER_DIGITS} (|value| < 10^${MAX_INTEGER_DIGITS}) exactly`;
}

/** Parse or throw; for values already validated. */
export function fixed(raw: DecimalInput): bigint {
  const r = parseDecimal(raw);
  if (!r.ok) throw new RangeError(`${String(raw)} ${r.message}`);
  return r.value;
}

/** n / d rounded half away from zero (the usual commercial "half-up"); d > 0. */
export function divRoundHalfUp(n: bigint, d: bigint): bigint {
  const q = n / d;
  const r = n - q * d;
  if (r === 0n) return q;
  const twice = r < 0n ? -2n * r : 2n * r;
  if (twice >= d) return n < 0n ? q - 1n : q + 1n;
  return q;
}

/** Value n/d at `scale` decimal places, rounded to whole cents. */
export function toCents(n: bigint, d: bigint, scale: number): bigint {
  return divRoundHalfUp(n, d * POW10[scale - 2]);
}

/** Cents below this (2^53) are exact as a number. */
const SAFE_CENTS = 2n ** 53n;

/** Cents as "1234.50" / "-5.00". */
export function formatCents(cents: bigint): string {
  if (cents < SAFE_CENTS && cents > -SAFE_CENTS) {
    // the usual size: the same text from an exact number (BigInt division costs several times more)
    const c = Number(cents);
    const negative = c < 0;
    const abs = negative ? -c : c;
    let whole = Math.floor(abs / 100);
    let frac = abs - whole * 100;
    // the float quotient may be one off near a multiple of 100: correct it exactly
    if (frac < 0) {
      whole -= 1;
      frac += 100;
    } else if (frac >= 100) {
      whole += 1;
      frac -= 100;
    }
    return `${negative ? '-' : ''}${whole}.${frac < 10 ? '0' : ''}${frac}`;
  }
  const negative = cents < 0n;
  const abs = negative ? -cents : cents;
  const whole = abs / 100n;
  const frac = abs % 100n;
  return `${negative ? '-' : ''}${whole}.${frac < 10n ? '0' : ''}${frac}`;
}

/**
 * Exact decimal n/d at `scale`, shown with at least `minPlaces` and at most
 * `maxPlaces` decimals (rounded half-up only if the value needs more places).
 */
export function formatExact(n: bigint, d: bigint, scale: number, minPlaces = 0, maxPlaces = SCALE): string {
  // most figures are whole cents: format those without the long-number path
  if (d === 1n && scale >= 2 && maxPlaces >= 2) {
    const D = POW10[scale - 2];
    const q = n / D;
    if (q * D === n) {
      const text = formatCents(q);
      if (minPlaces >= 2) return text;
      if (text.endsWith('00')) return minPlaces === 0 ? text.slice(0, -3) : text.slice(0, -1);
      return text.endsWith('0') ? text.slice(0, -1) : text;
    }
  }
  // bring to maxPlaces decimals
  let value: bigint;
  if (scale === maxPlaces && d === 1n) value = n;
  else if (d === 1n && scale > maxPlaces) {
    const D = POW10[scale - maxPlaces];
    const half = D / 2n;
    value = n >= 0n ? (n + half) / D : (n - half) / D;
  } else if (scale >= maxPlaces) value = divRoundHalfUp(n, d * POW10[scale - maxPlaces]);
  else value = divRoundHalfUp(n * POW10[maxPlaces - scale], d);
  const negative = value < 0n;
  const abs = negative ? -value : value;
  let text = abs.toString();
  if (maxPlaces === 0) return negative && abs !== 0n ? `-${text}` : text;
  if (text.length <= maxPlaces) text = text.padStart(maxPlaces + 1, '0');
  const intPart = text.slice(0, text.length - maxPlaces);
  let cut = text.length;
  const minCut = text.length - maxPlaces + minPlaces;
  while (cut > minCut && text.charCodeAt(cut - 1) === 48) cut--;
  const frac = text.slice(text.length - maxPlaces, cut);
  const body = frac.length > 0 ? `${intPart}.${frac}` : intPart;
  return negative && abs !== 0n ? `-${body}` : body;
}

/** A fixed (scale 12) value as a plain decimal string, exact. */
export function formatFixed(value: bigint, minPlaces = 0): string {
  return formatExact(value, 1n, SCALE, minPlaces, SCALE);
}
