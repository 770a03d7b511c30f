import { hasNoRepeats, isCalendarDate, isMoneyString } from './validators';

describe('field rules shared by every DTO', () => {
  it('money is a decimal string of numeric(18,2), never a number', () => {
    expect(['0', '480000.00', '9999999999999999.99', '1.5'].map(isMoneyString)).toEqual([true, true, true, true]);
    expect([480000, '1e5', '1,000.00', '-5.00', '1.005', '12345678901234567', ' 1'].map(isMoneyString)).toEqual([false, false, false, false, false, false, false]);
  });

  it('a date is a real calendar day between 1900 and 2999', () => {
    expect(['2024-02-29', '1900-01-01', '2999-12-31'].map(isCalendarDate)).toEqual([true, true, true]);
    expect(['2026-02-29', '2026-02-30', '0000-01-01', '1899-12-31', '3000-01-01', '2026-1-01', 20260101].map(isCalendarDate)).toEqual([false, false, false, false, false, false, false]);
  });

  it('a list without repeats, in linear time (20,000 ids, then one repeated)', () => {
    const ids = Array.from({ length: 20_000 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
    expect(hasNoRepeats(ids)).toBe(true);
    expect(hasNoRepeats([...ids, ids[12_345]])).toBe(false);
    expect(hasNoRepeats('not a list')).toBe(false);
  });
});
