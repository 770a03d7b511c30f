/**
 * Property-based checks of the engine's invariants (fast-check). The seed is fixed (named in each
 * title; fast-check prints it and the counterexample on failure); a property that can hold
 * vacuously counts the runs that reach the state it checks and requires most of them to.
 */
import fc from 'fast-check';
import { calculate } from './calculation';
import { fixed, formatCents } from './exact-decimal';
import { deal, document, months, plan, rep, reversal } from './__fixtures__/plan-document.mother';
import { validatePlanDocument } from './plan-document.validator';
import type { ComponentInput, PlanDocumentInput, TransactionInput } from './plan-language.types';

const SEED = 20260101;
const RUNS = { numRuns: 150, seed: SEED };
/** At least this many of the runs must reach the checked state (the rest pass vacuously). */
const MOSTLY = Math.ceil(RUNS.numRuns / 2);

/** Increasing tier starts (whole currency) with rates of up to 4 decimals. */
const stepTiers = fc
  .uniqueArray(fc.integer({ min: 1, max: 200000 }), { minLength: 0, maxLength: 4 })
  .chain((starts) =>
    fc.array(fc.integer({ min: 0, max: 2000 }), { minLength: starts.length + 1, maxLength: starts.length + 1 }).map((rates) =>
      [0, ...[...starts].sort((a, b) => a - b)].map((from, i) => ({ from, rate: (rates[i] / 10000).toString() })),
    ),
  );

const cents = fc.integer({ min: -500000, max: 5000000 }).map((c) => (c / 100).toFixed(2));

function stepComponent(tiersIn: { from: number; rate: string }[], window: ComponentInput['window'] = 'period'): ComponentInput {
  return { id: 'c', kind: 'commission', window, table: { split: 'step', tiers: tiersIn } };
}

const toCents = (s: string): bigint => fixed(s) / 10n ** 10n;

