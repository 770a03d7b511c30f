/**
 * The fast path (integers in plain numbers) and the BigInt path give the same output,
 * cent for cent and line for line, on random documents: every table, window, basis,
 * threshold, multiplier, cap, deduction, clawback, credit note, draw and carried-in
 * state, with amounts from cents to the top of the supported range. The seed is fixed
 * (FAST_PATH_SEED overrides it) and printed with the counterexample on failure; the
 * test counts the components that ran on each path, so it cannot pass vacuously.
 */
import fc from 'fast-check';
import { calculate } from './calculation';
import type { EngineStats } from './payout.engine';
import { validatePlanDocument } from './plan-document.validator';
import type { ComponentInput, PlanDocumentInput, PlanInput, TableInput, TransactionInput } from './plan-language.types';

const SEED = Number(process.env.FAST_PATH_SEED ?? 20261201);
const RUNS = Number(process.env.FAST_PATH_RUNS ?? 300);

const PERIODS = [
  { id: '2026-01', start: '2026-01-01', end: '2026-01-31' },
  { id: '2026-02', start: '2026-02-01', end: '2026-02-28' },
  { id: '2026-03', start: '2026-03-01', end: '2026-03-31' },
];

/** A decimal text with up to `places` decimals of an integer count (exact, no float). */
const decimalText = (units: number, places: number): string => {
  const negative = units < 0;
  const digits = String(Math.abs(units)).padStart(places + 1, '0');
  const text = places === 0 ? digits : `${digits.slice(0, digits.length - places)}.${digits.slice(digits.length - places)}`;
  return negative ? `-${text}` : text;
};

const rate = fc.tuple(fc.integer({ min: 0, max: 3000 }), fc.integer({ min: 0, max: 4 })).map(([u, p]) => decimalText(u, p));
const bound = fc.oneof(fc.integer({ min: 1, max: 300 }).map((k) => k * 1000), fc.integer({ min: 1, max: 200 }).map((k) => (k / 100).toFixed(2)));

function tiersOf(froms: (number | string)[], rates: string[], attainment: boolean): { from: number | string; rate: string }[] {
  const values = [...new Set(froms.map((f) => (attainment ? Number(f) / 100000 : Number(f))))].filter((v) => v > 0).sort((a, b) => a - b);
  return [0, ...values].map((from, i) => ({ from: attainment ? Number(from.toFixed(6)) : from, rate: rates[i % rates.length] }));
}

const table: fc.Arbitrary<{ table: TableInput; attainment: boolean }> = fc
  .record({
    split: fc.constantFrom<'step' | 'flat' | 'curve'>('step', 'step', 'step', 'flat', 'flat', 'curve'),
    attainment: fc.boolean(),
    froms: fc.array(bound, { maxLength: 4 }),
    rates: fc.array(rate, { minLength: 1, maxLength: 5 }),
    boundary: fc.constantFrom<'higher' | 'lower'>('higher', 'lower'),
    milestone: fc.boolean(),
    interpolated: fc.boolean(),
    closed: fc.boolean(),
  })
  .map(({ split, attainment, froms, rates, boundary, milestone, interpolated, closed }) => {
    const tiers: TableInput['tiers'] = tiersOf(froms, rates, attainment);
    if (split === 'flat' && milestone) tiers.forEach((t, i) => ((t.amount = String(i * 250)), delete t.rate));
    if (split === 'step' && interpolated) {
      // amounts for filling a tier: exact rates (1,000 over 50,000) or not (100 over 30,000)
      tiers.forEach((t, i) => ((t.amount = String((i + 1) * (i % 2 ? 100 : 1000))), delete t.rate));
      const last = Number(tiers[tiers.length - 1].from);
      tiers[tiers.length - 1].to = attainment ? Number((last + 0.5).toFixed(6)) : last + 30000;
    } else if (closed && split !== 'curve') {
      const last = Number(tiers[tiers.length - 1].from);
      tiers[tiers.length - 1].to = attainment ? Number((last + 1).toFixed(6)) : last + 50000;
    }
    return { table: { split, boundary, tiers }, attainment };
  });

