/** One named scenario per rule of the plan language; every figure is worked by hand in the test name or comment. */
import { calculate } from './calculation';
import {
  amountTiers,
  deal,
  document,
  figures,
  figuresOf,
  flatCommission,
  flatRate,
  lineAmounts,
  months,
  plan,
  rep,
  reversal,
  stepCommission,
} from './__fixtures__/plan-document.mother';
import type { ComponentInput } from './plan-language.types';

const JAN = '2026-01';
const FEB = '2026-02';
const MAR = '2026-03';

const graduated = (extra: Partial<ComponentInput> = {}): ComponentInput =>
  stepCommission('commission', [
    [0, 0.05],
    [10000, 0.1],
  ], extra);

describe('windows', () => {
  it('transaction window: each credit is looked up on its own (12,000 → 500 + 200, twice)', () => {
    const doc = document({
      plans: [plan([graduated({ window: 'transaction' })])],
      transactions: [deal('T1', '2026-01-05', 12000), deal('T2', '2026-01-06', 12000)],
    });
    expect(lineAmounts(doc, JAN, 'commission')).toEqual(['transaction:T1:700.00', 'transaction:T2:700.00']);
    expect(figures(doc, JAN).components.commission).toBe('1400.00');
  });

  it('period window: credits accumulate within the period (8,000 → 400; then 4,000 → 2,000 × 5 % + 2,000 × 10 % = 300)', () => {
    const doc = document({
      plans: [plan([graduated()])],
      transactions: [deal('T1', '2026-01-05', 8000), deal('T2', '2026-01-06', 4000)],
    });
    expect(lineAmounts(doc, JAN, 'commission')).toEqual(['transaction:T1:400.00', 'transaction:T2:300.00']);
  });

  it('period window: the total restarts at zero each period', () => {
    const doc = document({
      periods: months(2),
      plans: [plan([graduated()])],
      transactions: [deal('T1', '2026-01-05', 10000), deal('T2', '2026-02-05', 10000)],
    });
    expect(figures(doc, JAN).components.commission).toBe('500.00');
    expect(figures(doc, FEB).components.commission).toBe('500.00');
  });

  it('run window: the total carries across periods (second 10,000 earns 10%)', () => {
    const doc = document({
      periods: months(2),
      plans: [plan([graduated({ window: 'run' })])],
      transactions: [deal('T1', '2026-01-05', 10000), deal('T2', '2026-02-05', 10000)],
    });
    expect(figures(doc, FEB).components.commission).toBe('1000.00');
  });

  it('run window: starts from state.credited carried in (5,000 already counted → 5,000 at 5% + 5,000 at 10%)', () => {
    const doc = document({
      plans: [plan([graduated({ window: 'run' })])],
      participants: [rep('ann', { state: { credited: { commission: 5000 } } })],
      transactions: [deal('T1', '2026-01-05', 10000)],
    });
    expect(figures(doc, JAN).components.commission).toBe('750.00');
  });

  it('credits are taken in date order, not document order', () => {
    const doc = document({
      plans: [plan([graduated()])],
      transactions: [deal('LATE', '2026-01-20', 4000), deal('EARLY', '2026-01-02', 8000)],
    });
    // EARLY 8,000 → 400; LATE 8,000→12,000 → 100 + 200
    expect(lineAmounts(doc, JAN, 'commission')).toEqual(['transaction:EARLY:400.00', 'transaction:LATE:300.00']);
  });

  it('equal dates keep document order (the second credit crosses the tier)', () => {
    const doc = document({
      plans: [plan([graduated()])],
      transactions: [deal('A', '2026-01-10', 8000), deal('B', '2026-01-10', 4000)],
    });
    expect(lineAmounts(doc, JAN, 'commission')).toEqual(['transaction:A:400.00', 'transaction:B:300.00']);
  });
});

describe('basis', () => {
  it('attainment: tiers are fractions of quota (quota 100,000; 120,000 → 100,000 at 5% + 20,000 at 10%)', () => {
    const doc = document({
      plans: [plan([stepCommission('commission', [[0, 0.05], [1.0, 0.1]], { basis: 'attainment' })])],
      participants: [rep('ann', { quota: { default: 100000 } })],
      transactions: [deal('T1', '2026-01-05', 120000)],
    });
    expect(figures(doc, JAN).components.commission).toBe('7000.00');
    expect(calculate(doc).periods[0].participants[0].components[0].attainment).toBe('1.2');
  });

  it('attainment: a period-specific quota overrides the default', () => {
    const doc = document({
      periods: months(2),
      plans: [plan([stepCommission('commission', [[0, 0.05], [1.0, 0.1]], { basis: 'attainment' })])],
      participants: [rep('ann', { quota: { default: 100000, [FEB]: 50000 } })],
      transactions: [deal('T1', '2026-01-05', 60000), deal('T2', '2026-02-05', 60000)],
    });
    expect(figures(doc, JAN).components.commission).toBe('3000.00'); // all under 100 %
    expect(figures(doc, FEB).components.commission).toBe('3500.00'); // 50,000 at 5% + 10,000 at 10%
  });
});

