// Exact decimal arithmetic on strings, backed by scaled BigInt: money never touches a float.
// Rounding is half-up (away from zero), the one rule of spec/plan-language.md.

const DECIMAL_PATTERN = /^-?\d+(\.\d+)?$/;

interface Scaled {
  units: bigint;
  scale: number;
}

export function isDecimalString(value: unknown): value is string {
  return typeof value === 'string' && DECIMAL_PATTERN.test(value);
}

function parse(value: string): Scaled {
  if (!isDecimalString(value)) throw new RangeError(`not a decimal string: ${JSON.stringify(value)}`);
  const negative = value.startsWith('-');
  const digits = negative ? value.slice(1) : value;
  const [whole, fraction = ''] = digits.split('.');
  const units = BigInt(whole + fraction);
  return { units: negative ? -units : units, scale: fraction.length };
}

function pow10(n: number): bigint {
  return 10n ** BigInt(n);
}

function rescale(value: Scaled, scale: number): bigint {
  return value.units * pow10(scale - value.scale);
}

function format(units: bigint, scale: number): string {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  const fraction = digits.slice(digits.length - scale);
  const body = scale > 0 ? `${whole}.${fraction}` : whole;
  return negative && units !== 0n ? `-${body}` : body;
}

/** Integer division rounding half away from zero. */
function divideHalfUp(numerator: bigint, denominator: bigint): bigint {
  if (denominator === 0n) throw new RangeError('division by zero');
  const negative = numerator < 0n !== denominator < 0n;
  const n = numerator < 0n ? -numerator : numerator;
  const d = denominator < 0n ? -denominator : denominator;
  const quotient = (n * 2n + d) / (d * 2n);
  return negative ? -quotient : quotient;
}

export function decAdd(a: string, b: string): string {
  const x = parse(a);
  const y = parse(b);
  const scale = Math.max(x.scale, y.scale);
  return format(rescale(x, scale) + rescale(y, scale), scale);
}

export function decSub(a: string, b: string): string {
  return decAdd(a, decNeg(b));
}

export function decNeg(a: string): string {
  const x = parse(a);
  return format(-x.units, x.scale);
}

export function decAbs(a: string): string {
  return decCmp(a, '0') < 0 ? decNeg(a) : a;
}

export function decMul(a: string, b: string): string {
  const x = parse(a);
  const y = parse(b);
  return format(x.units * y.units, x.scale + y.scale);
}

/** a ÷ b rounded half-up to `scale` places. */
export function decDiv(a: string, b: string, scale: number): string {
  const x = parse(a);
  const y = parse(b);
  // a/b = (x.units / 10^xs) / (y.units / 10^ys); scale the numerator so the quotient has `scale` places.
  const numerator = x.units * pow10(scale + y.scale);
  const denominator = y.units * pow10(x.scale);
  return format(divideHalfUp(numerator, denominator), scale);
}

/** Rounds half-up to `scale` places (pads when the value has fewer). */
export function decRound(a: string, scale: number): string {
  const x = parse(a);
  if (x.scale <= scale) return format(rescale(x, scale), scale);
  return format(divideHalfUp(x.units, pow10(x.scale - scale)), scale);
}

export function decCmp(a: string, b: string): -1 | 0 | 1 {
  const x = parse(a);
  const y = parse(b);
  const scale = Math.max(x.scale, y.scale);
  const difference = rescale(x, scale) - rescale(y, scale);
  return difference === 0n ? 0 : difference < 0n ? -1 : 1;
}

export function decSum(values: readonly string[], scale = 2): string {
  return values.reduce((total, value) => decAdd(total, value), decRound('0', scale));
}

export function decIsZero(a: string): boolean {
  return decCmp(a, '0') === 0;
}

/** Money for output: half-up to cents. */
export function toMoney(a: string): string {
  return decRound(a, 2);
}
