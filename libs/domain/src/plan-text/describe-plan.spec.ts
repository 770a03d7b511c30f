import type { PlanInput } from '../plan-language/plan-language.types';
import { describePlan, formatAmount, percent } from './describe-plan';

describe('describePlan', () => {
  it('describes a graduated attainment commission with its tier table', () => {
    const plan: PlanInput = {
      id: 'ae-2026',
      components: [
        {
          id: 'revenue',
          kind: 'commission',
          types: ['revenue'],
          basis: 'attainment',
          table: { split: 'step', tiers: [{ from: 0.5, rate: 0.06 }, { from: 0, rate: 0.04 }, { from: '1.0', rate: '0.09' }] },
        },
      ],
    };
    const [revenue] = describePlan(plan).components;
    expect(revenue.summary).toBe(
      'Commission on revenue, graduated by attainment: 0%–50% of quota at 4%, 50%–100% of quota at 6%, above 100% of quota at 9%',
    );
    expect(revenue.table).toEqual({
      columns: ['Attainment', 'Rate'],
      rows: [
        ['0%–50% of quota', '4%'],
        ['50%–100% of quota', '6%'],
        ['above 100% of quota', '9%'],
      ],
    });
    expect(revenue.details).toContain('Credits accumulate within each period; the total restarts at zero every period.');
  });

  it('spells out threshold, multiplier, cap, bonus of another component, draw and clawback', () => {
    const plan: PlanInput = {
      id: 'se',
      components: [
        {
          id: 'new-logo',
          kind: 'commission',
          window: 'run',
          table: { split: 'flat', tiers: [{ from: 0, rate: 0.05 }, { from: 10000, rate: 0.07, to: 50000 }] },
          threshold: { amount: 3500, carryDeficit: true },
          multiplier: { basis: 'attainment', split: 'flat', tiers: [{ from: 0, rate: 0.5 }, { from: 0.6, rate: 1 }] },
          cap: '15000',
        },
        { id: 'kicker', kind: 'bonus', of: 'new-logo', rate: 0.1 },
      ],
      draw: { type: 'recoverable', amount: 1000, periods: ['P1', 'P2', 'P3'], recoverFrom: 'P2', recoveryRate: 0.5 },
    };
    const d = describePlan(plan, { currency: 'EUR' });
    const [logo, kicker] = d.components;
    expect(logo.summary).toBe(
      'Commission on all credited sales, by amount, retroactive: the whole total earns the rate of the highest tier reached: EUR 0.00–EUR 10,000.00 at 5%, EUR 10,000.00–EUR 50,000.00 at 7%',
    );
    expect(logo.details).toEqual([
      'Credits accumulate over the whole plan year; the running total does not restart each period.',
      "Nothing is paid until the period's total passes EUR 3,500.00; a shortfall is added to the next period's threshold.",
      "Every payment of the period is multiplied by a factor set by the period's attainment: 0%–60% of quota × 0.5, above 60% of quota × 1.",
      'Capped at EUR 15,000.00 per period; anything above is not paid or carried.',
    ]);
    expect(kicker.summary).toBe('Bonus of 10% of what the "new-logo" component pays in the period');
    expect(kicker.details).toEqual([]);
    expect(d.terms).toEqual([
      'Recoverable draw of EUR 1,000.00 per period in P1–P3: a shortfall is advanced to you and recovered from P2 from 50% of your earnings above the guarantee.',
      'A cancelled deal takes back exactly what it paid (a clawback); it does not change your running total or attainment.',
    ]);
  });

  it('formats decimals from their text', () => {
    expect(percent('0.045')).toBe('4.5%');
    expect(percent(1.5)).toBe('150%');
    expect(percent('0.0001')).toBe('0.01%');
    expect(formatAmount('1234567.5')).toBe('1,234,567.50');
    expect(formatAmount('-5')).toBe('-5.00');
    expect(formatAmount('480000.00')).toBe('480,000.00');
  });
});

describe('describePlan: deductions', () => {
  it('names a deduction as one and says it lowers pay, by at most its cap', () => {
    const d = describePlan({ id: 'p', components: [{ id: 'addon-fee', kind: 'commission', deduction: true, products: ['addon'], cap: 300, table: { split: 'step', tiers: [{ from: 0, rate: -0.02 }] } }] }, { currency: 'USD' });
    expect(d.components[0].heading).toBe('Addon fee (deduction)');
    expect(d.components[0].details[0]).toBe('This is a deduction: it lowers your pay by the rates shown (negative amounts), by at most USD 300.00 in a period.');
  });
});
