// Parsing of the values an import meets: text, money, dates, shares, emails. Each parser answers
// a value or a problem (code + reason); nothing is rounded, trimmed into meaning or guessed.

export interface ValueProblem {
  code: string;
  message: string;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: ValueProblem };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const bad = (code: string, message: string): Parsed<never> => ({ ok: false, problem: { code, message } });

/** NUL, a lone surrogate or a noncharacter: refused in every text field. */
const INVALID_TEXT = /[\u0000\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function textProblem(value: string): ValueProblem | null {
  if (!INVALID_TEXT.test(value)) return null;
  return value.includes('\u0000')
    ? { code: 'TEXT.NUL', message: 'contains a NUL character' }
    : { code: 'TEXT.INVALID_CODE_POINT', message: 'contains an invalid code point (a lone surrogate or a noncharacter)' };
}

export const MAX_TEXT_LENGTH = 1000;

/** A text value: refused when it holds NUL / invalid code points or is longer than `max`. */
export function parseText(value: string, max = MAX_TEXT_LENGTH): Parsed<string> {
  const problem = textProblem(value);
  if (problem) return { ok: false, problem };
  if (value.length > max) return bad('TEXT.TOO_LONG', `is longer than ${max} characters`);
  return ok(value);
}

const MONEY = /^-?\d{1,16}(\.\d{1,2})?$/;
const MONEY_TOO_PRECISE = /^-?\d{1,16}\.\d{3,}$/;

/**
 * Money: plain decimal, at most 2 decimals, at most 16 integer digits; normalised to 2 decimals
 * ("1200" → "1200.00"). Thousands separators, currency signs, exponents are refused, not read.
 */
export function parseMoney(value: string): Parsed<string> {
  if (MONEY.test(value)) {
    const negative = value.startsWith('-');
    const body = negative ? value.slice(1) : value;
    const [whole, fraction = ''] = body.split('.');
    const digits = whole!.replace(/^0+(?=\d)/, '');
    const text = `${digits}.${fraction.padEnd(2, '0')}`;
    return ok(negative && !/^0\.00$/.test(text) ? `-${text}` : text);
  }
  if (MONEY_TOO_PRECISE.test(value)) return bad('MONEY.PRECISION', `"${value}" has more than 2 decimals (money is exact to the cent; nothing is rounded)`);
  if (/^[-+]?[$€£]?\s?[\d,]+(\.\d+)?$/.test(value) && /[,$€£+]/.test(value)) {
    return bad('MONEY.FORMAT', `"${value}" is not a plain decimal: write it without thousands separators or currency signs, e.g. "${value.replace(/[^\d.-]/g, '')}"`);
  }
  return bad('MONEY.FORMAT', `"${value}" is not an amount (digits, an optional "." and at most 2 decimals)`);
}

/** Compares two normalised money strings exactly (-1, 0, 1). */
export function compareMoney(a: string, b: string): number {
  const units = (v: string): bigint => BigInt(v.replace('.', ''));
  const x = units(a);
  const y = units(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

export const DATE_FORMATS = ['YYYY-MM-DD', 'M/D/YYYY', 'D/M/YYYY', 'D.M.YYYY'] as const;
export type DateFormat = (typeof DATE_FORMATS)[number];

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;
const SLASH_DATE = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?: \d{1,2}:\d{2}(?::\d{2})?(?: ?[AaPp][Mm])?)?$/;
const DOT_DATE = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/;

function calendarDate(y: number, m: number, d: number): string | null {
  if (m < 1 || m > 12 || d < 1 || y < 1 || y > 9999) return null;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]!;
  if (d > days) return null;
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/**
 * A calendar date in the profile's format, answered as YYYY-MM-DD. A time of day after the date
 * (CRM exports often carry one) is allowed and dropped: the date is the day as written, never
 * shifted by a time zone.
 */
export function parseDate(value: string, format: DateFormat = 'YYYY-MM-DD'): Parsed<string> {
  let y: number; let m: number; let d: number;
  if (format === 'YYYY-MM-DD') {
    const match = ISO_DATE.exec(value);
    if (!match) return bad('DATE.FORMAT', `"${value}" is not a date in the format YYYY-MM-DD`);
    [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  } else {
    const match = (format === 'D.M.YYYY' ? DOT_DATE : SLASH_DATE).exec(value);
    if (!match) return bad('DATE.FORMAT', `"${value}" is not a date in the format ${format}`);
    const [a, b, year] = [Number(match[1]), Number(match[2]), Number(match[3])];
    y = year;
    [m, d] = format === 'M/D/YYYY' ? [a, b] : [b, a];
  }
  const date = calendarDate(y, m, d);
  return date ? ok(date) : bad('DATE.INVALID', `"${value}" is not a calendar date`);
}

const SHARE = /^(0(\.\d{1,10})?|1(\.0{1,10})?|\.\d{1,10})$/;
export const SHARE_SCALE = 10;

/** A credit share in (0, 1] as units of 10^-10 (exact). */
export function parseShare(value: string): Parsed<bigint> {
  if (!SHARE.test(value)) {
    return bad('CREDIT.SHARE_FORMAT', /%$/.test(value)
      ? `share "${value}" must be a fraction of 1 (e.g. 0.7), not a percentage`
      : `share "${value}" must be a decimal in (0, 1] with at most ${SHARE_SCALE} decimals`);
  }
  const [whole, fraction = ''] = value.split('.');
  const units = BigInt(`${whole || '0'}${fraction.padEnd(SHARE_SCALE, '0')}`);
  if (units === 0n) return bad('CREDIT.SHARE_RANGE', `share "${value}" must be greater than 0`);
  return ok(units);
}

export const SHARE_ONE = 10n ** BigInt(SHARE_SCALE);

/** Units of 10^-10 back to the shortest decimal string ("0.7", "1"). */
export function formatShare(units: bigint): string {
  const digits = units.toString().padStart(SHARE_SCALE + 1, '0');
  const whole = digits.slice(0, digits.length - SHARE_SCALE);
  const fraction = digits.slice(digits.length - SHARE_SCALE).replace(/0+$/, '');
  return fraction ? `${whole}.${fraction}` : whole;
}

const EMAIL = /^[^\s@,;:<>()[\]"]+@[^\s@,;:<>()[\]"]+\.[^\s@,;:<>()[\]"]+$/;

/** An email address, compared and stored in lower case (mail systems treat it so). */
export function parseEmail(value: string): Parsed<string> {
  if (!EMAIL.test(value) || value.length > 254) return bad('EMAIL.FORMAT', `"${value}" is not an email address`);
  return ok(value.toLowerCase());
}

const CURRENCY = /^[A-Z]{3}$/;

export function parseCurrency(value: string): Parsed<string> {
  return CURRENCY.test(value) ? ok(value) : bad('CURRENCY.FORMAT', `"${value}" is not an ISO 4217 currency code (three capital letters, e.g. USD)`);
}
