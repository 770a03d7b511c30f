import { closeException, planNeedsQuota } from './exceptions';
import { payrollCsv, splitName, type PayrollInput } from './payroll';
import { calculateBatch } from '../plan-language/calculation';
import { monthPeriod, payDateOf } from './period';
import { closeBatchInput, type CloseSnapshotContent } from './snapshot';

describe('monthly periods', () => {
  it('a month is its calendar days, leap years included; the pay date is the 15th of the next month', () => {
    expect(monthPeriod('2026-01')).toEqual({ key: '2026-01', start: '2026-01-01', end: '2026-01-31' });
    expect(monthPeriod('2028-02').end).toBe('2028-02-29');
    expect(monthPeriod('2100-02').end).toBe('2100-02-28');
    expect(payDateOf(monthPeriod('2026-12'))).toBe('2027-01-15');
  });

  it('refuses what is not a month, naming the field', () => {
    expect(() => monthPeriod('2026-13')).toThrow(expect.objectContaining({ code: 'VALIDATION.FAILED', details: expect.objectContaining({ field: 'key' }) }));
    expect(() => monthPeriod('2026-Q1')).toThrow(expect.objectContaining({ code: 'VALIDATION.FAILED' }));
  });
});

describe('payroll file (generic layout)', () => {
  it('exports positive payouts only; zero and negative ones are carried forward, never paid', () => {
    const file = payrollCsv(
      [
        { personId: 'p1', employeeId: 'E-1', personName: 'Ann Able', payout: '1200.50', currency: 'USD' },
        { personId: 'p2', employeeId: null, personName: 'Bo, "Junior"', payout: '-300.00', currency: 'USD' },
        { personId: 'p3', employeeId: 'E-3', personName: '=cmd()', payout: '0.00', currency: 'USD' },
        { personId: 'p4', employeeId: null, personName: 'Cy', payout: '10.00', currency: 'USD' },
      ],
      { periodKey: '2026-01', payDate: '2026-02-15', earningCode: 'COMMISSION' },
    );
    expect(file.csv.split('\r\n')).toEqual([
      'employee_id,person,amount,currency,period,pay_date,earning_code',
      'E-1,Ann Able,1200.50,USD,2026-01,2026-02-15,COMMISSION',
      'p4,Cy,10.00,USD,2026-01,2026-02-15,COMMISSION',
      '',
    ]);
    expect(file.exported).toBe(2);
    expect(file.carriedForward).toEqual([{ personId: 'p2', payout: '-300.00' }, { personId: 'p3', payout: '0.00' }]);
  });
});

describe('payroll file (ADP and Gusto layouts)', () => {
  const rows: PayrollInput[] = [
    { personId: 'p1', employeeId: '004211', personName: 'Ann María Able', payout: '1200.50', currency: 'USD' },
    { personId: 'p2', employeeId: '004212', personName: 'Bo Neg', payout: '-300.00', currency: 'USD' },
    { personId: 'p3', employeeId: null, personName: '@SUM(A1) "x"', payout: '10.00', currency: 'USD' },
  ];
  const facts = { periodKey: '2026-01', periodStart: '2026-01-01', periodEnd: '2026-01-31', payDate: '2026-02-15' };

  it('ADP style: company code, batch of the period, file number, earnings 3 code and amount, US dates; negatives not paid; formulas defused', () => {
    const file = payrollCsv(rows, { ...facts, earningCode: 'C', companyCode: 'QF1' }, 'adp');
    expect(file.csv.split('\r\n')).toEqual([
      'Co Code,Batch ID,File #,Employee Name,Earnings 3 Code,Earnings 3 Amount,Currency,Pay Period,Pay Date',
      'QF1,QF202601,004211,Ann María Able,C,1200.50,USD,2026-01,02/15/2026',
      `QF1,QF202601,p3,"'@SUM(A1) ""x""",C,10.00,USD,2026-01,02/15/2026`,
      '',
    ]);
    expect([file.exported, file.carriedForward]).toEqual([2, [{ personId: 'p2', payout: '-300.00' }]]);
  });

  it('Gusto style: employee id, last and first name, earning type, amount, the pay period and check date', () => {
    const file = payrollCsv(rows, { ...facts, earningCode: 'Commission' }, 'gusto');
    expect(file.csv.split('\r\n')).toEqual([
      'Employee ID,Last Name,First Name,Earning Type,Amount,Currency,Pay Period Start,Pay Period End,Check Date',
      '004211,Able,Ann María,Commission,1200.50,USD,2026-01-01,2026-01-31,2026-02-15',
      `p3,"""x""","'@SUM(A1)",Commission,10.00,USD,2026-01-01,2026-01-31,2026-02-15`,
      '',
    ]);
    expect(file.carriedForward).toEqual([{ personId: 'p2', payout: '-300.00' }]);
  });

  it('the last word of a name is the last name', () => {
    expect(splitName('  Cher ')).toEqual({ first: '', last: 'Cher' });
    expect(splitName('Ana de la Cruz')).toEqual({ first: 'Ana de la', last: 'Cruz' });
  });
});

