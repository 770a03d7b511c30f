/** Every class of invalid document in spec §7 (and the few this project adds) is rejected with its path and value. */
import { calculate } from './calculation';
import { deal, document, flatRate, plan, rep, reversal, stepCommission } from './__fixtures__/plan-document.mother';
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

describe('keys the language does not define (§7, 2026-12-01)', () => {
  type Doc = Record<string, unknown> & PlanDocumentInput;
  const at = (d: Doc, path: (string | number)[]): Record<string, unknown> => path.reduce<unknown>((o, k) => (o as Record<string | number, unknown>)[k], d) as Record<string, unknown>;
  const rich = (): Doc => {
    const d = valid() as Doc;
    d.plans[0].components[0].threshold = { amount: 10 };
    d.plans[0].components[0].multiplier = { split: 'flat', tiers: [{ from: 0, rate: 1 }] };
    d.plans[0].draw = { type: 'recoverable', amount: 100, periods: ['2026-01'] };
    d.participants[0].state = { drawBalance: 5 };
    d.adjustments = [{ participantId: 'ann', periodId: '2026-01', amount: 1 }];
    return d;
  };
  const levels: [string, (string | number)[], string, string | null][] = [
    ['the document', [], 'transaction', 'transactions'],
    ['a period', ['periods', 0], 'ends', 'end'],
    ['a plan', ['plans', 0], 'component', 'components'],
    ['a component', ['plans', 0, 'components', 0], 'capp', 'cap'],
    ['a table', ['plans', 0, 'components', 0, 'table'], 'tier', 'tiers'],
    ['a multiplier', ['plans', 0, 'components', 0, 'multiplier'], 'basiss', 'basis'],
    ['a tier', ['plans', 0, 'components', 0, 'table', 'tiers', 1], 'rates', 'rate'],
    ['a threshold', ['plans', 0, 'components', 0, 'threshold'], 'carry', 'carryDeficit'],
    ['a draw', ['plans', 0, 'draw'], 'recoveryrate', 'recoveryRate'],
    ['a participant', ['participants', 0], 'plan', 'planId'],
    ['a state', ['participants', 0, 'state'], 'drawbalance', 'drawBalance'],
    ['a transaction', ['transactions', 0], 'reverse', 'reverses'],
    ['a credit', ['transactions', 0, 'credits', 0], 'shares', 'share'],
    ['an adjustment', ['adjustments', 0], 'note', null],
  ];

  it.each(levels)('an unknown key in %s is refused with its path and the key it may have meant', (_what, path, key, suggestion) => {
    const d = rich();
    at(d, path)[key] = 1;
    const expected = `$${path.map((k) => (typeof k === 'number' ? `[${k}]` : `.${k}`)).join('')}.${key}`;
    const issues = errorsOf(d).filter((e) => e.path === expected);
    expect(issues).toHaveLength(1);
    const issue = issues[0];
    expect(issue!.message).toContain(`unknown key "${key}"`);
    if (suggestion !== null) expect(issue!.message).toContain(`did you mean "${suggestion}"?`);
    else expect(issue!.message).not.toContain('did you mean');
  });

  it.each(['__proto__', 'constructor', 'prototype'])('a "%s" key is refused like any unknown key, also from JSON text', (key) => {
    const text = JSON.stringify(valid()).replace('"kind":"commission"', `"kind":"commission","${key}":{"polluted":true}`);
    const errors = errorsOf(JSON.parse(text));
    expect(errors).toContainEqual(expect.objectContaining({ path: `$.plans[0].components[0].${key}`, message: expect.stringContaining('reserved name') }));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('a reserved name cannot be a quota period or a state component either', () => {
    const d = valid();
    d.participants[0].quota = JSON.parse('{"default": 1000, "__proto__": 5}') as Record<string, number>;
    expect(errorsOf(d)).toContainEqual(expect.objectContaining({ path: '$.participants[0].quota.__proto__' }));
  });

  it('the suggestion is left out when nothing is near', () => {
    const d = valid() as Doc;
    (d.plans[0].components[0] as unknown as Record<string, unknown>).completelyDifferent = true;
    const issue = errorsOf(d).find((e) => e.path === '$.plans[0].components[0].completelyDifferent');
    expect(issue!.message).not.toContain('did you mean');
  });
});

describe('numbers the engine holds exactly (§1, §7)', () => {
  it('refuses a JSON number with more than 15 significant digits (0.1 + 0.2 is not what anyone typed)', () => {
    const d = valid();
    d.transactions![0].amount = 0.1 + 0.2;
    expect(errorsOf(d)).toContainEqual(expect.objectContaining({ path: '$.transactions[0].amount', message: expect.stringContaining('17 significant digits') }));
  });

  it('refuses an amount with more integer digits than the engine holds, as a number or a string, never rounding it', () => {
    for (const amount of [12345678901234567891, '12345678901234567891', '1000000000000000', 1e15]) {
      const d = valid();
      d.transactions![0].amount = amount;
      expect(errorsOf(d)).toContainEqual(expect.objectContaining({ path: '$.transactions[0].amount' }));
    }
    const d = valid();
    d.transactions![0].amount = '12345678901234567891';
    expect(errorsOf(d).find((e) => e.path === '$.transactions[0].amount')!.message).toBe('amount has 20 digits before the decimal point; the engine holds at most 15 (|value| < 10^15) exactly');
  });

  it('accepts the largest amounts of the range exactly (999,999,999,999,999.99 and 12 decimals)', () => {
    const d = document({ plans: [plan([flatRate('c', 1)])], transactions: [deal('T1', '2026-01-05', '999999999999999.99'), deal('T2', '2026-01-06', '-0.000000000001')] });
    expect(validatePlanDocument(d).ok).toBe(true);
    expect(calculate(d).periods[0].participants[0].components[0].input).toBe('999999999999999.99');
  });
});

describe('text the engine refuses to store (§7)', () => {
  const nul = 'a\u0000b';
  const cases: [string, (d: PlanDocumentInput) => void, string][] = [
    ['a transaction id', (d) => (d.transactions![0].id = nul), '$.transactions[0].id'],
    ['a participant name', (d) => (d.participants[0].name = nul), '$.participants[0].name'],
    ['a type', (d) => (d.transactions![0].type = nul), '$.transactions[0].type'],
    ['a plan id', (d) => { d.plans[0].id = nul; d.participants.forEach((p) => (p.planId = nul)); }, '$.plans[0].id'],
    ['a component filter', (d) => (d.plans[0].components[0].products = ['core', nul]), '$.plans[0].components[0].products[1]'],
    ['an adjustment reason', (d) => (d.adjustments = [{ participantId: 'ann', periodId: '2026-01', amount: 1, reason: nul }]), '$.adjustments[0].reason'],
    ['the currency', (d) => (d.currency = 'US\u0000D'), '$.currency'],
    ['a period id (an unpaired surrogate)', (d) => (d.periods[0].id = '2026-\ud800'), '$.periods[0].id'],
  ];
  it.each(cases)('a NUL or an unpaired surrogate in %s is refused with the path', (_what, breakIt, path) => {
    const d = valid();
    breakIt(d);
    const issues = errorsOf(d).filter((e) => e.path === path);
    expect(issues).toHaveLength(1);
    const issue = issues[0];
    expect(issue!.message).toMatch(/NUL|surrogate/);
  });

  it('accepts a name with a paired surrogate (an emoji)', () => {
    const d = valid();
    d.participants[0].name = 'Ann 🎉';
    expect(validatePlanDocument(d).ok).toBe(true);
  });
});

describe('signs of rates (issue: negative rates only in deductions)', () => {
  it('refuses a negative rate in an ordinary component and says how to declare a deduction', () => {
    const d = valid();
    d.plans[0].components[0].table!.tiers[0].rate = -0.05;
    const issue = errorsOf(d).find((e) => e.path === '$.plans[0].components[0].table.tiers[0].rate');
    expect(issue!.message).toBe('rate must be at least 0 (a component that takes pay away is declared with "deduction": true)');
  });

  it('refuses a positive rate in a deduction, a negative multiplier factor and a negative bonus rate', () => {
    const r = validatePlan({
      id: 'p',
      components: [
        { id: 'fee', deduction: true, table: { tiers: [{ from: 0, rate: 0.01 }] } },
        { id: 'c', table: { tiers: [{ from: 0, rate: 0.01 }] }, multiplier: { tiers: [{ from: 0, rate: -1 }] } },
        { id: 'k', of: 'c', rate: -0.1 },
      ],
    });
    expect(!r.ok && r.errors.map((e) => e.path)).toEqual(['$.components[0].table.tiers[0].rate', '$.components[1].multiplier.tiers[0].rate', '$.components[2].rate']);
  });

  it('refuses a "deduction" that is not true or false', () => {
    const r = validatePlan({ id: 'p', components: [{ id: 'fee', deduction: 'yes', table: { tiers: [{ from: 0, rate: -0.01 }] } }] });
    expect(!r.ok && r.errors.map((e) => e.path)).toContain('$.components[0].deduction');
  });
});

describe('limits: what one document may ask for', () => {
  it('refuses a table with more tiers than the limit with CALC.TOO_LARGE', () => {
    const d = valid();
    d.plans[0].components[0].table!.tiers = Array.from({ length: 11 }, (_, i) => ({ from: i * 10, rate: 0.01 }));
    const r = validatePlanDocument(d, { limits: { maxTiersPerTable: 10 } });
    expect(!r.ok && r.errors).toContainEqual(expect.objectContaining({ path: '$.plans[0].components[0].table.tiers', code: 'CALC.TOO_LARGE' }));
  });

  it('refuses more transactions than the limit without walking them', () => {
    const d = valid();
    d.transactions = Array.from({ length: 6 }, (_, i) => deal(`T${i}`, '2026-01-05', 1));
    const r = validatePlanDocument(d, { limits: { maxTransactions: 5 } });
    expect(!r.ok && r.errors).toEqual([expect.objectContaining({ path: '$.transactions', code: 'CALC.TOO_LARGE', message: 'has 6 transactions; one calculation may have at most 5' })]);
  });

  it('refuses a document whose credits × tiers ask for more work than the limit, and calculate throws CALC.TOO_LARGE', () => {
    const d = valid();
    d.transactions = Array.from({ length: 100 }, (_, i) => deal(`T${i}`, '2026-01-05', 1, [['ann', 0.5], ['bob', 0.5]]));
    // 200 credits × (1 + 2 tiers) + 2 participants × 1 period × 2 = 604 units
    expect(validatePlanDocument(d, { limits: { maxWork: 604 } }).ok).toBe(true);
    const r = validatePlanDocument(d, { limits: { maxWork: 603 } });
    expect(!r.ok && r.errors[0]).toMatchObject({ path: '$', code: 'CALC.TOO_LARGE', message: expect.stringContaining('604 work units') });
    expect(() => calculate(d, { limits: { maxWork: 603 } })).toThrow(expect.objectContaining({ code: 'CALC.TOO_LARGE' }));
  });

  it('reports a deep or huge offending value as a summary, never the value itself', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 10_000; i++) deep = [deep];
    const d = valid() as unknown as Record<string, unknown>;
    d.currency = deep;
    const issue = errorsOf(d).find((e) => e.path === '$.currency');
    expect(issue!.value).toBe('[a list of 1 item(s)]');
    expect(() => JSON.stringify(issue)).not.toThrow();
  });
});
