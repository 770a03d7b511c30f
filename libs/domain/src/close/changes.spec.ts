import { calculateBatch } from '../plan-language/calculation';
import { checkCloseChanges, closeChangesSummary, unacknowledgedNegatives } from './changes';
import { closeException, closeExceptionSeverities } from './exceptions';
import { closeBatchInput, type CloseSnapshotContent } from './snapshot';

const refused = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    const err = e as { code: string; details?: { field?: string } };
    return [err.code, err.details?.field];
  }
  throw new Error('not refused');
};

describe('a manager asks for adjustments and holds', () => {
  const team = { teamId: 'west', teamOf: new Map<string, string | null>([['rita', 'west'], ['otto', 'west'], ['rosa', 'east']]) };

  it('takes exact amounts (negative too) and reasons, each rep once', () => {
    const changes = checkCloseChanges({ adjustments: [{ personId: 'rita', amount: '-75.50', reason: 'returned goods' }], holds: [{ personId: 'otto', reason: 'contract in dispute' }] }, { actorId: 'mia', team });
    expect(changes).toEqual({ adjustments: [{ personId: 'rita', amount: '-75.50', reason: 'returned goods' }], holds: [{ personId: 'otto', reason: 'contract in dispute' }] });
    expect(closeChangesSummary(changes)).toBe('Requested 1 adjustment and 1 hold.');
  });

  it('refuses, naming the field: nothing asked, floats, zero, too many places, a rep twice, an unknown field, no reason', () => {
    const ctx = { actorId: 'mia' };
    expect(refused(() => checkCloseChanges({}, ctx))).toEqual(['VALIDATION.FAILED', 'adjustments']);
    expect(refused(() => checkCloseChanges({ adjustments: [{ personId: 'rita', amount: 10.5, reason: 'x' }] }, ctx))).toEqual(['VALIDATION.FAILED', 'adjustments[0].amount']);
    expect(refused(() => checkCloseChanges({ adjustments: [{ personId: 'rita', amount: '0.00', reason: 'x' }] }, ctx))).toEqual(['VALIDATION.FAILED', 'adjustments[0].amount']);
    expect(refused(() => checkCloseChanges({ adjustments: [{ personId: 'rita', amount: '1.005', reason: 'x' }] }, ctx))).toEqual(['VALIDATION.FAILED', 'adjustments[0].amount']);
    expect(refused(() => checkCloseChanges({ adjustments: [{ personId: 'rita', amount: '1.00', reason: 'x' }], holds: [{ personId: 'rita', reason: 'y' }] }, ctx))).toEqual(['VALIDATION.FAILED', 'holds[0].personId']);
    expect(refused(() => checkCloseChanges({ holds: [{ personId: 'rita', reason: 'y', amount: '1.00' }] }, ctx))).toEqual(['VALIDATION.FAILED', 'holds[0].amount']);
    expect(refused(() => checkCloseChanges({ holds: [{ personId: 'rita', reason: '  ' }] }, ctx))).toEqual(['VALIDATION.FAILED', 'holds[0].reason']);
    expect(refused(() => checkCloseChanges({ holds: [{ personId: 'rita', reason: 'a\u0000b' }] }, ctx))).toEqual(['VALIDATION.FAILED', 'holds[0].reason']);
  });

  it('separation of duties: never the manager themselves; only reps of the team they review', () => {
    expect(refused(() => checkCloseChanges({ holds: [{ personId: 'mia', reason: 'me' }] }, { actorId: 'mia' }))).toEqual(['AUTH.SELF_DECISION', 'holds[0].personId']);
    expect(refused(() => checkCloseChanges({ holds: [{ personId: 'rosa', reason: 'east' }] }, { actorId: 'mia', team }))).toEqual(['AUTH.FORBIDDEN', 'holds[0].personId']);
    expect(refused(() => checkCloseChanges({ holds: [{ personId: 'nobody', reason: 'x' }] }, { actorId: 'mia', team }))).toEqual(['CLOSE.NOT_IN_VERSION', 'holds[0].personId']);
  });

  it('names the negative payouts not yet acknowledged', () => {
    expect(unacknowledgedNegatives(['a', 'b', 'c'], new Set(['b']))).toEqual(['a', 'c']);
  });
});

describe('exception severities by configuration', () => {
  it("keeps today's defaults and flips what the configuration names", () => {
    const severities = closeExceptionSeverities({ 'DEAL.NO_CREDIT': 'blocking', 'DEAL.FOREIGN_CURRENCY': 'warning' });
    expect(closeException('DEAL.NO_CREDIT', 'x', {}, severities).severity).toBe('blocking');
    expect(closeException('DEAL.FOREIGN_CURRENCY', 'x', {}, severities).severity).toBe('warning');
    expect(closeException('DEAL.UNKNOWN_PERSON', 'x', {}, severities).severity).toBe('blocking');
    expect(closeException('DEAL.NO_CREDIT', 'x').severity).toBe('warning');
  });
});

describe('adjustments enter the engine as plan-language adjustments', () => {
  const plan = { id: 'doc', components: [{ id: 'commission', kind: 'commission', window: 'period', basis: 'amount', table: { split: 'step', tiers: [{ from: 0, rate: '0.1' }] } }] } as never;
  const content: CloseSnapshotContent = {
    period: { id: 'period-1', key: '2026-01', start: '2026-01-01', end: '2026-01-31' }, currency: 'USD', frozenAt: '2026-02-01T00:00:00.000Z',
    plans: [{ planVersionId: 'pv-a', planId: 'p', planName: 'A', version: 1, document: plan }],
    participants: [
      { personId: 'rep-1', name: 'One', teamId: 't', planVersionId: 'pv-a', quota: null, state: null },
      { personId: 'rep-2', name: 'Two', teamId: 't', planVersionId: 'pv-a', quota: null, state: null },
    ],
    credits: [{ participantId: 'rep-1', transactionId: 'D-1', seq: 0, date: '2026-01-05', amount: '100.00', share: '1' }],
    deals: 1, previousPeriodId: null,
    carried: [{ carryId: 'c1', personId: 'rep-2', amount: '40.00', reason: 'Held in 2025-12: dispute' }],
  };

  it("adds a rep's adjustments and carried amounts to earnings, each an explained line; other reps untouched", () => {
    const input = closeBatchInput(content, content.participants, [{ personId: 'rep-1', amount: '-2.50', reason: 'returned goods' }]);
    const [one, two] = calculateBatch(input).periods[0]!.participants;
    expect([one!.payout, one!.adjustments, two!.payout, two!.adjustments]).toEqual(['7.50', '-2.50', '40.00', '40.00']);
    expect(JSON.stringify(one)).toContain('returned goods');
    expect(closeBatchInput(content, [content.participants[0]!]).adjustments).toBeUndefined();
  });
});