describe('tables', () => {
  it('step pays each slice at its own tier rate (25,000 with 0:4%, 20,000:6% → 800 + 300)', () => {
    const doc = document({ plans: [plan([stepCommission('commission', [[0, 0.04], [20000, 0.06]])])], transactions: [deal('T1', '2026-01-05', 25000)] });
    expect(figures(doc, JAN).components.commission).toBe('1100.00');
  });

  it('step with tier amounts pays pro rata for a part (1,000 for filling 0–50,000; 25,000 → 500)', () => {
    const doc = document({
      plans: [plan([{ id: 'commission', kind: 'commission', table: { split: 'step', tiers: [{ from: 0, amount: 1000, to: 50000 }] } }])],
      transactions: [deal('T1', '2026-01-05', 25000)],
    });
    expect(figures(doc, JAN).components.commission).toBe('500.00');
  });

  it('step with tier amounts: an interpolated amount of 100 over 0–30,000 pays 33.33 for 10,000 (rounded once per line)', () => {
    const doc = document({
      plans: [plan([{ id: 'commission', kind: 'commission', table: { split: 'step', tiers: [{ from: 0, amount: 100, to: 30000 }] } }])],
      transactions: [deal('T1', '2026-01-05', 10000), deal('T2', '2026-01-06', 10000), deal('T3', '2026-01-07', 10000)],
    });
    expect(lineAmounts(doc, JAN, 'commission')).toEqual(['transaction:T1:33.33', 'transaction:T2:33.33', 'transaction:T3:33.33']);
  });

  it('step closing "to": beyond it nothing more is paid (to 50,000; 80,000 → 50,000 × 5%)', () => {
    const doc = document({
      plans: [plan([{ id: 'commission', kind: 'commission', table: { split: 'step', tiers: [{ from: 0, rate: 0.05, to: 50000 }] } }])],
      transactions: [deal('T1', '2026-01-05', 80000)],
    });
    expect(figures(doc, JAN).components.commission).toBe('2500.00');
  });

  it('flat pays the uplift on earlier credits when a tier is reached (8,000 → 400; +4,000 → 12,000 × 7% − 400 = 440)', () => {
    const doc = document({ plans: [plan([flatCommission('commission', [[0, 0.05], [10000, 0.07]])])], transactions: [deal('T1', '2026-01-05', 8000), deal('T2', '2026-01-06', 4000)] });
    expect(lineAmounts(doc, JAN, 'commission')).toEqual(['transaction:T1:400.00', 'transaction:T2:440.00']);
  });

  it('flat: a credit note that falls back below the tier takes the uplift back (12,000 → 840; −3,000 → 450 − 840 = −390)', () => {
    const doc = document({ plans: [plan([flatCommission('commission', [[0, 0.05], [10000, 0.07]])])], transactions: [deal('T1', '2026-01-05', 12000), deal('CN', '2026-01-06', -3000)] });
    expect(lineAmounts(doc, JAN, 'commission')).toEqual(['transaction:T1:840.00', 'transaction:CN:-390.00']);
  });

  it('flat bonus tiers pay the highest milestone once per window, on the crossing credit', () => {
    const doc = document({
      plans: [plan([{ id: 'bonus', kind: 'bonus', table: { split: 'flat', tiers: amountTiers([0, 0], [50000, 1000], [100000, 2500]) } }])],
      transactions: [deal('T1', '2026-01-05', 40000), deal('T2', '2026-01-06', 20000), deal('T3', '2026-01-07', 30000), deal('T4', '2026-01-08', 20000)],
    });
    expect(lineAmounts(doc, JAN, 'bonus')).toEqual(['transaction:T1:0.00', 'transaction:T2:1000.00', 'transaction:T3:0.00', 'transaction:T4:1500.00']);
    expect(figures(doc, JAN).components.bonus).toBe('2500.00');
  });

  it('curve interpolates the rate linearly between points (50 % of quota between 2 % and 6 % → 4 % of 50,000)', () => {
    const doc = document({
      plans: [plan([{ id: 'commission', kind: 'commission', basis: 'attainment', table: { split: 'curve', tiers: [{ from: 0, rate: 0.02 }, { from: 1, rate: 0.06 }] } }])],
      participants: [rep('ann', { quota: { default: 100000 } })],
      transactions: [deal('T1', '2026-01-05', 50000)],
    });
    expect(figures(doc, JAN).components.commission).toBe('2000.00');
  });

  it('curve: below the first point the rate is 0 (a gate at 50 %)', () => {
    const doc = document({
      plans: [plan([{ id: 'commission', kind: 'commission', basis: 'attainment', table: { split: 'curve', tiers: [{ from: 0.5, rate: 0.04 }, { from: 1, rate: 0.08 }] } }])],
      participants: [rep('ann', { quota: { default: 100000 } })],
      transactions: [deal('T1', '2026-01-05', 40000)],
    });
    expect(figures(doc, JAN).components.commission).toBe('0.00');
  });

  it('curve: above the last point the rate stays at the last rate (150 % → 8 % of 150,000)', () => {
    const doc = document({
      plans: [plan([{ id: 'commission', kind: 'commission', basis: 'attainment', table: { split: 'curve', tiers: [{ from: 0.5, rate: 0.04 }, { from: 1, rate: 0.08 }] } }])],
      participants: [rep('ann', { quota: { default: 100000 } })],
      transactions: [deal('T1', '2026-01-05', 150000)],
    });
    expect(figures(doc, JAN).components.commission).toBe('12000.00');
  });

  it('curve: the crossing credit carries the uplift (60,000 at 4.8 %, then +20,000 → 80,000 at 6.4 %)', () => {
    const doc = document({
      plans: [plan([{ id: 'commission', kind: 'commission', basis: 'attainment', table: { split: 'curve', tiers: [{ from: 0.5, rate: 0.04 }, { from: 1, rate: 0.08 }] } }])],
      participants: [rep('ann', { quota: { default: 100000 } })],
      transactions: [deal('T1', '2026-01-05', 60000), deal('T2', '2026-01-06', 20000)],
    });
    // f(60,000) = 2,880; f(80,000) = 5,120
    expect(lineAmounts(doc, JAN, 'commission')).toEqual(['transaction:T1:2880.00', 'transaction:T2:2240.00']);
  });

  it('boundary "higher": a total exactly on a tier\'s from earns that tier under flat (10,000 → 7 %)', () => {
    const doc = document({ plans: [plan([flatCommission('commission', [[0, 0.05], [10000, 0.07]])])], transactions: [deal('T1', '2026-01-05', 10000)] });
    expect(figures(doc, JAN).components.commission).toBe('700.00');
  });

  it('boundary "lower": a total exactly on a tier\'s from stays in the tier below under flat (10,000 → 5 %)', () => {
    const doc = document({
      plans: [plan([{ id: 'commission', kind: 'commission', table: { split: 'flat', boundary: 'lower', tiers: [{ from: 0, rate: 0.05 }, { from: 10000, rate: 0.07 }] } }])],
      transactions: [deal('T1', '2026-01-05', 10000)],
    });
    expect(figures(doc, JAN).components.commission).toBe('500.00');
  });

  it('boundary makes no difference to step money', () => {
    const lower = document({ plans: [plan([graduated({ table: { split: 'step', boundary: 'lower', tiers: [{ from: 0, rate: 0.05 }, { from: 10000, rate: 0.1 }] } })])], transactions: [deal('T1', '2026-01-05', 10000), deal('T2', '2026-01-06', 5000)] });
    const higher = document({ ...lower, plans: [plan([graduated()])] });
    expect(figures(lower, JAN)).toEqual(figures(higher, JAN));
    expect(figures(lower, JAN).components.commission).toBe('1000.00');
  });
});

