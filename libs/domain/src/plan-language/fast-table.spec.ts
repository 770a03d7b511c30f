/** The integer helpers of the fast path give exactly what the BigInt helpers give. */
import fc from 'fast-check';
import { POW10, divRoundHalfUp, formatCents, formatExact } from './exact-decimal';
import { centsAt, formatRatio, formatScaled, ratioCents, roundDiv } from './fast-table';

const int = fc.integer({ min: -(2 ** 50), max: 2 ** 50 });

describe('fast-path arithmetic', () => {
  it('roundDiv rounds half away from zero exactly, like divRoundHalfUp', () => {
    fc.assert(fc.property(int, fc.integer({ min: 0, max: 15 }), (n, k) => BigInt(roundDiv(n, k)) === divRoundHalfUp(BigInt(n), POW10[k])), { seed: 1, numRuns: 5000 });
    expect([roundDiv(5, 1), roundDiv(-5, 1), roundDiv(-4, 1), roundDiv(15, 1), roundDiv(-15, 1)]).toEqual([1, -1, 0, 2, -2]);
  });

  it('formatScaled writes what formatExact writes', () => {
    fc.assert(
      fc.property(int, fc.integer({ min: 0, max: 14 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 2, max: 12 }), (n, scale, min, max) => formatScaled(n, scale, min, max) === formatExact(BigInt(n), 1n, scale, min, max)),
      { seed: 2, numRuns: 5000 },
    );
    // the table paths: small integer parts, fractions of up to 8 places, zeros after a short fraction
    const small = fc.oneof(fc.integer({ min: -(10 ** 7), max: 10 ** 7 }), fc.integer({ min: -(10 ** 13), max: 10 ** 13 }));
    fc.assert(
      fc.property(small, fc.integer({ min: 0, max: 14 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 2, max: 12 }), (n, scale, min, max) => formatScaled(n, scale, min, max) === formatExact(BigInt(n), 1n, scale, min, max)),
      { seed: 5, numRuns: 20000 },
    );
    expect([formatScaled(5, 1, 2, 12), formatScaled(-5, 1, 2, 12), formatScaled(123456789, 8, 2, 12), formatScaled(-100, 2, 2, 2), formatScaled(99995, 4, 2, 12)]).toEqual(['0.50', '-0.50', '1.23456789', '-1.00', '9.9995']);
  });

  it('formatRatio writes what formatExact writes, or declines', () => {
    fc.assert(
      fc.property(int, fc.integer({ min: 1, max: 2 ** 45 }), fc.integer({ min: 0, max: 6 }), (n, d, shift) => {
        const text = formatRatio(n, d, 0, 12, shift);
        return text === null || text === formatExact(BigInt(n) * POW10[12 - shift], BigInt(d), 12, 0, 12);
      }),
      { seed: 3, numRuns: 5000 },
    );
    expect(formatRatio(1, 3, 0, 12)).toBe('0.333333333333');
    expect(formatRatio(2, 3, 0, 12)).toBe('0.666666666667');
    expect(formatRatio(-1, 2, 0, 12)).toBe('-0.5');
  });

  it('ratioCents and centsAt round exactly, also on half a cent', () => {
    fc.assert(
      // within the fast path's proven range: |x × num| < 2^50
      fc.property(fc.integer({ min: -(2 ** 25), max: 2 ** 25 }), fc.integer({ min: -(2 ** 25), max: 2 ** 25 }), fc.integer({ min: 1, max: 2 ** 40 }), fc.integer({ min: 2, max: 20 }), (x, num, den, scale) => {
        const exact = divRoundHalfUp(BigInt(x) * BigInt(num), BigInt(den) * POW10[scale - 2]);
        return BigInt(ratioCents(x, num, den, scale)) === exact;
      }),
      { seed: 4, numRuns: 5000 },
    );
    // exactly half a cent at scale 3 (0.005) and just below it
    expect(ratioCents(5, 1, 1, 3)).toBe(1);
    expect(ratioCents(-5, 1, 1, 3)).toBe(-1);
    expect(ratioCents(4999999999, 1, 1000000000, 3)).toBe(0);
    expect(centsAt(15, 3)).toBe(2);
  });
  it('formatCents writes the digits of the cents, on the number path (below 2^53) and the BigInt path alike', () => {
    // reference: the decimal digits of |cents| with the point before the last two
    const reference = (cents: bigint): string => {
      const digits = (cents < 0n ? -cents : cents).toString().padStart(3, '0');
      return `${cents < 0n ? '-' : ''}${digits.slice(0, -2)}.${digits.slice(-2)}`;
    };
    const near = (k: bigint): fc.Arbitrary<bigint> => fc.bigInt({ min: k - 300n, max: k + 300n });
    const cents = fc.oneof(fc.bigInt({ min: -(2n ** 60n), max: 2n ** 60n }), fc.bigInt({ min: -100_000n, max: 100_000n }), near(2n ** 53n), near(-(2n ** 53n)), near(2n ** 47n), near(10n ** 15n));
    fc.assert(fc.property(cents, (c) => formatCents(c) === reference(c)), { seed: 7, numRuns: 20000 });
    expect([0n, -5n, 5n, -100n, 99n, 2n ** 53n - 1n, 2n ** 53n, -(2n ** 53n) + 1n].map(formatCents)).toEqual(['0.00', '-0.05', '0.05', '-1.00', '0.99', '90071992547409.91', '90071992547409.92', '-90071992547409.91']);
  });
});
