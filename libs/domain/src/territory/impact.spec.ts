import { salesOrg } from '../approvals/__fixtures__/org.mother';
import { routeTerritoryChange } from '../approvals/policy';
import { DomainError } from '../errors';
import { computeTerritoryImpact } from './impact';
import type { TerritoryImpactInput } from './types';

/**
 * West (repA1, team A) with sub-territory west-sub, east (repB1, team B), south (no owner, run by
 * the director). Trailing year to 2026-06-30 is (2025-06-30, 2026-06-30]:
 *   acc1 west     won 40,000 (2026-01-15), won 10,000 on 2025-06-30 (outside), open 5,000
 *   acc2 west     won 60,000 (2025-07-01), lost 9,999 (ignored)
 *   acc3 west-sub won 100,000 (2026-06-30), won 7,000 on 2026-07-01 (after), open 20,000
 *   acc4 east     won 50,000
 * repA1 trailing revenue 200,000 on a quota of 333,333.33; repB1 50,000 on 300,000.
 */
function westEast(moves: TerritoryImpactInput['moves']): TerritoryImpactInput {
  return {
    territories: [
      { id: 'west', ownerId: 'repA1', teamId: 'A' },
      { id: 'west-sub', parentId: 'west' },
      { id: 'east', ownerId: 'repB1', teamId: 'B' },
      { id: 'south', managerId: 'director' },
    ],
    ownership: [
      { accountId: 'acc1', territoryId: 'west' },
      { accountId: 'acc2', territoryId: 'west' },
      { accountId: 'acc3', territoryId: 'west-sub' },
      { accountId: 'acc4', territoryId: 'east' },
    ],
    transactions: [
      { accountId: 'acc1', amount: '40000.00', date: '2026-01-15', status: 'won' },
      { accountId: 'acc1', amount: '10000.00', date: '2025-06-30', status: 'won' },
      { accountId: 'acc1', amount: '5000.00', date: '2026-07-10', status: 'open' },
      { accountId: 'acc2', amount: '60000.00', date: '2025-07-01', status: 'won' },
      { accountId: 'acc2', amount: '9999.00', date: '2026-02-01', status: 'lost' },
      { accountId: 'acc3', amount: '100000.00', date: '2026-06-30', status: 'won' },
      { accountId: 'acc3', amount: '7000.00', date: '2026-07-01', status: 'won' },
      { accountId: 'acc3', amount: '20000.00', date: '2026-08-01', status: 'open' },
      { accountId: 'acc4', amount: '50000.00', date: '2026-03-01', status: 'won' },
    ],
    asOf: '2026-06-30',
    quotas: [
      { personId: 'repA1', amount: '333333.33' },
      { personId: 'repB1', amount: '300000.00' },
    ],
    people: [
      { id: 'repA1', teamId: 'A' },
      { id: 'repB1', teamId: 'B' },
    ],
    teams: [
      { id: 'A', managerId: 'mgrA' },
      { id: 'B', managerId: 'mgrB' },
    ],
    moves,
  };
}