describe('threshold', () => {
  it('nothing is paid until the period total passes the threshold (3,500; 5,000 → 1,500 × 10 %)', () => {
    const doc = document({ plans: [plan([flatRate('commission', 0.1, { threshold: { amount: 3500 } })])], transactions: [deal('T1', '2026-01-05', 3000), deal('T2', '2026-01-06', 2000)] });
    expect(lineAmounts(doc, JAN, 'commission')).toEqual(['transaction:T1:0.00', 'transaction:T2:150.00']);
  });

  it('carryDeficit adds last period\'s shortfall to the threshold (Jan 2,000 of 3,500 → Feb threshold 5,000)', () => {
    const doc = document({
      periods: months(2),
      plans: [plan([flatRate('commission', 0.1, { threshold: { amount: 3500, carryDeficit: true } })])],
      transactions: [deal('T1', '2026-01-05', 2000), deal('T2', '2026-02-05', 6000)],
    });
    expect(figures(doc, JAN).components.commission).toBe('0.00');
    expect(figures(doc, FEB).components.commission).toBe('100.00');
    expect(calculate(doc).state.ann.deficit.commission).toBe('0.00');
  });

  it('a surplus is not carried (Jan 10,000 over a 3,500 threshold; Feb starts again at 3,500)', () => {
    const doc = document({
      periods: months(2),
      plans: [plan([flatRate('commission', 0.1, { threshold: { amount: 3500, carryDeficit: true } })])],
      transactions: [deal('T1', '2026-01-05', 10000), deal('T2', '2026-02-05', 4000)],
    });
    expect(figures(doc, JAN).components.commission).toBe('650.00');
    expect(figures(doc, FEB).components.commission).toBe('50.00');
  });

  it('a deficit carried in through state raises the first threshold', () => {
    const doc = document({
      plans: [plan([flatRate('commission', 0.1, { threshold: { amount: 3500, carryDeficit: true } })])],
      participants: [rep('ann', { state: { deficit: { commission: 1500 } } })],
      transactions: [deal('T1', '2026-01-05', 6000)],
    });
    expect(figures(doc, JAN).components.commission).toBe('100.00');
    expect(calculate(doc).state.ann.deficit.commission).toBe('0.00');
  });
});

describe('multiplier', () => {
  const decelerated = (extra: Partial<ComponentInput> = {}): ComponentInput =>
    flatRate('commission', 0.1, {
      basis: 'attainment',
      multiplier: { split: 'flat', tiers: [{ from: 0, rate: 0.5 }, { from: 0.6, rate: 1 }] },
      ...extra,
    });

  it('a decelerator below 60 % halves every credit line of the period', () => {
    const doc = document({ plans: [plan([decelerated()])], participants: [rep('ann', { quota: { default: 100000 } })], transactions: [deal('T1', '2026-01-05', 30000), deal('T2', '2026-01-06', 20000)] });
    expect(lineAmounts(doc, JAN, 'commission')).toEqual(['transaction:T1:1500.00', 'transaction:T2:1000.00']);
  });

  it('the multiplier is keyed on the total at the end of the period, so a late deal lifts earlier lines too', () => {
    const doc = document({ plans: [plan([decelerated()])], participants: [rep('ann', { quota: { default: 100000 } })], transactions: [deal('T1', '2026-01-05', 30000), deal('T2', '2026-01-20', 30000)] });
    expect(lineAmounts(doc, JAN, 'commission')).toEqual(['transaction:T1:3000.00', 'transaction:T2:3000.00']);
  });

  it('a multiplier can have its own basis (amount) on an attainment component', () => {
    const doc = document({
      plans: [plan([flatRate('commission', 0.1, { basis: 'attainment', multiplier: { basis: 'amount', split: 'flat', tiers: [{ from: 0, rate: 1 }, { from: 20000, rate: 1.5 }] } })])],
      participants: [rep('ann', { quota: { default: 1000000 } })],
      transactions: [deal('T1', '2026-01-05', 20000)],
    });
    expect(figures(doc, JAN).components.commission).toBe('3000.00');
  });

  it('window transaction: the multiplier is keyed on the sum of the period\'s credits', () => {
    const doc = document({
      plans: [plan([flatRate('commission', 0.1, { window: 'transaction', multiplier: { basis: 'amount', split: 'flat', tiers: [{ from: 0, rate: 1 }, { from: 10000, rate: 2 }] } })])],
      transactions: [deal('T1', '2026-01-05', 6000), deal('T2', '2026-01-06', 6000)],
    });
    expect(lineAmounts(doc, JAN, 'commission')).toEqual(['transaction:T1:1200.00', 'transaction:T2:1200.00']);
  });

  it('the multiplier is applied before rounding (1 × 0.05 × 1.5 = 0.075 → 0.08)', () => {
    const doc = document({
      plans: [plan([flatRate('commission', 0.05, { multiplier: { basis: 'amount', split: 'flat', tiers: [{ from: 0, rate: 1.5 }] } })])],
      transactions: [deal('T1', '2026-01-05', 1)],
    });
    expect(figures(doc, JAN).components.commission).toBe('0.08');
  });
});