const component = (id: string): fc.Arbitrary<ComponentInput> =>
  fc
    .record({
      t: table,
      window: fc.constantFrom<'transaction' | 'period' | 'run'>('transaction', 'period', 'period', 'run'),
      threshold: fc.option(fc.record({ amount: fc.integer({ min: 0, max: 20000 }), carryDeficit: fc.boolean() }), { nil: undefined }),
      multiplier: fc.option(fc.record({ split: fc.constantFrom<'flat' | 'curve'>('flat', 'flat', 'curve'), basis: fc.constantFrom<'amount' | 'attainment'>('amount', 'attainment'), rates: fc.array(fc.integer({ min: 0, max: 300 }), { minLength: 2, maxLength: 3 }) }), { nil: undefined }),
      cap: fc.option(fc.integer({ min: 0, max: 20000 }), { nil: undefined }),
      deduction: fc.boolean(),
      types: fc.option(fc.constant<string[]>(['new']), { nil: undefined }),
    })
    .map(({ t, window, threshold, multiplier, cap, deduction, types }) => {
      const c: ComponentInput = { id, window, basis: t.attainment ? 'attainment' : 'amount', table: t.table };
      if (deduction) {
        c.deduction = true;
        for (const tier of c.table!.tiers) {
          if (tier.rate !== undefined && tier.rate !== '0' && Number(tier.rate) !== 0) tier.rate = `-${tier.rate}`;
          if (tier.amount !== undefined && Number(tier.amount) !== 0) tier.amount = `-${tier.amount}`;
        }
      }
      if (threshold && window === 'period') c.threshold = threshold;
      if (multiplier) c.multiplier = { split: multiplier.split, basis: multiplier.basis, tiers: multiplier.rates.map((r, i) => ({ from: multiplier.basis === 'attainment' ? i * 0.5 : i * 10000, rate: (r / 100).toString() })) };
      if (cap !== undefined) c.cap = cap;
      if (types) c.types = types;
      return c;
    });

const plan: fc.Arbitrary<PlanInput> = fc
  .record({ components: fc.array(fc.integer(), { minLength: 1, maxLength: 3 }), cra: fc.boolean(), bonus: fc.boolean(), draw: fc.boolean() })
  .chain(({ components, cra, bonus, draw }) =>
    fc.tuple(...components.map((_, i) => component(`c${i}`))).map((cs) => {
      const p: PlanInput = { id: 'plan', components: cs, clawbackReducesAttainment: cra };
      if (bonus) p.components.push({ id: 'kicker', kind: 'bonus', of: 'c0', rate: '0.05' });
      if (draw) p.draw = { type: 'recoverable', amount: 500, periods: ['2026-01', '2026-02'], recoveryRate: 0.5 };
      return p;
    }),
  );

/** Amounts from cents to near the top of the supported range, as strings or numbers. */
const amount = fc.oneof(
  { weight: 12, arbitrary: fc.integer({ min: -500000, max: 5000000 }).map((c) => decimalText(c, 2)) },
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 90000 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 999999999 }).map((u) => decimalText(u, 6)) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 99999 }).map((u) => `${u}0000000000.25`) },
);
const share = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom<number | string>(1, 0.5, '0.6', 0.25) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 999 }).map((s) => decimalText(s, 3)) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 999999 }).map((s) => decimalText(s, 6)) },
);