describe('computeTerritoryImpact', () => {
  it('moving acc1 and acc3 west → east: revenue, pipeline, people and a quota shift that follows the revenue', () => {
    const impact = computeTerritoryImpact(
      westEast([
        { accountId: 'acc1', toTerritoryId: 'east' },
        { accountId: 'acc3', toTerritoryId: 'east' },
      ]),
    );
    expect(impact.accountsMoving).toEqual([
      { accountId: 'acc1', fromTerritoryId: 'west', toTerritoryId: 'east', fromOwnerId: 'repA1', toOwnerId: 'repB1', trailingRevenue: '40000.00', openPipeline: '5000.00' },
      { accountId: 'acc3', fromTerritoryId: 'west-sub', toTerritoryId: 'east', fromOwnerId: 'repA1', toOwnerId: 'repB1', trailingRevenue: '100000.00', openPipeline: '20000.00' },
    ]);
    expect([impact.revenueMoved, impact.pipelineMoved]).toEqual(['140000.00', '25000.00']);
    expect([impact.losingTerritoryIds, impact.gainingTerritoryIds, impact.repsAffected, impact.managersAffected]).toEqual([
      ['west', 'west-sub'],
      ['east'],
      ['repA1', 'repB1'],
      ['mgrA', 'mgrB'],
    ]);
    // 140,000 / 200,000 × 333,333.33 = 233,333.331 → 233,333.33, rounded once per pair (per account
    // it would be 66,666.67 + 166,666.67 = 233,333.34 and the team total would drift by a cent).
    expect(impact.quotaAdjustments).toEqual([
      { personId: 'repA1', quota: '333333.33', trailingRevenue: '200000.00', revenueMoved: '-140000.00', suggestedChange: '-233333.33' },
      { personId: 'repB1', quota: '300000.00', trailingRevenue: '50000.00', revenueMoved: '140000.00', suggestedChange: '233333.33' },
    ]);
  });

  it('moving to a territory nobody owns: the rep loses the share, nobody gains it, its manager is named', () => {
    const impact = computeTerritoryImpact(westEast([{ accountId: 'acc4', toTerritoryId: 'south' }]));
    expect([impact.repsAffected, impact.managersAffected, impact.revenueMoved]).toEqual([['repB1'], ['mgrB', 'director'], '50000.00']);
    expect(impact.quotaAdjustments).toEqual([
      { personId: 'repB1', quota: '300000.00', trailingRevenue: '50000.00', revenueMoved: '-50000.00', suggestedChange: '-300000.00' },
    ]);
  });

  it('moving between two territories of the same rep changes no quota', () => {
    const impact = computeTerritoryImpact(westEast([{ accountId: 'acc1', toTerritoryId: 'west-sub' }]));
    expect(impact.quotaAdjustments).toEqual([
      { personId: 'repA1', quota: '333333.33', trailingRevenue: '200000.00', revenueMoved: '0.00', suggestedChange: '0.00' },
    ]);
  });

  it('feeds the router: above the finance threshold the change goes to finance too', () => {
    const impact = computeTerritoryImpact(
      westEast([
        { accountId: 'acc1', toTerritoryId: 'east' },
        { accountId: 'acc3', toTerritoryId: 'east' },
      ]),
    );
    const stages = routeTerritoryChange(
      {
        requesterId: 'ops1',
        losingTerritoryIds: impact.losingTerritoryIds,
        gainingTerritoryIds: impact.gainingTerritoryIds,
        subjectPersonIds: impact.repsAffected,
        impact: { revenueMoved: impact.revenueMoved, pipelineMoved: impact.pipelineMoved },
      },
      salesOrg(),
    );
    expect(stages.map((s) => [s.id, s.approverIds])).toEqual([
      ['territory-managers', ['mgrA', 'mgrB']],
      ['ops', ['ops2']],
      ['finance', ['fin1', 'fin2', 'mgrFin']],
    ]);
  });

  it.each([
    ['an account without territory', (i: TerritoryImpactInput) => ({ ...i, moves: [{ accountId: 'acc9', toTerritoryId: 'east' }] }), 'moves[0].accountId'],
    ['a move to where it already is', (i: TerritoryImpactInput) => ({ ...i, moves: [{ accountId: 'acc4', toTerritoryId: 'east' }] }), 'moves[0].toTerritoryId'],
    ['an unknown target territory', (i: TerritoryImpactInput) => ({ ...i, moves: [{ accountId: 'acc4', toTerritoryId: 'mars' }] }), 'moves[0].toTerritoryId'],
    [
      'one account moving twice',
      (i: TerritoryImpactInput) => ({ ...i, moves: [{ accountId: 'acc4', toTerritoryId: 'west' }, { accountId: 'acc4', toTerritoryId: 'south' }] }),
      'moves[1].accountId',
    ],
    ['a malformed as-of date', (i: TerritoryImpactInput) => ({ ...i, asOf: '2026-6-30' }), 'asOf'],
    ['a float-looking amount', (i: TerritoryImpactInput) => ({ ...i, transactions: [{ accountId: 'acc1', amount: '1e4', date: '2026-01-01', status: 'won' as const }] }), 'transactions[0].amount'],
    ['an account in an unknown territory', (i: TerritoryImpactInput) => ({ ...i, ownership: [{ accountId: 'acc1', territoryId: 'mars' }] }), 'ownership[0].territoryId'],
    ['a territory that is its own ancestor', (i: TerritoryImpactInput) => ({ ...i, territories: [...i.territories.slice(1), { id: 'west', parentId: 'west-sub' }] }), 'territories[0].parentId'],
  ])('refuses %s with the field', (_name, mutate, field) => {
    let caught: unknown;
    try {
      computeTerritoryImpact(mutate(westEast([{ accountId: 'acc1', toTerritoryId: 'east' }])));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(DomainError);
    expect([(caught as DomainError).code, ((caught as DomainError).details as { field: string }).field]).toEqual(['VALIDATION.FAILED', field]);
  });
});