describe('cap', () => {
  it('a cap brings the period\'s credit lines down with one cap line', () => {
    const doc = document({ plans: [plan([flatRate('commission', 0.1, { cap: 1000 })])], transactions: [deal('T1', '2026-01-05', 8000), deal('T2', '2026-01-06', 4000)] });
    expect(lineAmounts(doc, JAN, 'commission')).toEqual(['transaction:T1:800.00', 'transaction:T2:400.00', 'cap::-200.00']);
    expect(figures(doc, JAN).components.commission).toBe('1000.00');
  });

  it('the excess above a cap is not carried into the next period', () => {
    const doc = document({ periods: months(2), plans: [plan([flatRate('commission', 0.1, { cap: 1000 })])], transactions: [deal('T1', '2026-01-05', 15000), deal('T2', '2026-02-05', 1000)] });
    expect(figures(doc, FEB).components.commission).toBe('100.00');
  });

  it('below the cap there is no cap line', () => {
    const doc = document({ plans: [plan([flatRate('commission', 0.1, { cap: 1000 })])], transactions: [deal('T1', '2026-01-05', 5000)] });
    expect(lineAmounts(doc, JAN, 'commission')).toEqual(['transaction:T1:500.00']);
  });
});

describe('bonus', () => {
  it('a bonus "of" another component pays rate × its period amount', () => {
    const doc = document({ plans: [plan([flatRate('commission', 0.1), { id: 'kicker', kind: 'bonus', of: 'commission', rate: 0.2 }])], transactions: [deal('T1', '2026-01-05', 12345)] });
    expect(figures(doc, JAN).components).toEqual({ commission: '1234.50', kicker: '246.90' });
  });

  it('a bonus "of" a component with a clawback month is negative too', () => {
    const doc = document({
      periods: months(2),
      plans: [plan([flatRate('commission', 0.1), { id: 'kicker', kind: 'bonus', of: 'commission', rate: 0.1 }])],
      transactions: [deal('T1', '2026-01-05', 10000), reversal('T1X', '2026-02-05', -10000, 'T1')],
    });
    expect(figures(doc, FEB).components).toEqual({ commission: '-1000.00', kicker: '-100.00' });
  });
});

describe('splits and filters', () => {
  it('split credits: each participant is credited amount × share', () => {
    const doc = document({
      participants: [rep('ann'), rep('bob')],
      plans: [plan([flatRate('commission', 0.1)])],
      transactions: [deal('T1', '2026-01-05', 10000, [['ann', 0.7], ['bob', 0.3]])],
    });
    expect(figures(doc, JAN, 'ann').components.commission).toBe('700.00');
    expect(figures(doc, JAN, 'bob').components.commission).toBe('300.00');
  });

  it('a transaction with no credits pays no one', () => {
    const doc = document({ plans: [plan([flatRate('commission', 0.1)])], transactions: [{ id: 'T1', date: '2026-01-05', amount: 10000 }] });
    expect(figures(doc, JAN).components.commission).toBe('0.00');
  });

  it('types and products filter the credits a component sees', () => {
    const doc = document({
      plans: [plan([flatRate('new', 0.1, { types: ['new'] }), flatRate('core', 0.01, { products: ['core'] })])],
      transactions: [deal('N', '2026-01-05', 1000, 'ann', { type: 'new', product: 'core' }), deal('R', '2026-01-06', 1000, 'ann', { type: 'renewal', product: 'addon' })],
    });
    expect(figures(doc, JAN).components).toEqual({ new: '100.00', core: '10.00' });
  });
});

describe('credit notes', () => {
  it('a credit note lowers the running total and earns a negative line at the tier it falls through', () => {
    const doc = document({ plans: [plan([graduated()])], transactions: [deal('T1', '2026-01-05', 15000), deal('CN', '2026-01-06', -2000)] });
    expect(lineAmounts(doc, JAN, 'commission')).toEqual(['transaction:T1:1000.00', 'transaction:CN:-200.00']);
  });

  it('a credit note at the start of a period earns a negative line at the first tier rate', () => {
    const doc = document({ plans: [plan([graduated()])], transactions: [deal('CN', '2026-01-02', -2000), deal('T1', '2026-01-05', 12000)] });
    // −2,000 × 5 % = −100; then −2,000 → 10,000: 12,000 × 5 % = 600
    expect(lineAmounts(doc, JAN, 'commission')).toEqual(['transaction:CN:-100.00', 'transaction:T1:600.00']);
  });
});

