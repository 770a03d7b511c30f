import { calculateBatch } from '../plan-language/calculation';
import { carriedBalance, findLateDeals, knownDeals, restatePeriod } from './prior-period';
import { closeBatchInput, type CloseSnapshotContent } from './snapshot';

/** January closed: Ann on 5% of attainment up to 100% of a 10,000 quota, 8% above (step); Bo on 10% flat. */
function january(): CloseSnapshotContent {
  const attainment = { id: 'ae', components: [{ id: 'commission', kind: 'commission', window: 'period', basis: 'attainment', table: { split: 'step', tiers: [{ from: 0, rate: '0.05' }, { from: 1, rate: '0.08' }] } }] } as never;
  const flat = { id: 'flat', components: [{ id: 'commission', kind: 'commission', window: 'period', basis: 'amount', table: { split: 'step', tiers: [{ from: 0, rate: '0.1' }] } }] } as never;
  return {
    period: { id: 'jan', key: '2026-01', start: '2026-01-01', end: '2026-01-31' }, currency: 'USD', frozenAt: '2026-02-01T00:00:00.000Z',
    plans: [{ planVersionId: 'pv-ae', planId: 'ae', planName: 'AE', version: 1, document: attainment }, { planVersionId: 'pv-flat', planId: 'flat', planName: 'Flat', version: 1, document: flat }],
    participants: [
      { personId: 'ann', name: 'Ann', teamId: 't', planVersionId: 'pv-ae', quota: '10000.00', state: null },
      { personId: 'bo', name: 'Bo', teamId: 't', planVersionId: 'pv-flat', quota: null, state: null },
    ],
    credits: [
      { participantId: 'ann', transactionId: 'D-1', seq: 0, date: '2026-01-05', amount: '8000.00', share: '1', type: 'new', product: null },
      { participantId: 'bo', transactionId: 'D-2', seq: 1, date: '2026-01-06', amount: '3000.00', share: '1', type: 'new', product: null },
    ],
    deals: 2, previousPeriodId: null,
    dealDigests: { 'deal-1': { t: 'D-1', h: 'h1' }, 'deal-2': { t: 'D-2', h: 'h2' } },
  };
}

const earningsOf = (content: CloseSnapshotContent, credits = content.credits) =>
  new Map(calculateBatch(closeBatchInput({ ...content, credits }, content.participants)).periods[0]!.participants.map((r) => [r.participantId, r.earnings]));