describe('engine properties', () => {
  it(`step: the lines of a period window sum to f(total) within half a cent per line (seed ${SEED})`, () => {
    fc.assert(
      fc.property(stepTiers, fc.array(cents, { minLength: 1, maxLength: 12 }), (tiersIn, amounts) => {
        const txs = amounts.map((a, i) => deal(`T${i}`, '2026-01-10', a));
        const many = calculate(document({ plans: [plan([stepComponent(tiersIn)])], transactions: txs }));
        const total = amounts.reduce((s, a) => s + fixed(a), 0n);
        const one = calculate(document({ plans: [plan([stepComponent(tiersIn)])], transactions: [deal('ALL', '2026-01-10', formatCents(total / 10n ** 10n))] }));
        const diff = toCents(many.periods[0].participants[0].components[0].amount) - toCents(one.periods[0].participants[0].components[0].amount);
        return (diff < 0n ? -diff : diff) * 2n <= BigInt(amounts.length + 1);
      }),
      RUNS,
    );
  });

  it(`step: reordering the credits of a period leaves the total unchanged (exact-cent lines, seed ${SEED})`, () => {
    const wholeTiers = stepTiers.map((ts) => ts.map((t) => ({ from: t.from, rate: (Math.round(Number(t.rate) * 100) / 100).toString() })));
    fc.assert(
      fc.property(wholeTiers, fc.array(fc.tuple(fc.integer({ min: -20000, max: 90000 }), fc.nat()), { minLength: 1, maxLength: 10 }), (tiersIn, rows) => {
        const txs = rows.map(([a], i) => deal(`T${i}`, '2026-01-10', a));
        const shuffled = rows.map((r, i) => ({ key: r[1], tx: txs[i] })).sort((x, y) => x.key - y.key).map((x) => x.tx);
        const a = calculate(document({ plans: [plan([stepComponent(tiersIn)])], transactions: txs })).periods[0].participants[0].components[0];
        const b = calculate(document({ plans: [plan([stepComponent(tiersIn)])], transactions: shuffled })).periods[0].participants[0].components[0];
        return a.amount === b.amount && a.input === b.input;
      }),
      RUNS,
    );
  });

  it(`a full reversal claws back exactly what the deal paid, for every participant (seed ${SEED})`, () => {
    let paidSomething = 0;
    fc.assert(
      fc.property(
        stepTiers,
        fc.array(fc.integer({ min: 1, max: 100000 }), { minLength: 1, maxLength: 6 }),
        fc.nat(),
        fc.integer({ min: 1, max: 999 }),
        fc.constantFrom<ComponentInput['window']>('transaction', 'period', 'run'),
        (tiersIn, amounts, pick, shareA, window) => {
          const split: [string, string][] = [['ann', (shareA / 1000).toString()], ['bob', ((1000 - shareA) / 1000).toString()]];
          const txs: TransactionInput[] = amounts.map((a, i) => deal(`T${i}`, `2026-01-${String(1 + i).padStart(2, '0')}`, a, split));
          const victim = pick % amounts.length;
          txs.push(reversal('X', '2026-02-10', -amounts[victim], `T${victim}`, split));
          const out = calculate(document({ periods: months(2), participants: [rep('ann'), rep('bob')], plans: [plan([stepComponent(tiersIn, window)])], transactions: txs }));
          let paidAny = false;
          const ok = ['ann', 'bob'].every((_who, w) => {
            const paid = out.periods[0].participants[w].components[0].lines.filter((l) => l.transactionId === `T${victim}`).reduce((s, l) => s + toCents(l.amount), 0n);
            const clawed = out.periods[1].participants[w].components[0].lines.filter((l) => l.source === 'clawback').reduce((s, l) => s + toCents(l.amount), 0n);
            if (paid !== 0n) paidAny = true;
            return paid + clawed === 0n;
          });
          if (paidAny) paidSomething += 1;
          return ok;
        },
      ),
      RUNS,
    );
    // A deal that paid nothing claws back nothing trivially: most runs must have paid something.
    expect(paidSomething).toBeGreaterThanOrEqual(MOSTLY);
  });

  it(`split shares conserve the credited total (amount × Σ shares, exactly; seed ${SEED})`, () => {
    let checked = 0;
    fc.assert(
      fc.property(fc.integer({ min: -10000000, max: 10000000 }), fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 5 }), (amountCents, parts) => {
        const shares = parts.map((p) => p / 1000);
        if (parts.reduce((s, p) => s + p, 0) > 1000) return true; // shares above 1 are invalid: not this property
        checked += 1;
        const ids = parts.map((_, i) => `p${i}`);
        const amount = (amountCents / 100).toFixed(2);
        const doc = document({
          participants: ids.map((id) => rep(id)),
          plans: [plan([{ ...stepComponent([{ from: 0, rate: '0.01' }], 'run') }])],
          transactions: [deal('T', '2026-01-10', amount, ids.map((id, i) => [id, shares[i]]))],
        });
        const out = calculate(doc);
        const credited = ids.reduce((s, id) => s + fixed(out.state[id].credited.c), 0n);
        const expected = (fixed(amount) * parts.reduce((s, p) => s + BigInt(p), 0n)) / 1000n;
        return credited === expected;
      }),
      RUNS,
    );
    expect(checked).toBeGreaterThanOrEqual(MOSTLY);
  });

  it(`a JSON round trip of the document (numbers or decimal strings) gives the same output (seed ${SEED})`, () => {
    fc.assert(
      fc.property(stepTiers, fc.array(cents, { minLength: 0, maxLength: 8 }), fc.boolean(), (tiersIn, amounts, flat) => {
        const doc: PlanDocumentInput = document({
          periods: months(2),
          plans: [plan([{ ...stepComponent(tiersIn, 'run'), table: { split: flat ? 'flat' : 'step', tiers: tiersIn } }, { id: 'k', kind: 'bonus', of: 'c', rate: 0.1 }])],
          transactions: amounts.map((a, i) => deal(`T${i}`, i % 2 ? '2026-01-10' : '2026-02-10', Number(a))),
        });
        const direct = calculate(doc);
        const viaJson = calculate(JSON.parse(JSON.stringify(doc)));
        const asStrings = calculate(JSON.parse(JSON.stringify(doc, (_k, v: unknown) => (typeof v === 'number' ? String(v) : v))));
        return JSON.stringify(direct) === JSON.stringify(viaJson) && JSON.stringify(direct) === JSON.stringify(asStrings);
      }),
      RUNS,
    );
  });

  it(`figures-only runs give the same figures and state as fully explained runs (seed ${SEED})`, () => {
    let withReversal = 0;
    fc.assert(
      fc.property(stepTiers, fc.array(cents, { minLength: 0, maxLength: 10 }), fc.constantFrom<ComponentInput['window']>('transaction', 'period', 'run'), fc.boolean(), (tiersIn, amounts, window, multiplied) => {
        const txs: TransactionInput[] = amounts.map((a, i) => deal(`T${i}`, i % 2 ? '2026-01-10' : '2026-02-10', a, [['ann', 0.6], ['bob', 0.4]]));
        // a reversal of a zero amount is invalid (it must reverse something)
        if (txs.length > 1 && !amounts[0].startsWith('-') && /[1-9]/.test(amounts[0])) {
          txs.push(reversal('X', '2026-02-20', `-${amounts[0]}`, 'T0'));
          withReversal += 1;
        }
        const component: ComponentInput = { ...stepComponent(tiersIn, window), cap: 5000, ...(multiplied ? { multiplier: { basis: 'amount', split: 'curve', tiers: [{ from: 0, rate: 0.5 }, { from: 100000, rate: 1.5 }] } } : {}) };
        const doc = document({ periods: months(2), participants: [rep('ann'), rep('bob')], plans: [plan([component, { id: 'k', kind: 'bonus', of: 'c', rate: 0.1 }])], transactions: txs });
        const strip = (o: ReturnType<typeof calculate>) => JSON.stringify({ ...o, periods: o.periods.map((p) => ({ ...p, participants: p.participants.map((r) => ({ ...r, lines: [], components: r.components.map((c) => ({ ...c, lines: [] })) })) })) });
        return strip(calculate(doc, { lines: 'none' })) === strip(calculate(doc));
      }),
      RUNS,
    );
    // The clawback path is part of what is compared: a fair share of the runs must take it.
    expect(withReversal).toBeGreaterThanOrEqual(Math.ceil(RUNS.numRuns / 5));
  });

  it(`every class of invalid document is rejected (seed ${SEED})`, () => {
    const breakers: [string, (d: PlanDocumentInput) => void][] = [
      ['unknown plan', (d) => (d.participants[0].planId = 'zzz')],
      ['unknown participant', (d) => (d.transactions![0].credits![0].participantId = 'zzz')],
      ['share out of range', (d) => (d.transactions![0].credits![0].share = 0)],
      ['shares above 1', (d) => d.transactions![0].credits!.push({ participantId: 'ann', share: 1 })],
      ['outside every period', (d) => (d.transactions![0].date = '2030-01-01')],
      ['duplicate transaction', (d) => d.transactions!.push({ ...d.transactions![0] })],
      ['reverses nowhere', (d) => (d.transactions![0].reverses = 'nowhere')],
      ['tiers not increasing', (d) => d.plans[0].components[0].table!.tiers.push({ from: 0, rate: 0.1 })],
      ['tier without rate or amount', (d) => d.plans[0].components[0].table!.tiers.push({ from: 10 ** 9 })],
      ['attainment without quota', (d) => (d.plans[0].components[0].basis = 'attainment')],
      ['non-numeric money', (d) => (d.transactions![0].amount = 'NaN')],
    ];
    fc.assert(
      fc.property(stepTiers, fc.array(cents, { minLength: 1, maxLength: 5 }), fc.constantFrom(...breakers), (tiersIn, amounts, [, breakIt]) => {
        const doc = document({ plans: [plan([stepComponent(tiersIn)])], transactions: amounts.map((a, i) => deal(`T${i}`, '2026-01-10', a)) });
        if (!validatePlanDocument(doc).ok) return false;
        breakIt(doc);
        const r = validatePlanDocument(doc);
        return !r.ok && r.errors.every((e) => e.path.startsWith('$') && e.message.length > 0 && 'value' in e);
      }),
      RUNS,
    );
  });
});