describe('clawbacks', () => {
  it('a full reversal claws back exactly what the deal paid, and leaves the running total alone', () => {
    const doc = document({
      periods: months(3),
      plans: [plan([graduated({ window: 'run' })])],
      transactions: [deal('T1', '2026-01-05', 8000), deal('T2', '2026-01-06', 4000), reversal('T2X', '2026-02-05', -4000, 'T2'), deal('T3', '2026-03-05', 1000)],
    });
    expect(lineAmounts(doc, FEB, 'commission')).toEqual(['clawback:T2X:-300.00']);
    // the running total is still 12,000, so T3 earns 10 %
    expect(figures(doc, MAR).components.commission).toBe('100.00');
  });

  it('a partial reversal claws back the same fraction of what was paid (1,000 of 4,000 → ¼ of 300)', () => {
    const doc = document({
      periods: months(2),
      plans: [plan([graduated()])],
      transactions: [deal('T1', '2026-01-05', 8000), deal('T2', '2026-01-06', 4000), reversal('T2X', '2026-02-05', -1000, 'T2')],
    });
    expect(figures(doc, FEB).components.commission).toBe('-75.00');
  });

  it('a clawback takes back the line after the multiplier', () => {
    const doc = document({
      periods: months(2),
      plans: [plan([flatRate('commission', 0.1, { multiplier: { basis: 'amount', split: 'flat', tiers: [{ from: 0, rate: 2 }] } })])],
      transactions: [deal('T1', '2026-01-05', 1000), reversal('T1X', '2026-02-05', -1000, 'T1')],
    });
    expect(figures(doc, JAN).components.commission).toBe('200.00');
    expect(figures(doc, FEB).components.commission).toBe('-200.00');
  });

  it('clawbackReducesAttainment: the reversal flows as a credit note at today\'s tiers instead', () => {
    const doc = document({
      periods: months(2),
      plans: [plan([graduated({ window: 'run' })], { clawbackReducesAttainment: true })],
      transactions: [deal('T1', '2026-01-05', 8000), deal('T2', '2026-02-05', 6000), reversal('T1X', '2026-02-06', -8000, 'T1')],
    });
    // Feb: T2 8,000→14,000: 2,000 × 5 % + 4,000 × 10 % = 500; T1X 14,000→6,000: −4,000 × 10 % − 4,000 × 5 % = −600
    expect(lineAmounts(doc, FEB, 'commission')).toEqual(['transaction:T2:500.00', 'transaction:T1X:-600.00']);
    expect(calculate(doc).state.ann.credited.commission).toBe('6000.00');
  });

  it('a reversal in the same period as the deal cancels its line', () => {
    const doc = document({ plans: [plan([flatRate('commission', 0.1)])], transactions: [deal('T1', '2026-01-05', 1000), reversal('T1X', '2026-01-20', -1000, 'T1')] });
    expect(figures(doc, JAN).components.commission).toBe('0.00');
  });

  it('a reversal of a deal the component never paid makes no clawback line', () => {
    const doc = document({
      periods: months(2),
      plans: [plan([flatRate('commission', 0.1, { types: ['new'] })])],
      transactions: [deal('R1', '2026-01-05', 1000, 'ann', { type: 'renewal' }), reversal('R1X', '2026-02-05', -1000, 'R1')],
    });
    expect(lineAmounts(doc, FEB, 'commission')).toEqual([]);
  });

  it('each split participant gets their own clawback', () => {
    const doc = document({
      periods: months(2),
      participants: [rep('ann'), rep('bob')],
      plans: [plan([flatRate('commission', 0.1)])],
      transactions: [deal('T1', '2026-01-05', 1000, [['ann', 0.6], ['bob', 0.4]]), reversal('T1X', '2026-02-05', -1000, 'T1', [['ann', 0.6], ['bob', 0.4]])],
    });
    expect(figures(doc, FEB, 'ann').components.commission).toBe('-60.00');
    expect(figures(doc, FEB, 'bob').components.commission).toBe('-40.00');
  });
});

describe('earnings, adjustments, draws', () => {
  it('adjustments add to earnings as their own lines', () => {
    const doc = document({
      plans: [plan([flatRate('commission', 0.1)])],
      transactions: [deal('T1', '2026-01-05', 10000)],
      adjustments: [{ participantId: 'ann', periodId: JAN, amount: -250.5, reason: 'early exit' }],
    });
    expect(figures(doc, JAN)).toMatchObject({ adjustments: '-250.50', earnings: '749.50', payout: '749.50' });
  });

  const drawPlan = (draw: Record<string, unknown>) => plan([flatRate('commission', 0.1)], { draw: draw as never });

  it('a recoverable draw tops earnings up to the guarantee and adds to the balance', () => {
    const doc = document({ plans: [drawPlan({ type: 'recoverable', amount: 1000, periods: [JAN] })], transactions: [deal('T1', '2026-01-05', 3000)] });
    expect(figures(doc, JAN)).toMatchObject({ earnings: '300.00', draw: '700.00', payout: '1000.00', drawBalance: '700.00' });
  });

  it('a non-recoverable draw tops up but leaves no balance and nothing to recover', () => {
    const doc = document({ periods: months(2), plans: [drawPlan({ type: 'nonRecoverable', amount: 1000, periods: [JAN] })], transactions: [deal('T1', '2026-01-05', 3000), deal('T2', '2026-02-05', 50000)] });
    expect(figures(doc, JAN)).toMatchObject({ draw: '700.00', drawBalance: '0.00' });
    expect(figures(doc, FEB)).toMatchObject({ recovery: '0.00', payout: '5000.00' });
  });

  it('after the guarantee ends the whole of earnings is recoverable (guarantee 0)', () => {
    const doc = document({ periods: months(2), plans: [drawPlan({ type: 'recoverable', amount: 1000, periods: [JAN] })], transactions: [deal('T1', '2026-02-05', 5000)] });
    expect(figures(doc, FEB)).toMatchObject({ earnings: '500.00', recovery: '500.00', payout: '0.00', drawBalance: '500.00' });
  });

  it('recovery waits for recoverFrom', () => {
    const doc = document({
      periods: months(3),
      plans: [drawPlan({ type: 'recoverable', amount: 1000, periods: [JAN], recoverFrom: MAR })],
      transactions: [deal('T1', '2026-02-05', 5000), deal('T2', '2026-03-05', 5000)],
    });
    expect(figures(doc, FEB)).toMatchObject({ recovery: '0.00', payout: '500.00' });
    expect(figures(doc, MAR)).toMatchObject({ recovery: '500.00', drawBalance: '500.00' });
  });

  it('recovery never exceeds the balance', () => {
    const doc = document({ periods: months(2), plans: [drawPlan({ type: 'recoverable', amount: 1000, periods: [JAN] })], transactions: [deal('T1', '2026-01-05', 9000), deal('T2', '2026-02-05', 50000)] });
    expect(figures(doc, FEB)).toMatchObject({ recovery: '100.00', payout: '4900.00', drawBalance: '0.00' });
  });

  it('a draw balance carried in is recovered from excess earnings at the recovery rate', () => {
    const doc = document({
      plans: [drawPlan({ type: 'recoverable', amount: 1000, periods: ['2025-12'], recoveryRate: 0.5 })],
      participants: [rep('ann', { state: { drawBalance: 2000 } })],
      transactions: [deal('T1', '2026-01-05', 30000)],
    });
    expect(figures(doc, JAN)).toMatchObject({ earnings: '3000.00', recovery: '1500.00', payout: '1500.00', drawBalance: '500.00' });
  });

  it('a negative payout is allowed in the output', () => {
    const doc = document({ plans: [plan([flatRate('commission', 0.1)])], adjustments: [{ participantId: 'ann', periodId: JAN, amount: -100 }] });
    expect(figures(doc, JAN).payout).toBe('-100.00');
  });
});