const document: fc.Arbitrary<PlanDocumentInput> = fc
  .record({
    plan,
    people: fc.integer({ min: 1, max: 3 }),
    deals: fc.array(fc.record({ day: fc.integer({ min: 0, max: 89 }), amount, share, type: fc.constantFrom('new', 'renewal'), reverse: fc.option(fc.record({ after: fc.integer({ min: 0, max: 40 }), part: fc.boolean() }), { nil: undefined, freq: 4 }) }), { maxLength: 14 }),
    quotas: fc.array(fc.integer({ min: 1, max: 400 }).map((k) => k * 1000), { minLength: 3, maxLength: 3 }),
    credited: fc.option(fc.integer({ min: 0, max: 200000 }), { nil: undefined }),
    paid: fc.option(fc.integer({ min: 0, max: 9000 }), { nil: undefined }),
    adjustment: fc.option(fc.integer({ min: -50000, max: 50000 }), { nil: undefined }),
  })
  .map(({ plan: p, people, deals, quotas, credited, paid, adjustment }) => {
    const ids = ['ann', 'bob', 'cy'].slice(0, people);
    const dateOf = (d: number): string => {
      const day = Math.min(d, 89);
      const m = day < 31 ? 1 : day < 59 ? 2 : 3;
      const dd = day < 31 ? day + 1 : day < 59 ? day - 30 : day - 58;
      return `2026-0${m}-${String(dd).padStart(2, '0')}`;
    };
    const sorted = [...deals].sort((a, b) => a.day - b.day);
    const transactions: TransactionInput[] = [];
    sorted.forEach((d, i) => {
      const credits = ids.map((id, k) => ({ participantId: id, share: k === 0 ? d.share : 0.1 }));
      if (ids.length > 1 && (typeof d.share === 'number' ? d.share : Number(d.share)) > 1 - 0.1 * (ids.length - 1)) credits[0].share = 0.5;
      transactions.push({ id: `T${i}`, date: dateOf(d.day), amount: d.amount, type: d.type, credits });
    });
    sorted.forEach((d, i) => {
      if (d.reverse === undefined) return;
      const original = transactions[i];
      const units = Number(original.amount);
      if (!Number.isFinite(units) || units === 0) return;
      const reversal = typeof original.amount === 'number' ? -original.amount : original.amount.startsWith('-') ? original.amount.slice(1) : `-${original.amount}`;
      transactions.push({ id: `R${i}`, date: dateOf(d.day + d.reverse.after), amount: reversal, reverses: original.id, credits: [] });
    });
    transactions.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
    // a reversal must come after its original: stable sort by date keeps that for equal dates only when inserted later
    const seen = new Set<string>();
    const ordered: TransactionInput[] = [];
    const waiting: TransactionInput[] = [];
    for (const t of transactions) {
      if (t.reverses && !seen.has(t.reverses)) waiting.push(t);
      else ordered.push(t);
      seen.add(t.id);
    }
    ordered.push(...waiting.filter((t) => seen.has(t.reverses as string)));
    const participants = ids.map((id, k) => ({
      id,
      planId: 'plan',
      quota: { default: quotas[k], '2026-02': quotas[(k + 1) % 3] },
      ...(k === 0 && (credited !== undefined || paid !== undefined) ? { state: { credited: credited !== undefined ? Object.fromEntries(p.components.filter((c) => c.window === 'run' && c.table).map((c) => [c.id, credited])) : undefined, paid: paid !== undefined ? Object.fromEntries(p.components.filter((c) => c.window === 'run' && c.table).map((c) => [c.id, paid])) : undefined } } : {}),
    }));
    return {
      currency: 'USD',
      periods: PERIODS,
      plans: [p],
      participants,
      transactions: ordered,
      adjustments: adjustment !== undefined ? [{ participantId: 'ann', periodId: '2026-02', amount: adjustment }] : [],
    };
  });

describe('fast path and BigInt path', () => {
  it(`give the same output on random documents (seed ${SEED}, ${RUNS} runs)`, () => {
    const runs = { valid: 0, invalid: 0, withFast: 0, withExact: 0, fastComponents: 0, exactComponents: 0 };
    fc.assert(
      fc.property(document, (doc) => {
        if (!validatePlanDocument(doc).ok) {
          runs.invalid++;
          return true;
        }
        runs.valid++;
        const stats: EngineStats = { fast: 0, exact: 0 };
        const auto = JSON.stringify(calculate(doc, { stats }));
        const exact = JSON.stringify(calculate(doc, { arithmetic: 'exact' }));
        const autoFigures = JSON.stringify(calculate(doc, { lines: 'none' }));
        const exactFigures = JSON.stringify(calculate(doc, { lines: 'none', arithmetic: 'exact' }));
        runs.fastComponents += stats.fast;
        runs.exactComponents += stats.exact;
        if (stats.fast > 0) runs.withFast++;
        if (stats.exact > 0) runs.withExact++;
        return auto === exact && autoFigures === exactFigures;
      }),
      { seed: SEED, numRuns: RUNS },
    );
    console.log(`fast path property (seed ${SEED}): ${JSON.stringify(runs)}`);
    // neither path may be left untested: most documents run some component fast, many some exactly
    expect(runs.valid).toBeGreaterThan(RUNS * 0.7);
    expect(runs.withFast).toBeGreaterThan(runs.valid * 0.3);
    expect(runs.withExact).toBeGreaterThan(runs.valid * 0.1);
  });
});