describe('close exceptions', () => {
  it('a missing quota blocks only a rep whose plan is keyed on attainment', () => {
    expect(planNeedsQuota({ components: [{ basis: 'amount' }] })).toBe(false);
    expect(planNeedsQuota({ components: [{ basis: 'amount', multiplier: { basis: 'attainment' } }] })).toBe(true);
    expect(closeException('REP.NO_LOCKED_QUOTA', 'x', { personId: 'p', blocking: true })).toEqual({ code: 'REP.NO_LOCKED_QUOTA', severity: 'blocking', message: 'x', personId: 'p' });
    expect(closeException('REP.NO_LOCKED_QUOTA', 'x').severity).toBe('warning');
    expect(closeException('DEAL.FOREIGN_CURRENCY', 'x').severity).toBe('blocking');
  });
});

describe('a snapshot as the batch input of the engine', () => {
  const plan = { id: 'doc', components: [{ id: 'commission', kind: 'commission', window: 'period', basis: 'amount', table: { split: 'step', tiers: [{ from: 0, rate: '0.1' }] } }] } as never;
  const content: CloseSnapshotContent = {
    period: { id: 'period-1', key: '2026-01', start: '2026-01-01', end: '2026-01-31' }, currency: 'USD', frozenAt: '2026-02-01T00:00:00.000Z',
    plans: [{ planVersionId: 'pv-a', planId: 'p', planName: 'A', version: 1, document: plan }, { planVersionId: 'pv-b', planId: 'p', planName: 'B', version: 2, document: plan }],
    participants: [
      { personId: 'rep-1', name: 'One', teamId: 't', planVersionId: 'pv-a', quota: '1000.00', state: null },
      { personId: 'rep-2', name: 'Two', teamId: 't', planVersionId: 'pv-b', quota: null, state: null },
    ],
    credits: [
      { participantId: 'rep-1', transactionId: 'D-1', seq: 0, date: '2026-01-05', amount: '100.00', share: '1' },
      { participantId: 'rep-2', transactionId: 'D-2', seq: 1, date: '2026-01-06', amount: '300.00', share: '1' },
    ],
    deals: 2, previousPeriodId: null,
  };

  it('carries only the given reps, their plans (by version id), quotas and credits', () => {
    const input = closeBatchInput(content, [content.participants[0]!]);
    expect(input.participants).toEqual([{ id: 'rep-1', name: 'One', planId: 'pv-a', quota: { '2026-01': '1000.00' } }]);
    expect(input.plans.map((p) => p.id)).toEqual(['pv-a']);
    expect(input.credits.map((c) => c.transactionId)).toEqual(['D-1']);
    expect(input.periods).toEqual([{ id: '2026-01', start: '2026-01-01', end: '2026-01-31' }]);
  });

  it('gives each rep the same cents in any slicing of the snapshot', () => {
    const whole = calculateBatch(closeBatchInput(content, content.participants)).periods[0]!.participants;
    const sliced = content.participants.flatMap((p) => calculateBatch(closeBatchInput(content, [p])).periods[0]!.participants);
    expect(sliced).toEqual(whole);
    expect(whole.map((r) => [r.participantId, r.payout])).toEqual([['rep-1', '10.00'], ['rep-2', '30.00']]);
  });
});
