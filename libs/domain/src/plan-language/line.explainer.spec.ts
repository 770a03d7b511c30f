/** The explanation of lines: structure and the sentences a rep reads. */
import { calculate } from './calculation';
import { divRoundHalfUp, formatCents, formatExact, parseDecimal } from './exact-decimal';
import { explainLine, explainParticipantPeriod, formatMoney, formatPercent } from './line.explainer';
import { deal, document, flatCommission, months, plan, rep, reversal, stepCommission } from './__fixtures__/plan-document.mother';

describe('explainLine', () => {
  it('reads a split deal as the spec\'s example sentence', () => {
    const doc = document({
      participants: [rep('ann'), rep('ben')],
      plans: [plan([stepCommission('commission', [[0, 0.04], [20000, 0.06]])])],
      transactions: [deal('O-1', '2026-01-06', 25000), deal('O-2', '2026-01-19', 40000, [['ann', 0.5], ['ben', 0.5]])],
    });
    const line = calculate(doc).periods[0].participants[0].components[0].lines[1];
    expect(explainLine(line)).toBe('Deal O-2, your 50% of 40,000.00 = 20,000.00: 20,000.00 at 6% = 1,200.00');
  });

  it('lists every slice crossed and the total, with the currency', () => {
    const doc = document({ plans: [plan([stepCommission('commission', [[0, 0.04], [20000, 0.06]])])], transactions: [deal('O-1', '2026-01-06', 25000)] });
    const line = calculate(doc).periods[0].participants[0].components[0].lines[0];
    expect(explainLine(line, 'USD')).toBe('Deal O-1, your 100% of USD 25,000.00 = USD 25,000.00: 20,000.00 at 4% = 800.00; 5,000.00 at 6% = 300.00 = USD 1,100.00');
  });

  it('shows the flat uplift on earlier credits as its own slice', () => {
    const doc = document({ plans: [plan([flatCommission('commission', [[0, 0.05], [10000, 0.07]])])], transactions: [deal('A', '2026-01-05', 8000), deal('B', '2026-01-06', 4000)] });
    const line = calculate(doc).periods[0].participants[0].components[0].lines[1];
    expect(line.slices).toEqual([
      { from: '8000.00', to: '12000.00', rate: '0.07', amount: '280.00' },
      { from: '0.00', to: '8000.00', rate: '0.02', kind: 'uplift', amount: '160.00' },
    ]);
    expect(explainLine(line)).toBe('Deal B, your 100% of 4,000.00 = 4,000.00: 4,000.00 at 7% = 280.00; uplift of 2% on the earlier 8,000.00 = 160.00 = 440.00');
  });

  it('walks a credit note down through the tiers it falls through, and marks what lies beyond "to"', () => {
    const doc = document({
      plans: [plan([{ id: 'commission', kind: 'commission', table: { split: 'step', tiers: [{ from: 0, rate: 0.05 }, { from: 10000, rate: 0.1, to: 20000 }] } }])],
      transactions: [deal('T1', '2026-01-05', 25000), deal('CN', '2026-01-06', -17000)],
    });
    const [sale, note] = calculate(doc).periods[0].participants[0].components[0].lines;
    expect(sale.slices).toEqual([
      { from: '0.00', to: '10000.00', rate: '0.05', amount: '500.00' },
      { from: '10000.00', to: '20000.00', rate: '0.1', amount: '1000.00' },
      { from: '20000.00', to: '25000.00', rate: '0', amount: '0.00' },
    ]);
    expect(note.slices).toEqual([
      { from: '25000.00', to: '20000.00', rate: '0', amount: '0.00' },
      { from: '20000.00', to: '10000.00', rate: '0.1', amount: '-1000.00' },
      { from: '10000.00', to: '8000.00', rate: '0.05', amount: '-100.00' },
    ]);
    expect(note.amount).toBe('-1100.00');
  });

  it('explains clawbacks, caps, adjustments, draws and bonuses', () => {
    const doc = document({
      periods: months(2),
      plans: [plan([stepCommission('commission', [[0, 0.1]], { cap: 500 }), { id: 'kicker', kind: 'bonus', of: 'commission', rate: 0.1 }], { draw: { type: 'recoverable', amount: 2000, periods: ['2026-02'] } })],
      transactions: [deal('T1', '2026-01-05', 8000), reversal('T1X', '2026-02-05', -4000, 'T1')],
      adjustments: [{ participantId: 'ann', periodId: '2026-02', amount: 10, reason: 'spiff' }],
    });
    const out = calculate(doc);
    const jan = explainParticipantPeriod(out.periods[0].participants[0], 'USD');
    expect(jan).toContain('  Cap: capped at 500.00 per period, USD -300.00');
    expect(jan).toContain('  Bonus: 10% of commission USD 500.00 = USD 50.00');
    const feb = explainParticipantPeriod(out.periods[1].participants[0]);
    // January paid 800.00 of lines, capped to 500.00 (62.5 %): half of the deal takes back half of 500.00
    expect(feb).toContain("  Clawback of deal T1 (cancelled by T1X): 50% of the 800.00 its lines earned, of which that period's cap let 62.5% through = -250.00");
    expect(feb).toContain('Adjustment (spiff): 10.00');
    expect(feb).toContain('Draw: guaranteed 2000.00 less earnings -265.00, 2,265.00');
    expect(feb[feb.length - 1]).toBe('Earnings -265.00, draw 2,265.00, recovery 0.00, payout 2,000.00');
  });
});

describe('formatting helpers', () => {
  it('formats money with thousands separators and percentages exactly', () => {
    expect(formatMoney('-1234567.5')).toBe('-1,234,567.50');
    expect(formatPercent('0.065')).toBe('6.5%');
    expect(formatPercent('1.25')).toBe('125%');
    expect(formatPercent('0.0001')).toBe('0.01%');
  });

  it('parses decimals without floating point and rounds half away from zero', () => {
    const v = parseDecimal(0.07);
    expect(v).toEqual({ ok: true, value: 70000000000n });
    expect(parseDecimal('1e-3')).toEqual({ ok: true, value: 1000000000n });
    expect(parseDecimal('abc')).toMatchObject({ ok: false });
    expect(divRoundHalfUp(5n, 10n)).toBe(1n);
    expect(divRoundHalfUp(-5n, 10n)).toBe(-1n);
    expect(divRoundHalfUp(-4n, 10n)).toBe(0n);
    expect(formatCents(-5n)).toBe('-0.05');
    expect(formatExact(1n, 3n, 0, 0, 12)).toBe('0.333333333333');
  });
});
