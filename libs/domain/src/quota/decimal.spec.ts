import { decAbs, decAdd, decCmp, decDiv, decMul, decRound, decSub, decSum, isDecimalString, toMoney } from './decimal';

describe('decimal strings (scaled BigInt)', () => {
  it.each([
    ['0.1 + 0.2 is exactly 0.3', decAdd('0.1', '0.2'), '0.3'],
    ['scales align on add', decAdd('100.00', '1.5'), '101.50'],
    ['subtraction below zero', decSub('1.00', '2.5'), '-1.50'],
    ['multiplication keeps every place', decMul('333333.33', '0.2'), '66666.666'],
    ['division rounds half-up', decDiv('2', '3', 2), '0.67'],
    ['division of an exact half rounds away from zero', decDiv('1', '8', 2), '0.13'],
    ['negative halves round away from zero', decRound('-0.125', 2), '-0.13'],
    ['rounding pads', decRound('7', 2), '7.00'],
    ['abs of a negative', decAbs('-12.30'), '12.30'],
    ['sum starts at 0.00', decSum([]), '0.00'],
    ['sum of many', decSum(['0.10', '0.20', '0.30']), '0.60'],
    ['money rounding', toMoney('66666.665'), '66666.67'],
    ['large values stay exact', decAdd('99999999999999999.99', '0.01'), '100000000000000000.00'],
    ['negative zero prints as zero', decRound('-0.001', 2), '0.00'],
  ])('%s', (_name, actual, expected) => {
    expect(actual).toBe(expected);
  });

  it('compares across scales and validates its input', () => {
    expect([decCmp('1.0', '1'), decCmp('1.01', '1.1'), decCmp('-2', '-10')]).toEqual([0, -1, 1]);
    expect(['12', '-0.5', '1e3', '1,000', '', '.5', ' 1'].map(isDecimalString)).toEqual([true, true, false, false, false, false, false]);
    expect(() => decAdd('1,0', '1')).toThrow(RangeError);
    expect(() => decDiv('1', '0', 2)).toThrow(RangeError);
  });
});
