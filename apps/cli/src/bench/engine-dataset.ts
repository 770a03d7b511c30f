/**
 * A deterministic benchmark document (seeded PRNG): participants on four plans that
 * together use every kind of component, transactions with splits, credit notes and
 * ~2 % reversals, over three monthly periods.
 */
import type { ComponentInput, PlanDocumentInput, PlanInput, TransactionInput } from '@quotaflow/domain/plan-language';

/** mulberry32: small, fast, good enough for test data; same seed → same data. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const BENCH_PERIODS = [
  { id: '2026-01', start: '2026-01-01', end: '2026-01-31' },
  { id: '2026-02', start: '2026-02-01', end: '2026-02-28' },
  { id: '2026-03', start: '2026-03-01', end: '2026-03-31' },
];

const step = (id: string, tiers: [number, number][], extra: Partial<ComponentInput> = {}): ComponentInput => ({
  id,
  kind: 'commission',
  table: { split: 'step', tiers: tiers.map(([from, rate]) => ({ from, rate })) },
  ...extra,
});

/** Four plans; between them every table, window, basis and modifier of the language. */
export const BENCH_PLANS: PlanInput[] = [
  {
    id: 'ae',
    components: [
      step('commission', [[0, 0.04], [20000, 0.06], [60000, 0.09]], { types: ['new', 'renewal'], cap: 30000 }),
      { id: 'kicker', kind: 'bonus', of: 'commission', rate: 0.05 },
      { id: 'spiff', kind: 'bonus', window: 'transaction', products: ['addon'], table: { split: 'flat', tiers: [{ from: 0, amount: 0 }, { from: 25000, amount: 250 }] } },
    ],
    draw: { type: 'recoverable', amount: 3000, periods: ['2026-01', '2026-02'], recoverFrom: '2026-02', recoveryRate: 0.5 },
  },
  {
    id: 'se',
    clawbackReducesAttainment: true,
    components: [
      step('new-logo', [[0, 0.03], [1, 0.05], [1.5, 0.08]], {
        basis: 'attainment',
        window: 'run',
        multiplier: { split: 'flat', tiers: [{ from: 0, rate: 0.5 }, { from: 0.6, rate: 1 }] },
        cap: 50000,
      }),
    ],
  },
  {
    id: 'sdr',
    components: [
      { id: 'pipeline', kind: 'commission', table: { split: 'flat', boundary: 'lower', tiers: [{ from: 0, rate: 0.02 }, { from: 50000, rate: 0.03 }] }, threshold: { amount: 20000, carryDeficit: true } },
      { id: 'attainment', kind: 'commission', basis: 'attainment', table: { split: 'curve', tiers: [{ from: 0.5, rate: 0.01 }, { from: 1, rate: 0.02 }, { from: 2, rate: 0.04 }] } },
    ],
  },
  {
    id: 'csm',
    components: [
      { id: 'retention', kind: 'commission', types: ['renewal'], table: { split: 'step', tiers: [{ from: 0, amount: 1000 }, { from: 50000, amount: 2000, to: 150000 }] } },
      step('core-deal', [[0, 0.01], [50000, 0.015]], { window: 'transaction', products: ['core'] }),
    ],
    draw: { type: 'nonRecoverable', amount: 1000, periods: ['2026-01', '2026-02', '2026-03'] },
  },
];

export interface DatasetSize {
  participants: number;
  transactions: number;
  seed: number;
}

function money(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

export function generateBenchDocument(size: DatasetSize): PlanDocumentInput {
  const rnd = seededRandom(size.seed);
  const int = (lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));
  const participants = Array.from({ length: size.participants }, (_, i) => {
    const planId = BENCH_PLANS[i % BENCH_PLANS.length].id;
    const quota: Record<string, number> = { default: int(50, 300) * 1000 };
    if (i % 7 === 0) quota['2026-03'] = quota.default + 10000;
    const p: PlanDocumentInput['participants'][number] = { id: `p${i}`, name: `Rep ${i}`, planId, quota };
    if (planId === 'se' && i % 3 === 0) p.state = { credited: { 'new-logo': int(0, 200) * 1000 } };
    if (planId === 'ae' && i % 5 === 0) p.state = { drawBalance: int(0, 20) * 100 };
    return p;
  });

  // dates first, sorted: imports arrive in date order, so a reversal always follows its deal
  const dayCount = 31 + 28 + 31;
  const days = Array.from({ length: size.transactions }, () => int(0, dayCount - 1)).sort((a, b) => a - b);
  const dateOf = (d: number): string => {
    const month = d < 31 ? 1 : d < 59 ? 2 : 3;
    const day = d < 31 ? d + 1 : d < 59 ? d - 30 : d - 58;
    return `2026-0${month}-${String(day).padStart(2, '0')}`;
  };
  const transactions: TransactionInput[] = [];
  const amountsCents: number[] = [];
  const reversed = new Uint8Array(size.transactions);
  for (let i = 0; i < size.transactions; i++) {
    const date = dateOf(days[i]);
    const roll = rnd();
    if (roll < 0.02 && i > 100) {
      // a reversal of an earlier deal, whole (70 %) or half
      let j = int(0, i - 1);
      for (let tries = 0; tries < 8 && (reversed[j] || transactions[j].reverses || amountsCents[j] <= 0); tries++) j = int(0, i - 1);
      if (!reversed[j] && !transactions[j].reverses && amountsCents[j] > 0) {
        reversed[j] = 1;
        const cents = rnd() < 0.7 ? -amountsCents[j] : -Math.floor(amountsCents[j] / 2);
        amountsCents.push(cents);
        transactions.push({ id: `T${i}`, date, amount: money(cents), credits: transactions[j].credits, reverses: transactions[j].id });
        continue;
      }
    }
    const creditNote = roll > 0.99;
    // log-uniform 100 .. 100,000
    const cents = Math.round(Math.exp(Math.log(10000) + rnd() * Math.log(1000))) * (creditNote ? -1 : 1);
    const owner = int(0, size.participants - 1);
    const split = rnd() < 0.3;
    const credits = split
      ? [
          { participantId: `p${owner}`, share: rnd() < 0.5 ? 0.5 : 0.6 },
          { participantId: `p${(owner + 1 + int(0, size.participants - 2)) % size.participants}`, share: 0.4 },
        ]
      : [{ participantId: `p${owner}`, share: 1 }];
    if (split && credits[0].share === 0.5) credits[1].share = 0.5;
    amountsCents.push(cents);
    transactions.push({ id: `T${i}`, date, amount: money(cents), type: rnd() < 0.6 ? 'new' : 'renewal', product: rnd() < 0.7 ? 'core' : 'addon', credits });
  }
  const adjustments = participants.filter((_, i) => i % 50 === 0).map((p, i) => ({ participantId: p.id, periodId: BENCH_PERIODS[i % 3].id, amount: money(int(-50000, 50000)), reason: 'bench adjustment' }));
  return { currency: 'USD', periods: BENCH_PERIODS, plans: BENCH_PLANS, participants, transactions, adjustments };
}
