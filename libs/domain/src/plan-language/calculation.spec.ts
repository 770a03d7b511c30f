/** The batch entry a close uses: rows of credits for a slice of participants give the cents of the whole document. */
import { type CreditRow, calculate, calculateBatch, compileCalculation, writeCalculation } from './calculation';
import { deal, document, flatRate, months, plan, rep, reversal, stepCommission } from './__fixtures__/plan-document.mother';
import type { PlanDocumentInput } from './plan-language.types';

function rowsOf(doc: PlanDocumentInput, participantIds: string[]): CreditRow[] {
  const txs = doc.transactions ?? [];
  const byId = new Map(txs.map((t) => [t.id, t]));
  return txs.flatMap((t, seq) => {
    const original = t.reverses ? byId.get(t.reverses) : undefined;
    const source = original ?? t;
    return (source.credits ?? [])
      .filter((c) => participantIds.includes(c.participantId))
      .map((c) => ({
        participantId: c.participantId,
        transactionId: t.id,
        seq,
        date: t.date,
        amount: String(t.amount),
        share: String(c.share),
        type: source.type ?? null,
        product: source.product ?? null,
        reverses: t.reverses ?? null,
        reversedAmount: original ? String(original.amount) : null,
      }));
  });
}

describe('calculateBatch', () => {
  const doc = document({
    periods: months(3),
    participants: [rep('ann', { quota: { default: 20000 } }), rep('bob', { quota: { default: 20000 } }), rep('cy', { quota: { default: 20000 } })],
    plans: [
      plan([
        stepCommission('commission', [[0, 0.05], [1, 0.1]], { basis: 'attainment', window: 'run', multiplier: { split: 'flat', tiers: [{ from: 0, rate: 0.9 }, { from: 0.5, rate: 1 }] } }),
        flatRate('spiff', 0.01, { window: 'transaction', products: ['addon'] }),
        { id: 'kicker', kind: 'bonus', of: 'commission', rate: 0.1 },
      ]),
    ],
    transactions: [
      deal('T1', '2026-01-05', 12000.55, [['ann', 0.5], ['bob', 0.5]]),
      deal('T2', '2026-01-20', 9000, 'cy', { product: 'addon' }),
      deal('T3', '2026-02-02', 30000, [['ann', 0.3333], ['cy', 0.6667]]),
      reversal('T1X', '2026-02-10', -6000.275, 'T1', [['ann', 0.5], ['bob', 0.5]]),
      deal('T4', '2026-03-01', 5000, 'bob'),
      deal('CN', '2026-03-02', -700, 'ann'),
    ],
    adjustments: [{ participantId: 'bob', periodId: '2026-02', amount: 12.34 }],
  });

  it('two batches of participants give exactly the figures and state of one whole-document run', () => {
    const whole = calculate(doc);
    const batch = (ids: string[]) =>
      calculateBatch({
        currency: doc.currency,
        periods: doc.periods,
        plans: doc.plans,
        participants: doc.participants.filter((p) => ids.includes(p.id)),
        credits: rowsOf(doc, ids),
        adjustments: (doc.adjustments ?? []).filter((a) => ids.includes(a.participantId)),
      });
    const first = batch(['ann']);
    const second = batch(['bob', 'cy']);
    expect({ ...first.state, ...second.state }).toEqual(whole.state);
    whole.periods.forEach((period, k) => {
      expect([...first.periods[k].participants, ...second.periods[k].participants]).toEqual(period.participants);
    });
  });

  it('rejects rows it cannot use with CALC.INVALID_DOCUMENT', () => {
    const rows = rowsOf(doc, ['ann']);
    rows[0].share = 'half';
    expect(() => calculateBatch({ currency: 'USD', periods: doc.periods, plans: doc.plans, participants: [doc.participants[0]], credits: rows })).toThrow(
      expect.objectContaining({ code: 'CALC.INVALID_DOCUMENT', details: { errors: [expect.objectContaining({ path: '$.credits[0].share', value: 'half' })] } }),
    );
  });
});

describe('year-to-date true-up', () => {
  it('a run window on attainment trues up when the quota of the next period moves tier bounds under the running total', () => {
    const doc = document({
      periods: months(2),
      plans: [plan([stepCommission('commission', [[0, 0.05], [1, 0.1]], { basis: 'attainment', window: 'run' })])],
      participants: [rep('ann', { quota: { default: 100000, '2026-02': 200000 } })],
      transactions: [deal('T1', '2026-01-05', 120000), deal('T2', '2026-02-05', 10000)],
    });
    const out = calculate(doc);
    // Jan: 100,000 × 5 % + 20,000 × 10 % = 7,000. Feb: owed for 120,000 at a 200,000 quota = 6,000 → true-up −1,000; T2 500
    expect(out.periods[0].participants[0].components[0].amount).toBe('7000.00');
    expect(out.periods[1].participants[0].components[0].lines.map((l) => `${l.source}:${l.amount}`)).toEqual(['true-up:-1000.00', 'transaction:500.00']);
  });

  it('tiers written as from/to ranges are the same table', () => {
    const ranges = document({ plans: [plan([{ id: 'commission', table: { tiers: [{ from: 0, to: 10000, rate: 0.05 }, { from: 10000, rate: 0.1 }] } }])], transactions: [deal('T1', '2026-01-05', 15000)] });
    expect(calculate(ranges).periods[0].participants[0].components[0]).toMatchObject({ kind: 'commission', amount: '1000.00' });
  });
});

