import { closeBusinessDay, isBusinessDay, monthEndedBefore, nextMonthKey, upcomingCloseRuns } from './schedule';

describe('the close schedule: business day N after the month ends (weekends skipped, holidays not modelled)', () => {
  it('a month ending on a Monday: business day 3 is the Thursday (2026-08-31 → 2026-09-03)', () => {
    expect(closeBusinessDay('2026-08', 3)).toBe('2026-09-03');
  });

  it('a month ending on a Friday: the weekend is skipped (2026-07-31 → Mon 3, Tue 4, Wed 5 August)', () => {
    expect(closeBusinessDay('2026-07', 1)).toBe('2026-08-03');
    expect(closeBusinessDay('2026-07', 3)).toBe('2026-08-05');
  });

  it('a month ending on a Saturday: business day 1 is the Monday after (2026-10-31 → 2026-11-02)', () => {
    expect(closeBusinessDay('2026-10', 1)).toBe('2026-11-02');
  });

  it('December closes in January of the next year (2026-12-31 is a Thursday: Fri 1, Mon 4, Tue 5)', () => {
    expect(closeBusinessDay('2026-12', 3)).toBe('2027-01-05');
  });

  it('a leap February ends on the 29th (2028-02-29 is a Tuesday)', () => {
    expect(closeBusinessDay('2028-02', 1)).toBe('2028-03-01');
  });

  it('business day 10 crosses two weekends', () => {
    expect(closeBusinessDay('2026-11', 10)).toBe('2026-12-14');
  });

  it('refuses a business day outside 1..15 and a malformed month', () => {
    expect(() => closeBusinessDay('2026-11', 0)).toThrow(expect.objectContaining({ code: 'VALIDATION.FAILED', details: expect.objectContaining({ field: 'businessDay' }) }));
    expect(() => closeBusinessDay('2026-11', 16)).toThrow(expect.objectContaining({ code: 'VALIDATION.FAILED' }));
    expect(() => closeBusinessDay('2026-11', 2.5)).toThrow(expect.objectContaining({ code: 'VALIDATION.FAILED' }));
    expect(() => closeBusinessDay('2026-13', 3)).toThrow(expect.objectContaining({ details: expect.objectContaining({ field: 'key' }) }));
  });

  it('weekdays and weekends', () => {
    expect(['2026-11-27', '2026-11-28', '2026-11-29', '2026-11-30'].map(isBusinessDay)).toEqual([true, false, false, true]);
  });

  it('the month just ended and the month after, across a year', () => {
    expect(monthEndedBefore('2027-01-05')).toBe('2026-12');
    expect(monthEndedBefore('2026-12-01')).toBe('2026-11');
    expect(nextMonthKey('2026-12')).toBe('2027-01');
  });

  it('the upcoming starts include today when today is one, and one per month after', () => {
    expect(upcomingCloseRuns('2026-12-03', 3, 3)).toEqual([
      { periodKey: '2026-11', date: '2026-12-03' },
      { periodKey: '2026-12', date: '2027-01-05' },
      { periodKey: '2027-01', date: '2027-02-03' },
    ]);
    expect(upcomingCloseRuns('2026-12-04', 3, 1)).toEqual([{ periodKey: '2026-12', date: '2027-01-05' }]);
  });

  it('every start falls on a weekday, after its month, in the month that follows (24 months, N 1..15)', () => {
    for (let n = 1; n <= 15; n++) {
      for (const run of upcomingCloseRuns('2026-01-01', n, 24)) {
        expect(isBusinessDay(run.date)).toBe(true);
        expect(run.date.slice(0, 7)).toBe(nextMonthKey(run.periodKey));
      }
    }
  });
});