describe('late deals of a closed period', () => {
  it('finds new, changed and no-longer-counting deals against the digests and earlier restatements', () => {
    const q = january();
    const known = knownDeals(q, []);
    const late = findLateDeals(known, [
      { dealId: 'deal-1', transactionId: 'D-1', hash: 'h1' }, // as closed
      { dealId: 'deal-3', transactionId: 'D-3', hash: 'h3' }, // arrived after the close
    ]);
    expect(late).toEqual([{ dealId: 'deal-3', transactionId: 'D-3', hash: 'h3' }, { dealId: 'deal-2', transactionId: 'D-2', hash: null }]);
    // once a later close restated them, they are known: nothing is late twice
    const again = knownDeals(q, [{ periodId: 'jan', periodKey: '2026-01', snapshotId: 's', deals: [{ dealId: 'deal-3', transactionId: 'D-3', hash: 'h3', rows: [] }, { dealId: 'deal-2', transactionId: 'D-2', hash: null, rows: [] }] }]);
    expect(findLateDeals(again, [{ dealId: 'deal-1', transactionId: 'D-1', hash: 'h1' }, { dealId: 'deal-3', transactionId: 'D-3', hash: 'h3' }])).toEqual([]);
    expect(again.credits.map((c) => c.transactionId)).toEqual(['D-1']);
  });

  it('a snapshot without digests knows its deals by transaction id', () => {
    const { dealDigests: _digests, ...legacy } = january();
    expect(findLateDeals(knownDeals(legacy, []), [{ dealId: 'deal-1', transactionId: 'D-1', hash: 'x' }, { dealId: 'deal-9', transactionId: 'D-9', hash: 'y' }]))
      .toEqual([{ dealId: 'deal-9', transactionId: 'D-9', hash: 'y' }]);
  });

  it('a late deal is paid as the closed period’s plan would have paid it, tier re-rating included; a cancellation takes back what its deal earned', () => {
    const q = january();
    const known = knownDeals(q, []);
    const late = [
      // lifts Ann from 80% to 120% of her quota: the part above 100% at 8%
      { dealId: 'deal-3', transactionId: 'D-3', hash: 'h3', rows: [{ participantId: 'ann', transactionId: 'D-3', seq: 0, date: '2026-01-28', amount: '4000.00', share: '1', type: 'new', product: null }] },
      // Bo's D-2 cancelled in January itself
      { dealId: 'deal-4', transactionId: 'D-2X', hash: 'h4', rows: [{ participantId: 'bo', transactionId: 'D-2X', seq: 0, date: '2026-01-30', amount: '-3000.00', share: '1', type: 'new', product: null, reverses: 'D-2', reversedAmount: '3000.00' }] },
    ];
    const result = restatePeriod(q, 'snap-jan', known, late);
    expect(result.adjustments.map((a) => [a.participantId, a.transactionId, a.amount, a.before, a.after])).toEqual([
      ['ann', 'D-3', '260.00', '400.00', '660.00'], // 2,000 more at 5% up to the quota, 2,000 at 8% above it
      ['bo', 'D-2X', '-300.00', '300.00', '0.00'],
    ]);
    expect(result.adjustments[0]!.reason).toBe('prior-period adjustment: deal D-3 of 2026-01');
    expect(result.adjustments[0]!.lines!.map((l) => l.transactionId)).toEqual(['D-3']);
    expect(result.adjustments[1]!.lines!.map((l) => [l.source, l.transactionId])).toEqual([['clawback', 'D-2X']]);
    expect([result.adjustments[1]!.cancels, result.adjustments[1]!.reason]).toEqual(['D-2', 'prior-period adjustment: deal D-2 of 2026-01, cancelled by D-2X']);
    // the adjustments of a rep sum exactly to the period restated minus the period as paid
    const paid = earningsOf(q);
    const restated = earningsOf(q, known.credits);
    expect(restated.get('ann')).toBe('660.00');
    expect(paid.get('ann')).toBe('400.00');
    expect(result.restatement.deals.map((d) => d.dealId)).toEqual(['deal-3', 'deal-4']);
    expect(result.state.get('ann')).toBeDefined();
  });

  it('on a flat table the late deal’s adjustment carries the re-rating of the period’s earlier deals (the uplift)', () => {
    const q = january();
    q.plans[0]!.document = { id: 'ae', components: [{ id: 'commission', kind: 'commission', window: 'period', basis: 'attainment', table: { split: 'flat', tiers: [{ from: 0, rate: '0.05' }, { from: 1, rate: '0.08' }] } }] } as never;
    const result = restatePeriod(q, 's', knownDeals(q, []), [
      { dealId: 'deal-3', transactionId: 'D-3', hash: 'h3', rows: [{ participantId: 'ann', transactionId: 'D-3', seq: 0, date: '2026-01-28', amount: '4000.00', share: '1' }] },
    ]);
    // 80% → 120%: all 12,000 at 8% (960.00) instead of 8,000 at 5% (400.00)
    expect(result.adjustments.map((a) => [a.amount, a.before, a.after])).toEqual([['560.00', '400.00', '960.00']]);
    expect(result.adjustments[0]!.lines!.flatMap((l) => l.slices ?? []).some((slice) => slice.kind === 'uplift')).toBe(true);
  });

  it('a deal changed after the close pays the difference; one that no longer counts takes back what it earned', () => {
    const q = january();
    const result = restatePeriod(q, 's', knownDeals(q, []), [
      { dealId: 'deal-1', transactionId: 'D-1', hash: 'h1-b', rows: [{ participantId: 'ann', transactionId: 'D-1', seq: 0, date: '2026-01-05', amount: '9000.00', share: '1' }] },
      { dealId: 'deal-2', transactionId: 'D-2', hash: null, rows: [] },
    ]);
    expect(result.adjustments.map((a) => [a.participantId, a.amount, a.reason])).toEqual([
      ['ann', '50.00', 'prior-period adjustment: deal D-1 of 2026-01'],
      ['bo', '-300.00', 'prior-period adjustment: deal D-2 of 2026-01, no longer counted'],
    ]);
    expect(result.adjustments[1]!.removed).toBe(true);
  });

  it('a deal of a rep without a plan in that period restates nothing and is named', () => {
    const q = january();
    const result = restatePeriod(q, 's', knownDeals(q, []), [
      { dealId: 'deal-5', transactionId: 'D-5', hash: 'h5', rows: [{ participantId: 'cy', transactionId: 'D-5', seq: 0, date: '2026-01-10', amount: '100.00', share: '1' }] },
    ]);
    expect(result.adjustments).toEqual([]);
    expect(result.unplanned).toEqual([{ dealId: 'deal-5', transactionId: 'D-5', personId: 'cy' }]);
  });
});

describe('negative payouts carried forward', () => {
  it('only a negative payout becomes a balance to recover; it is never paid', () => {
    expect(carriedBalance('ann', '-120.50', { periodId: 'jan', periodKey: '2026-01' })).toEqual({
      participantId: 'ann', amount: '-120.50', reason: 'balance carried from 2026-01: a negative payout is not paid, it is recovered',
      kind: 'carried-balance', fromPeriodId: 'jan', fromPeriodKey: '2026-01',
    });
    expect(carriedBalance('ann', '0.00', { periodId: 'jan', periodKey: '2026-01' })).toBeNull();
    expect(carriedBalance('ann', '10.00', { periodId: 'jan', periodKey: '2026-01' })).toBeNull();
  });

  it('the engine recovers the balance from the next period’s earnings, through the snapshot’s adjustments', () => {
    const feb: CloseSnapshotContent = { ...january(), period: { id: 'feb', key: '2026-02', start: '2026-02-01', end: '2026-02-28' }, credits: [
      { participantId: 'bo', transactionId: 'D-6', seq: 0, date: '2026-02-03', amount: '5000.00', share: '1' },
    ], adjustments: [carriedBalance('bo', '-120.50', { periodId: 'jan', periodKey: '2026-01' })!] };
    const bo = calculateBatch(closeBatchInput(feb, [feb.participants[1]!])).periods[0]!.participants[0]!;
    expect([bo.adjustments, bo.earnings, bo.payout]).toEqual(['-120.50', '379.50', '379.50']);
    expect(bo.lines).toEqual([expect.objectContaining({ source: 'adjustment', amount: '-120.50', reason: 'balance carried from 2026-01: a negative payout is not paid, it is recovered' })]);
    // a snapshot without adjustments gives the engine exactly the input it always gave
    expect('adjustments' in closeBatchInput(january(), january().participants)).toBe(false);
  });
});