describe('state between runs', () => {
  const twoMonths = (): ReturnType<typeof document> =>
    document({
      periods: months(2),
      plans: [plan([graduated({ window: 'run' }), flatRate('gated', 0.1, { threshold: { amount: 3000, carryDeficit: true } })], { draw: { type: 'recoverable', amount: 800, periods: [JAN, FEB] } })],
      transactions: [deal('T1', '2026-01-05', 2000), deal('T2', '2026-02-05', 14000)],
    });

  it('the state out of one run feeds the next run to the same cents as one run of both periods', () => {
    const whole = calculate(twoMonths());
    const first = calculate({ ...twoMonths(), periods: months(1), transactions: [deal('T1', '2026-01-05', 2000)] });
    const second = calculate({ ...twoMonths(), periods: months(1, 2), participants: [rep('ann', { state: first.state.ann })], transactions: [deal('T2', '2026-02-05', 14000)] });
    expect(figuresOf(second, FEB)).toEqual(figuresOf(whole, FEB));
    expect(second.state).toEqual(whole.state);
  });

  it('state.paid below what the table owes for the running total pays a true-up line', () => {
    const doc = document({
      plans: [plan([graduated({ window: 'run' })])],
      participants: [rep('ann', { state: { credited: { commission: 12000 }, paid: { commission: 600 } } })],
      transactions: [deal('T1', '2026-01-05', 1000)],
    });
    // f(12,000) = 700, paid 600 → true-up 100; T1 → 100
    expect(lineAmounts(doc, JAN, 'commission')).toEqual(['true-up::100.00', 'transaction:T1:100.00']);
  });

  it('without state.paid the carried-in total is taken as fully paid', () => {
    const doc = document({ plans: [plan([graduated({ window: 'run' })])], participants: [rep('ann', { state: { credited: { commission: 12000 } } })], transactions: [] });
    expect(figures(doc, JAN).components.commission).toBe('0.00');
    expect(calculate(doc).state.ann).toEqual({ credited: { commission: '12000.00' }, paid: { commission: '700.00' }, drawBalance: '0.00', deficit: {} });
  });
});

describe('numbers and rounding', () => {
  it('each line is rounded half-up, and totals are sums of rounded lines (3 × 0.005 → 0.03)', () => {
    const doc = document({ plans: [plan([flatRate('commission', 0.001, { window: 'transaction' })])], transactions: [deal('A', '2026-01-05', 5), deal('B', '2026-01-05', 5), deal('C', '2026-01-05', 5)] });
    expect(figures(doc, JAN).components.commission).toBe('0.03');
  });

  it('a negative half cent rounds away from zero', () => {
    const doc = document({ plans: [plan([flatRate('commission', 0.001, { window: 'transaction' })])], transactions: [deal('CN', '2026-01-05', -5)] });
    expect(figures(doc, JAN).components.commission).toBe('-0.01');
  });

  it('rates typed as JSON numbers are exact (1,000.10 × 7 % = 70.007 → 70.01, and 0.1 + 0.2 credits make 0.3)', () => {
    const doc = document({ plans: [plan([flatRate('commission', 0.07)])], transactions: [deal('T1', '2026-01-05', 1000.1)] });
    expect(figures(doc, JAN).components.commission).toBe('70.01');
    const sum = document({ plans: [plan([flatRate('commission', 1)])], transactions: [deal('A', '2026-01-05', 0.1), deal('B', '2026-01-06', 0.2)] });
    expect(calculate(sum).periods[0].participants[0].components[0].input).toBe('0.30');
  });

  it('decimal strings are accepted wherever numbers are', () => {
    const doc = document({ plans: [plan([flatRate('commission', '0.0725')])], transactions: [deal('T1', '2026-01-05', '1234.56', [['ann', '0.5']])] });
    // 617.28 × 7.25 % = 44.7528 → 44.75
    expect(figures(doc, JAN).components.commission).toBe('44.75');
  });
});

describe('output document', () => {
  it('every participant with a plan appears in every period, even with zero figures', () => {
    const doc = document({ periods: months(3), participants: [rep('ann'), rep('bob')], plans: [plan([flatRate('commission', 0.1)])], transactions: [deal('T1', '2026-02-05', 100, 'bob')] });
    const out = calculate(doc);
    expect(out.periods.map((p) => p.participants.map((r) => r.participantId))).toEqual([['ann', 'bob'], ['ann', 'bob'], ['ann', 'bob']]);
    expect(figuresOf(out, JAN, 'ann')).toEqual({ components: { commission: '0.00' }, adjustments: '0.00', earnings: '0.00', draw: '0.00', recovery: '0.00', payout: '0.00', drawBalance: '0.00' });
  });

  it('a line names its transaction, credited value, slices, multiplier and amount', () => {
    const doc = document({
      plans: [plan([graduated({ multiplier: { basis: 'amount', split: 'flat', tiers: [{ from: 0, rate: 1 }] } })])],
      transactions: [deal('T1', '2026-01-05', 24000, [['ann', 0.5]])],
    });
    const line = calculate(doc).periods[0].participants[0].components[0].lines[0];
    expect(line).toEqual({
      source: 'transaction',
      transactionId: 'T1',
      date: '2026-01-05',
      share: '0.5',
      transactionAmount: '24000.00',
      credited: '12000.00',
      totalBefore: '0.00',
      totalAfter: '12000.00',
      slices: [
        { from: '0.00', to: '10000.00', rate: '0.05', amount: '500.00' },
        { from: '10000.00', to: '12000.00', rate: '0.1', amount: '200.00' },
      ],
      base: '700.00',
      multiplier: '1',
      amount: '700.00',
    });
  });
});

