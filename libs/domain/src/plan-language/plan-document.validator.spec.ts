/** Every class of invalid document in spec §7 (and the few this project adds) is rejected with its path and value. */
import { calculate } from './calculation';
import { deal, document, flatRate, plan, rep, reversal, stepCommission } from './plan-document.mother';
import { validatePlan, validatePlanDocument } from './plan-document.validator';
import type { PlanDocumentInput } from './plan-language.types';

const valid = (): PlanDocumentInput =>
  document({
    plans: [plan([stepCommission('commission', [[0, 0.05], [10000, 0.1]])])],
    participants: [rep('ann', { quota: { default: 1000 } }), rep('bob')],
    transactions: [deal('T1', '2026-01-05', 1000, [['ann', 0.5], ['bob', 0.5]])],
  });

function errorsOf(doc: unknown): { path: string; message: string; value: unknown }[] {
  const r = validatePlanDocument(doc);
  if (r.ok) throw new Error('expected the document to be invalid');
  return r.errors;
}

describe('validatePlanDocument', () => {
  it('accepts a valid document', () => {
    expect(validatePlanDocument(valid())).toEqual({ ok: true, value: valid() });
  });

  const cases: [string, (d: PlanDocumentInput) => void, string, unknown][] = [
    ['unknown plan id', (d) => (d.participants[0].planId = 'nope'), '$.participants[0].planId', 'nope'],
    ['unknown participant in a credit', (d) => (d.transactions![0].credits![1].participantId = 'zed'), '$.transactions[0].credits[1].participantId', 'zed'],
    ['unknown participant in an adjustment', (d) => (d.adjustments = [{ participantId: 'zed', periodId: '2026-01', amount: 1 }]), '$.adjustments[0].participantId', 'zed'],
    ['share of 0', (d) => (d.transactions![0].credits![1].share = 0), '$.transactions[0].credits[1].share', 0],
    ['share above 1', (d) => (d.transactions![0].credits![0].share = 1.5), '$.transactions[0].credits[0].share', 1.5],
    ['negative share', (d) => (d.transactions![0].credits![0].share = -0.5), '$.transactions[0].credits[0].share', -0.5],
    ['shares summing above 1', (d) => (d.transactions![0].credits![1].share = 0.6), '$.transactions[0].credits', [0.5, 0.6]],
    ['transaction outside every period', (d) => (d.transactions![0].date = '2026-03-01'), '$.transactions[0].date', '2026-03-01'],
    ['not a date', (d) => (d.transactions![0].date = '2026-02-30'), '$.transactions[0].date', '2026-02-30'],
    ['duplicate transaction id', (d) => d.transactions!.push(deal('T1', '2026-01-06', 5)), '$.transactions[1].id', 'T1'],
    ['reverses pointing nowhere', (d) => d.transactions!.push(reversal('X', '2026-01-06', -5, 'T9')), '$.transactions[1].reverses', 'T9'],
    ['reverses pointing to a later transaction', (d) => d.transactions!.unshift(reversal('X', '2026-01-06', -5, 'T1')), '$.transactions[0].reverses', 'T1'],
    ['reversals adding up to more than the original', (d) => d.transactions!.push(reversal('X', '2026-01-06', -1001, 'T1')), '$.transactions[1].amount', -1001],
    ['tiers not strictly increasing', (d) => (d.plans[0].components[0].table!.tiers[1].from = 0), '$.plans[0].components[0].table.tiers[1].from', 0],
    ['a tier with neither rate nor amount', (d) => (d.plans[0].components[0].table!.tiers[1] = { from: 10000 }), '$.plans[0].components[0].table.tiers[1]', { from: 10000 }],
    ['a step amount tier left open', (d) => (d.plans[0].components[0].table!.tiers[1] = { from: 10000, amount: 5 }), '$.plans[0].components[0].table.tiers[1]', { from: 10000, amount: 5 }],
    ['attainment with a missing quota', (d) => (d.plans[0].components[0].basis = 'attainment'), '$.participants[1].quota', null],
    ['attainment with a zero quota', (d) => { d.plans[0].components[0].basis = 'attainment'; d.participants[1].quota = { default: 0 }; }, '$.participants[1].quota.default', 0],
    ['attainment with a negative quota', (d) => { d.plans[0].components[0].multiplier = { basis: 'attainment', split: 'flat', tiers: [{ from: 0, rate: 1 }] }; d.participants[1].quota = { default: -5 }; }, '$.participants[1].quota.default', -5],
    ['non-numeric amount', (d) => (d.transactions![0].amount = '12,50'), '$.transactions[0].amount', '12,50'],
    ['non-numeric rate', (d) => (d.plans[0].components[0].table!.tiers[0].rate = 'five'), '$.plans[0].components[0].table.tiers[0].rate', 'five'],
    ['boolean money', (d) => ((d.transactions![0] as unknown as Record<string, unknown>).amount = true), '$.transactions[0].amount', true],
    ['non-numeric adjustment', (d) => (d.adjustments = [{ participantId: 'ann', periodId: '2026-01', amount: 'lots' }]), '$.adjustments[0].amount', 'lots'],
    ['adjustment in an unknown period', (d) => (d.adjustments = [{ participantId: 'ann', periodId: '2027-01', amount: 1 }]), '$.adjustments[0].periodId', '2027-01'],
    ['a bonus "of" an unknown component', (d) => d.plans[0].components.push({ id: 'k', kind: 'bonus', of: 'nope', rate: 0.1 }), '$.plans[0].components[1].of', 'nope'],
    ['a threshold outside window "period"', (d) => { d.plans[0].components[0].window = 'run'; d.plans[0].components[0].threshold = { amount: 5 }; }, '$.plans[0].components[0].threshold', { amount: 5 }],
    ['overlapping periods', (d) => d.periods.push({ id: 'x', start: '2026-01-15', end: '2026-02-15' }), '$.periods[1].start', '2026-01-15'],
    ['a multiplier with a step table', (d) => (d.plans[0].components[0].multiplier = { split: 'step', tiers: [{ from: 0, rate: 1 }] }), '$.plans[0].components[0].multiplier.split', 'step'],
    ['too many decimal places', (d) => (d.transactions![0].amount = '1.0000000000001'), '$.transactions[0].amount', '1.0000000000001'],
  ];

  it.each(cases)('rejects %s, naming the path and the value', (_name, breakIt, path, value) => {
    const doc = valid();
    breakIt(doc);
    expect(errorsOf(doc)).toContainEqual(expect.objectContaining({ path, value }));
  });

  it('reports every problem at once', () => {
    const doc = valid();
    doc.participants[0].planId = 'nope';
    doc.transactions![0].credits![1].share = 2;
    doc.transactions![0].amount = 'x';
    expect(errorsOf(doc).map((e) => e.path)).toEqual(['$.participants[0].planId', '$.transactions[0].amount', '$.transactions[0].credits[1].share']);
  });

  it('rejects things that are not documents at all', () => {
    expect(errorsOf(null)[0]).toMatchObject({ path: '$' });
    expect(errorsOf([])[0]).toMatchObject({ path: '$' });
    expect(errorsOf({}).map((e) => e.path)).toEqual(['$.currency', '$.periods', '$.plans', '$.participants']);
  });

  it('calculates nothing for an invalid document: calculate throws CALC.INVALID_DOCUMENT with the errors', () => {
    const doc = valid();
    doc.participants[0].planId = 'nope';
    expect(() => calculate(doc)).toThrow(expect.objectContaining({ code: 'CALC.INVALID_DOCUMENT', details: { errors: [expect.objectContaining({ path: '$.participants[0].planId' })] } }));
  });
});

