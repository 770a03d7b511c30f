/**
 * The territory-change activities against a real database: the impact over stored rows, and the
 * apply — idempotent by change id, splitting the ownership history at the effective date.
 */
import { ApplicationFailure } from '@temporalio/common';
import {
  AccountEntity, AccountOwnershipEntity, createDataSource, DealEntity, PersonEntity, TeamEntity, TerritoryChangeEntity, TerritoryEntity,
} from '@quotaflow/persistence';
import { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '../../../../../test/support/database';
import { TerritoryChangeActivity } from './territory-change.activity';

let db: TestDatabase;
let ds: DataSource;
let activity: TerritoryChangeActivity;
let seq = 0;

beforeAll(async () => {
  db = await createTestDatabase();
  ds = await createDataSource({ url: db.url, appRole: 'quotaflow_app' }, { role: 'app' }).initialize();
  activity = new TerritoryChangeActivity(ds);
});
afterAll(async () => {
  await ds?.destroy();
  await db?.drop();
});

/** Two teams, two owned territories, accounts with history since 2025-01-01; names unique per test. */
async function world(effectiveDate: string) {
  const tag = `${++seq}`;
  const people = ds.getRepository(PersonEntity);
  const teamA = await ds.getRepository(TeamEntity).save({ name: `A${tag}` });
  const teamB = await ds.getRepository(TeamEntity).save({ name: `B${tag}` });
  const mgrA = await people.save({ name: 'Mgr A', email: `mgra${tag}@x.test`, roles: ['manager'], teamId: teamA.id });
  const mgrB = await people.save({ name: 'Mgr B', email: `mgrb${tag}@x.test`, roles: ['manager'], teamId: teamB.id });
  await ds.getRepository(TeamEntity).update(teamA.id, { managerId: mgrA.id });
  await ds.getRepository(TeamEntity).update(teamB.id, { managerId: mgrB.id });
  const repA = await people.save({ name: 'Rep A', email: `repa${tag}@x.test`, roles: ['rep'], teamId: teamA.id, managerId: mgrA.id, attributes: { annualQuota: '300000.00' } });
  const repB = await people.save({ name: 'Rep B', email: `repb${tag}@x.test`, roles: ['rep'], teamId: teamB.id, managerId: mgrB.id });
  const west = await ds.getRepository(TerritoryEntity).save({ name: `West ${tag}`, teamId: teamA.id, ownerPersonId: repA.id });
  const east = await ds.getRepository(TerritoryEntity).save({ name: `East ${tag}`, teamId: teamB.id, ownerPersonId: repB.id });
  const acc1 = await ds.getRepository(AccountEntity).save({ name: 'One', territoryId: west.id });
  const acc2 = await ds.getRepository(AccountEntity).save({ name: 'Two', territoryId: west.id });
  for (const a of [acc1, acc2]) await ds.getRepository(AccountOwnershipEntity).save({ accountId: a.id, territoryId: west.id, effectiveFrom: '2025-01-01', effectiveTo: null, changeId: null });
  await ds.getRepository(DealEntity).save([
    { accountId: acc1.id, amount: '40000.00', stage: 'won', closeDate: '2026-03-01' },
    { accountId: acc1.id, amount: '9000.50', stage: 'open', closeDate: '2026-12-15' },
    { accountId: acc2.id, amount: '60000.00', stage: 'won', closeDate: '2026-05-01' },
    { accountId: acc2.id, amount: '1.00', stage: 'lost', closeDate: '2026-05-02' },
  ]);
  const change = await ds.getRepository(TerritoryChangeEntity).save({
    requesterId: mgrA.id, fromTerritoryId: west.id, toTerritoryId: east.id, accountIds: [acc1.id], effectiveDate, reason: 'test',
    status: 'scheduled', workflowId: `territory-change:${tag}`,
  });
  return { west, east, acc1, acc2, repA, repB, mgrA, mgrB, change };
}

const ownership = (accountId: string) =>
  ds.getRepository(AccountOwnershipEntity).find({ where: { accountId }, order: { effectiveFrom: 'ASC' } });

describe('TerritoryChangeActivity', () => {
  it('computes the impact from stored accounts and deals and names the people for routing', async () => {
    const w = await world('2026-12-01');
    const { impact, organisation } = await activity.computeTerritoryChangeImpact({ changeId: w.change.id, asOf: '2026-11-23' });
    expect(impact).toMatchObject({
      revenueMoved: '40000.00', pipelineMoved: '9000.50', repsAffected: [w.repA.id, w.repB.id], managersAffected: [w.mgrA.id, w.mgrB.id],
      quotaAdjustments: [
        { personId: w.repA.id, quota: '300000.00', trailingRevenue: '100000.00', revenueMoved: '-40000.00', suggestedChange: '-120000.00' },
        { personId: w.repB.id, trailingRevenue: '0.00', revenueMoved: '40000.00', suggestedChange: '120000.00' },
      ],
    });
    expect(organisation.territories).toEqual(expect.arrayContaining([expect.objectContaining({ id: w.west.id, ownerId: w.repA.id, teamId: expect.any(String) })]));
  });

  it('refuses, permanently, an account that is no longer in the losing territory', async () => {
    const w = await world('2026-12-01');
    await ds.getRepository(AccountEntity).update(w.acc1.id, { territoryId: w.east.id });
    const error = await activity.computeTerritoryChangeImpact({ changeId: w.change.id, asOf: '2026-11-23' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect([(error as ApplicationFailure).type, (error as ApplicationFailure).nonRetryable, ((error as ApplicationFailure).details?.[0] as { field: string }).field])
      .toEqual(['VALIDATION.FAILED', true, 'accountIds']);
  });

  it('applies once: closes the old ownership at the effective date, opens the new one, moves the account; a retry changes nothing', async () => {
    const w = await world('2026-12-01');
    const first = await activity.applyTerritoryChange({ changeId: w.change.id, appliedAt: '2026-12-01T00:00:00.010Z' });
    const second = await activity.applyTerritoryChange({ changeId: w.change.id, appliedAt: '2026-12-01T00:05:00.000Z' });
    expect([first, second]).toEqual([{ accountsMoved: 1, alreadyApplied: false }, { accountsMoved: 1, alreadyApplied: true }]);
    expect((await ownership(w.acc1.id)).map((o) => [o.territoryId, o.effectiveFrom, o.effectiveTo, o.changeId])).toEqual([
      [w.west.id, '2025-01-01', '2026-12-01', null],
      [w.east.id, '2026-12-01', null, w.change.id],
    ]);
    expect((await ownership(w.acc2.id)).map((o) => o.territoryId)).toEqual([w.west.id]);
    expect((await ds.getRepository(AccountEntity).findOneByOrFail({ id: w.acc1.id })).territoryId).toBe(w.east.id);
    const stored = await ds.getRepository(TerritoryChangeEntity).findOneByOrFail({ id: w.change.id });
    expect([stored.status, stored.appliedAt?.toISOString()]).toEqual(['applied', '2026-12-01T00:00:00.010Z']);
    const at = async (date: string) => ((await ds.query('SELECT account_territory_at($1, $2) AS t', [w.acc1.id, date])) as { t: string }[])[0]!.t;
    expect([await at('2026-11-30'), await at('2026-12-01')]).toEqual([w.west.id, w.east.id]);
  });

  it('an account owned since the effective date itself is handed over whole; a cancelled change is never applied', async () => {
    const w = await world('2025-01-01');
    await activity.applyTerritoryChange({ changeId: w.change.id, appliedAt: '2026-11-23T10:00:00.000Z' });
    expect((await ownership(w.acc1.id)).map((o) => [o.territoryId, o.effectiveFrom, o.effectiveTo, o.changeId])).toEqual([[w.east.id, '2025-01-01', null, w.change.id]]);

    const c = await world('2026-12-01');
    await activity.setTerritoryChangeState({ changeId: c.change.id, status: 'cancelled', cancelledById: c.mgrA.id });
    await activity.setTerritoryChangeState({ changeId: c.change.id, status: 'scheduled' });
    expect((await ds.getRepository(TerritoryChangeEntity).findOneByOrFail({ id: c.change.id })).status).toBe('cancelled');
    const error = await activity.applyTerritoryChange({ changeId: c.change.id, appliedAt: '2026-12-01T00:00:00.000Z' }).catch((e: unknown) => e);
    expect([(error as ApplicationFailure).type, (error as ApplicationFailure).nonRetryable]).toEqual(['TERRITORY_CHANGE.NOT_PENDING', true]);
    expect((await ownership(c.acc1.id)).map((o) => o.territoryId)).toEqual([c.west.id]);
  });
});