describe('decisions where the spec leaves room', () => {
  it('window transaction: a credit note earns minus what a sale of its size earns (−12,000 → −700)', () => {
    const doc = document({ plans: [plan([graduated({ window: 'transaction' })])], transactions: [deal('CN', '2026-01-05', -12000)] });
    expect(figures(doc, JAN).components.commission).toBe('-700.00');
  });

  it('flat with window run: reaching a tier in February pays the uplift on January\'s credits', () => {
    const doc = document({ periods: months(2), plans: [plan([flatCommission('commission', [[0, 0.05], [10000, 0.07]], { window: 'run' })])], transactions: [deal('T1', '2026-01-05', 8000), deal('T2', '2026-02-05', 4000)] });
    expect(figures(doc, JAN).components.commission).toBe('400.00');
    expect(figures(doc, FEB).components.commission).toBe('440.00');
  });

  it('reversing a reversal pays back what the reversal took', () => {
    const doc = document({
      periods: months(3),
      plans: [plan([flatRate('commission', 0.1)])],
      transactions: [deal('T1', '2026-01-05', 1000), reversal('T1X', '2026-02-05', -1000, 'T1'), reversal('T1XX', '2026-03-05', 1000, 'T1X')],
    });
    expect([JAN, FEB, MAR].map((p) => figures(doc, p).components.commission)).toEqual(['100.00', '-100.00', '100.00']);
  });

  it('a milestone bonus with boundary "lower" is not reached by a total exactly on the milestone', () => {
    const milestone = (boundary: 'higher' | 'lower') =>
      document({ plans: [plan([{ id: 'bonus', table: { split: 'flat', boundary, tiers: amountTiers([0, 0], [50000, 1000]) } }])], transactions: [deal('T1', '2026-01-05', 50000)] });
    expect(figures(milestone('higher'), JAN).components.bonus).toBe('1000.00');
    expect(figures(milestone('lower'), JAN).components.bonus).toBe('0.00');
  });

  it('a component without "kind" is a commission, or a bonus when it has "of"', () => {
    const doc = document({ plans: [plan([{ id: 'c', table: { tiers: [{ from: 0, rate: 0.1 }] } }, { id: 'k', of: 'c', rate: 0.5 }])], transactions: [deal('T1', '2026-01-05', 1000)] });
    expect(calculate(doc).periods[0].participants[0].components.map((c) => [c.id, c.kind, c.amount])).toEqual([
      ['c', 'commission', '100.00'],
      ['k', 'bonus', '50.00'],
    ]);
  });



  it('a non-recoverable draw ignores a carried-in balance', () => {
    const doc = document({
      plans: [plan([flatRate('commission', 0.1)], { draw: { type: 'nonRecoverable', amount: 100, periods: [JAN] } })],
      participants: [rep('ann', { state: { drawBalance: 500 } })],
      transactions: [deal('T1', '2026-01-05', 5000)],
    });
    expect(figures(doc, JAN)).toMatchObject({ draw: '0.00', recovery: '0.00', payout: '500.00', drawBalance: '500.00' });
  });
});