describe('validatePlan', () => {
  it('accepts a plan with every kind of component', () => {
    const p = plan(
      [
        stepCommission('commission', [[0, 0.05], [1, 0.08]], { basis: 'attainment', multiplier: { split: 'curve', tiers: [{ from: 0, rate: 0.5 }, { from: 1, rate: 1 }] }, cap: 10000 }),
        flatRate('spiff', 0.01, { window: 'period', threshold: { amount: 100, carryDeficit: true } }),
        { id: 'kicker', kind: 'bonus', of: 'commission', rate: 0.1 },
      ],
      { draw: { type: 'recoverable', amount: 1000, periods: ['2026-01'] }, clawbackReducesAttainment: false },
    );
    expect(validatePlan(p)).toEqual({ ok: true, value: p });
  });

  it('rejects a plan with its problems listed from the plan root', () => {
    const r = validatePlan({ id: 'p', components: [{ id: 'c', kind: 'commission', table: { split: 'wavy', tiers: [] } }], draw: { type: 'sometimes', amount: -1 } });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.errors.map((e) => e.path)).toEqual([
      '$.components[0].table.split',
      '$.components[0].table.tiers',
      '$.draw.type',
      '$.draw.amount',
      '$.draw.periods',
    ]);
  });

  it('rejects duplicate component ids and a bonus "of" a later component', () => {
    const r = validatePlan({ id: 'p', components: [{ id: 'k', kind: 'bonus', of: 'c', rate: 0.1 }, flatRate('c', 0.1), flatRate('c', 0.2)] });
    expect(!r.ok && r.errors.map((e) => `${e.path}=${JSON.stringify(e.value)}`)).toEqual(['$.components[0].of="c"', '$.components[2].id="c"']);
  });
});