describe('state round trip with non-terminating figures', () => {
  it('a curve on attainment split over two runs gives the same cents and no stray true-up', () => {
    const periods = months(2);
    const component = { id: 'c', basis: 'attainment' as const, window: 'run' as const, table: { split: 'curve' as const, tiers: [{ from: 0, rate: 0.01 }, { from: 1, rate: 0.07 }] } };
    const base = { plans: [plan([component])], participants: [rep('ann', { quota: { default: 30000 } })] };
    const whole = calculate(document({ ...base, periods, transactions: [deal('T1', '2026-01-05', 10000), deal('T2', '2026-02-05', 10000)] }));
    const first = calculate(document({ ...base, periods: [periods[0]], transactions: [deal('T1', '2026-01-05', 10000)] }));
    const second = calculate(document({ ...base, periods: [periods[1]], participants: [rep('ann', { quota: { default: 30000 }, state: first.state.ann })], transactions: [deal('T2', '2026-02-05', 10000)] }));
    expect(second.periods[0].participants[0].components[0].lines.map((l) => l.source)).toEqual(['transaction']);
    expect(second.periods[0].participants[0].payout).toBe(whole.periods[1].participants[0].payout);
  });
});

describe('writeCalculation (the output as JSON text, period by period)', () => {
  const doc = document({
    periods: months(2),
    participants: [rep('ann', { quota: { default: 20000 } }), rep('bob', { quota: { default: 20000 } })],
    plans: [plan([stepCommission('commission', [[0, 0.05], [1, 0.1]], { basis: 'attainment', window: 'run', cap: 900 }), { id: 'kicker', kind: 'bonus', of: 'commission', rate: 0.1 }])],
    transactions: [deal('T1', '2026-01-05', 12000.55, [['ann', 0.5], ['bob', 0.5]]), deal('T2', '2026-01-20', 19000, 'ann'), reversal('T1X', '2026-02-10', -6000.275, 'T1', [['ann', 0.5], ['bob', 0.5]])],
    adjustments: [{ participantId: 'bob', periodId: '2026-02', amount: 12.34, reason: 'spiff' }],
  });

  it('writes exactly the document calculate returns, in chunks of bounded size', () => {
    const compiled = compileCalculation(doc);
    if (!compiled.ok) throw new Error('invalid');
    const chunks = [...writeCalculation(compiled.value, { chunkSize: 200 })];
    expect(chunks.length).toBeGreaterThan(3);
    // a chunk ends after the record that filled it: at most the chunk size plus one record
    const longestRecord = Math.max(...chunks.join('').split('\n').map((l) => l.length));
    for (const chunk of chunks) expect(chunk.length).toBeLessThanOrEqual(200 + longestRecord + 1);
    expect(JSON.parse(chunks.join(''))).toEqual(calculate(doc));
  });

  it('writes figures only without a single line', () => {
    const compiled = compileCalculation(doc);
    if (!compiled.ok) throw new Error('invalid');
    const out = JSON.parse([...writeCalculation(compiled.value, { lines: 'none' })].join('')) as ReturnType<typeof calculate>;
    expect(out).toEqual(calculate(doc, { lines: 'none' }));
    expect(out.periods.flatMap((p) => p.participants.flatMap((r) => [...r.lines, ...r.components.flatMap((c) => c.lines)]))).toEqual([]);
  });
});

describe('curves on the fast path', () => {
  it('a curve line exactly on half a cent rounds away from zero, on both paths (1 × 0.5 % = 0.005 → 0.01)', () => {
    const curve = document({ plans: [plan([{ id: 'c', window: 'transaction', table: { split: 'curve', tiers: [{ from: 0, rate: '0.005' }] } }])], transactions: [deal('T1', '2026-01-05', 1), deal('CN', '2026-01-06', -1)] });
    const lines = (o: ReturnType<typeof calculate>) => o.periods[0].participants[0].components[0].lines.map((l) => l.amount);
    expect(lines(calculate(curve))).toEqual(['0.01', '-0.01']);
    expect(lines(calculate(curve, { arithmetic: 'exact' }))).toEqual(['0.01', '-0.01']);
  });
});