describe('cap and clawbacks (contract of 2026-12-01, §3.6 and §5)', () => {
  const capped = (cap: number, extra: Partial<ComponentInput> = {}): ComponentInput => flatRate('commission', 0.1, { cap, ...extra });
  const without = (doc: ReturnType<typeof document>, ...ids: string[]): ReturnType<typeof document> => ({ ...doc, transactions: doc.transactions!.filter((t) => !ids.includes(t.id)) });

  it('a deal cancelled within its own capped period pays exactly as if it had never been credited (8,000 + 4,000 − 4,000 under a 1,000 cap → 800)', () => {
    const doc = document({ plans: [plan([capped(1000)])], transactions: [deal('T1', '2026-01-05', 8000), deal('T2', '2026-01-06', 4000), reversal('T2X', '2026-01-20', -4000, 'T2')] });
    expect(figures(doc, JAN).components.commission).toBe('800.00');
    expect(figures(doc, JAN)).toEqual(figures(without(doc, 'T2', 'T2X'), JAN));
    expect(lineAmounts(doc, JAN, 'commission')).toEqual(['transaction:T1:800.00', 'transaction:T2:400.00', 'clawback:T2X:-400.00']);
  });

  it('a same-period cancellation in a period above the cap anyway leaves the cap binding (15,000 + 4,000 − 4,000 → 1,000)', () => {
    const doc = document({ plans: [plan([capped(1000)])], transactions: [deal('T1', '2026-01-05', 15000), deal('T2', '2026-01-06', 4000), reversal('T2X', '2026-01-20', -4000, 'T2')] });
    expect(lineAmounts(doc, JAN, 'commission')).toEqual(['transaction:T1:1500.00', 'transaction:T2:400.00', 'clawback:T2X:-400.00', 'cap::-500.00']);
    expect(figures(doc, JAN)).toEqual(figures(without(doc, 'T2', 'T2X'), JAN));
  });

  it('a partial cancellation in the same period nets out before the cap (800 + 400 − 200 = 1,000: no cap line)', () => {
    const doc = document({ plans: [plan([capped(1000)])], transactions: [deal('T1', '2026-01-05', 8000), deal('T2', '2026-01-06', 4000), reversal('T2X', '2026-01-20', -2000, 'T2')] });
    expect(lineAmounts(doc, JAN, 'commission')).toEqual(['transaction:T1:800.00', 'transaction:T2:400.00', 'clawback:T2X:-200.00']);
    expect(figures(doc, JAN).components.commission).toBe('1000.00');
  });

  it('a later clawback of a deal paid in a capped period takes back its share of the capped pay (400 × 1,000 ÷ 1,200 = 333.33)', () => {
    const doc = document({
      periods: months(2),
      plans: [plan([capped(1000)])],
      transactions: [deal('T1', '2026-01-05', 8000), deal('T2', '2026-01-06', 4000), reversal('T2X', '2026-02-05', -4000, 'T2')],
    });
    expect(figures(doc, JAN).components.commission).toBe('1000.00');
    expect(figures(doc, FEB).components.commission).toBe('-333.33');
  });

  it('a later clawback is never absorbed by the current period\'s cap (February: 2,000 capped to 1,000, then −333.33)', () => {
    const doc = document({
      periods: months(2),
      plans: [plan([capped(1000)])],
      transactions: [deal('T1', '2026-01-05', 8000), deal('T2', '2026-01-06', 4000), deal('T3', '2026-02-03', 20000), reversal('T2X', '2026-02-05', -4000, 'T2')],
    });
    expect(lineAmounts(doc, FEB, 'commission')).toEqual(['transaction:T3:2000.00', 'clawback:T2X:-333.33', 'cap::-1000.00']);
    expect(figures(doc, FEB).components.commission).toBe('666.67');
  });

  it('a partial later clawback of a capped deal takes its fraction of the capped pay, rounded once (700 × 5/7 × 1/7 = 71.43)', () => {
    const doc = document({
      periods: months(2),
      plans: [plan([capped(500)])],
      transactions: [deal('T1', '2026-01-05', 7000), reversal('T1X', '2026-02-05', -1000, 'T1')],
    });
    expect(figures(doc, JAN).components.commission).toBe('500.00');
    expect(figures(doc, FEB).components.commission).toBe('-71.43');
  });

  it('a clawback of a deal paid in a period the cap did not cut takes back its whole line', () => {
    const doc = document({ periods: months(2), plans: [plan([capped(5000)])], transactions: [deal('T1', '2026-01-05', 8000), reversal('T1X', '2026-02-05', -8000, 'T1')] });
    expect(figures(doc, FEB).components.commission).toBe('-800.00');
  });

  it('a capped period\'s clawback explains the share the cap let through', () => {
    const doc = document({ periods: months(2), plans: [plan([capped(500)])], transactions: [deal('T1', '2026-01-05', 8000), reversal('T1X', '2026-02-05', -8000, 'T1')] });
    const line = calculate(doc).periods[1].participants[0].components[0].lines[0];
    expect(line).toMatchObject({ source: 'clawback', reverses: 'T1', originalAmount: '800.00', fraction: '1', capShare: '0.625', amount: '-500.00' });
  });

  it('with a multiplier, a same-period cancellation nets out after the multiplier and before the cap', () => {
    const doc = document({
      plans: [plan([capped(1000, { multiplier: { basis: 'amount', split: 'flat', tiers: [{ from: 0, rate: 2 }] } })])],
      transactions: [deal('T1', '2026-01-05', 4000), deal('T2', '2026-01-06', 3000), reversal('T2X', '2026-01-20', -3000, 'T2')],
    });
    // the multiplier is keyed on the whole input (clawbacks do not change it): 800 + 600 − 600 = 800
    expect(figures(doc, JAN).components.commission).toBe('800.00');
  });

  it('each split participant\'s clawback takes its own share of its own capped pay', () => {
    const doc = document({
      periods: months(2),
      participants: [rep('ann'), rep('bob')],
      plans: [plan([capped(600)])],
      transactions: [deal('T1', '2026-01-05', 10000, [['ann', 0.8], ['bob', 0.2]]), reversal('T1X', '2026-02-05', -10000, 'T1', [['ann', 0.8], ['bob', 0.2]])],
    });
    // ann 800 capped to 600 → −600; bob 200 under the cap → −200
    expect(figures(doc, FEB, 'ann').components.commission).toBe('-600.00');
    expect(figures(doc, FEB, 'bob').components.commission).toBe('-200.00');
  });
});

describe('deductions', () => {
  const fee = (extra: Partial<ComponentInput> = {}): ComponentInput => ({ id: 'fee', kind: 'commission', deduction: true, products: ['addon'], table: { split: 'step', tiers: [{ from: 0, rate: -0.02 }] }, ...extra });

  it('a deduction takes a negative rate of its credits (2 % of 5,000 of add-ons → −100)', () => {
    const doc = document({ plans: [plan([flatRate('commission', 0.1), fee()])], transactions: [deal('T1', '2026-01-05', 5000, 'ann', { product: 'addon' })] });
    expect(figures(doc, JAN)).toMatchObject({ components: { commission: '500.00', fee: '-100.00' }, earnings: '400.00' });
    expect(calculate(doc).periods[0].participants[0].components[1]).toMatchObject({ id: 'fee', deduction: true, amount: '-100.00' });
  });

  it('a deduction\'s cap is the most it takes in a period (−2 % of 50,000 = −1,000, capped at 300)', () => {
    const doc = document({ plans: [plan([fee({ cap: 300 })])], transactions: [deal('T1', '2026-01-05', 50000, 'ann', { product: 'addon' })] });
    expect(lineAmounts(doc, JAN, 'fee')).toEqual(['transaction:T1:-1000.00', 'cap::700.00']);
    expect(figures(doc, JAN).components.fee).toBe('-300.00');
  });

  it('a clawback of a deal a deduction charged gives the charge back', () => {
    const doc = document({ periods: months(2), plans: [plan([fee()])], transactions: [deal('T1', '2026-01-05', 5000, 'ann', { product: 'addon' }), reversal('T1X', '2026-02-05', -5000, 'T1')] });
    expect(figures(doc, FEB).components.fee).toBe('100.00');
  });

  it('a bonus "of" another component may be a deduction with a negative rate', () => {
    const doc = document({ plans: [plan([flatRate('commission', 0.1), { id: 'levy', kind: 'bonus', deduction: true, of: 'commission', rate: -0.05 }])], transactions: [deal('T1', '2026-01-05', 10000)] });
    expect(figures(doc, JAN).components).toEqual({ commission: '1000.00', levy: '-50.00' });
  });
});
