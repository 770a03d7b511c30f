import { DataSource } from 'typeorm';
import {
  AcceptanceEntity, createDataSource, PeriodEntity, PersonEntity, PlanAssignmentEntity, PlanVersionEntity, QuotaSetEntity, QuotaSetRepository, TeamEntity,
} from '@quotaflow/persistence';
import { createTestDatabase, TestDatabase } from '../../../../test/support/database';
import { computeTerritoryImpact, OrgIndex, routeTerritoryChange, validateTerritoryHierarchy, type Role } from '@quotaflow/domain';
import { AccountEntity, DealEntity, TerritoryEntity } from '@quotaflow/persistence';
import { DEMO_PEOPLE, DEMO_PLAN } from './demo-organisation';
import { DEMO_PUBLISH_REP, demoCloseMonth } from './seed-close';
import { DEMO_ACCOUNTS, DEMO_TERRITORIES } from './demo-territories';
import { seedDemo } from './seed-demo.service';
import { uuidV5 } from './stable-id';

let db: TestDatabase;
let ds: DataSource;
beforeAll(async () => {
  db = await createTestDatabase();
  ds = await createDataSource({ url: db.url, appRole: 'quotaflow_app' }, { role: 'app' }).initialize();
});
afterAll(async () => {
  await ds.destroy();
  await db.drop();
});

describe('uuidV5', () => {
  it('matches the RFC 4122 reference vector', () => {
    expect(uuidV5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'www.example.com')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });
});

describe('seedDemo', () => {
  it('is idempotent: same ids and counts on every run, demo edits restored', async () => {
    const first = await seedDemo(ds);
    expect(first.counts).toEqual({ teams: 3, people: 20, plans: 1, planVersions: 1 });
    const liam = DEMO_PEOPLE.find((p) => p.key === 'liam.carter')!;
    await ds.getRepository(PersonEntity).update(liam.id, { name: 'Changed', active: false });

    const second = await seedDemo(ds);
    expect(second.counts).toEqual(first.counts);
    expect(second.people).toEqual(first.people);
    expect(await ds.getRepository(PersonEntity).findOneByOrFail({ id: liam.id })).toMatchObject({ name: 'Liam Carter', active: true });
  });

  it('covers every role, with reps reporting to their team manager', async () => {
    await seedDemo(ds);
    const people = await ds.getRepository(PersonEntity).find();
    const withRole = (role: string): PersonEntity[] => people.filter((p) => p.roles.includes(role as never));
    expect([withRole('admin'), withRole('ops'), withRole('finance'), withRole('auditor'), withRole('manager'), withRole('rep')].map((l) => l.length)).toEqual([1, 2, 2, 1, 3, 11]);

    const teams = await ds.getRepository(TeamEntity).find();
    expect(teams.map((t) => t.name).sort()).toEqual(['Enterprise East', 'Enterprise West', 'Mid-Market']);
    for (const rep of withRole('rep')) {
      const team = teams.find((t) => t.id === rep.teamId)!;
      expect(rep.managerId).toBe(team.managerId);
      expect(rep.attributes.annualQuota).toMatch(/^\d+\.\d{2}$/);
      expect(rep.email).toMatch(/^[a-z]+\.[a-z]+@demo\.quotaflow\.local$/);
    }
    for (const manager of withRole('manager')) expect(teams.some((t) => t.managerId === manager.id && t.id === manager.teamId)).toBe(true);
  });

  it('stores plan ae-2026 version 1 with its document hash', async () => {
    await seedDemo(ds);
    const version = await ds.getRepository(PlanVersionEntity).findOneByOrFail({ version: 1 });
    expect(version).toMatchObject({ periodLabel: 'FY2026', effectiveFrom: '2026-01-01' });
    expect(version.document.id).toBe('ae-2026');
    expect(version.documentHash).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('seedDemo: sales territory', () => {
  const today = new Date('2026-11-23T12:00:00Z');

  it('a territory tree over the three teams, 30 accounts with an ownership row each, 210 deals; re-running changes nothing', async () => {
    const first = await seedDemo(ds, today);
    expect(first.sales).toEqual({ territories: 15, accounts: 30, deals: 210 });
    const ownership = async () => ((await ds.query('SELECT count(*)::int AS n FROM account_ownership')) as { n: number }[])[0]!.n;
    expect(await ownership()).toBe(30);
    const deals = await ds.getRepository(DealEntity).find();
    const won = deals.filter((d) => d.stage === 'won');
    const open = deals.filter((d) => d.stage === 'open');
    expect(won.length).toBeGreaterThan(120);
    expect(open.length).toBeGreaterThan(20);
    expect(won.every((d) => d.closeDate > '2025-11-23' && d.closeDate < '2026-11-23')).toBe(true);
    expect(open.every((d) => d.closeDate > '2026-11-23')).toBe(true);
    expect(deals.every((d) => /^\d+\.\d{2}$/.test(d.amount))).toBe(true);

    const again = await seedDemo(ds, today);
    expect(again.sales).toEqual(first.sales);
    expect(await ownership()).toBe(30);
  });

  it('keeps an account where a territory change moved it (its history says so)', async () => {
    await seedDemo(ds, today);
    const account = DEMO_ACCOUNTS[0]!;
    const target = DEMO_TERRITORIES.find((t) => t.key === 'new-york')!;
    await ds.getRepository(AccountEntity).update(account.id, { territoryId: target.id });
    await seedDemo(ds, today);
    expect((await ds.getRepository(AccountEntity).findOneByOrFail({ id: account.id })).territoryId).toBe(target.id);
    await ds.getRepository(AccountEntity).update(account.id, { territoryId: DEMO_TERRITORIES.find((t) => t.key === account.territoryKey)!.id });
  });

  it('every territory has a manager, and a change routes through managers, ops and finance when large', async () => {
    await seedDemo(ds, today);
    const territories = (await ds.getRepository(TerritoryEntity).find()).map((t) => ({
      id: t.id, ...(t.parentId ? { parentId: t.parentId } : {}), ...(t.ownerPersonId ? { ownerId: t.ownerPersonId } : {}), ...(t.teamId ? { teamId: t.teamId } : {}),
    }));
    expect(() => validateTerritoryHierarchy(territories)).not.toThrow();
    const people = (await ds.getRepository(PersonEntity).find()).map((p) => ({ id: p.id, roles: p.roles as Role[], active: p.active, ...(p.teamId ? { teamId: p.teamId } : {}), ...(p.managerId ? { managerId: p.managerId } : {}) }));
    const teams = (await ds.getRepository(TeamEntity).find()).map((t) => ({ id: t.id, ...(t.managerId ? { managerId: t.managerId } : {}) }));
    const org = new OrgIndex({ people, teams, territories });
    expect(territories.filter((t) => t.teamId).every((t) => org.managerOfTerritory(t.id))).toBe(true);

    const accounts = await ds.getRepository(AccountEntity).find();
    const deals = await ds.getRepository(DealEntity).find();
    const moving = DEMO_ACCOUNTS.filter((a) => a.territoryKey === 'northern-california');
    const toNewYork = DEMO_TERRITORIES.find((t) => t.key === 'new-york')!.id;
    const impact = computeTerritoryImpact({
      territories, ownership: accounts.map((a) => ({ accountId: a.id, territoryId: a.territoryId })),
      moves: moving.map((a) => ({ accountId: a.id, toTerritoryId: toNewYork })),
      transactions: deals.map((d) => ({ accountId: d.accountId, amount: d.amount, date: d.closeDate, status: d.stage })),
      asOf: '2026-11-23', quotas: [], people, teams,
    });
    const priya = DEMO_PEOPLE.find((p) => p.key === 'priya.patel')!.id;
    const stages = routeTerritoryChange({
      requesterId: priya, subjectPersonIds: impact.repsAffected, losingTerritoryIds: impact.losingTerritoryIds, gainingTerritoryIds: impact.gainingTerritoryIds,
      impact: { revenueMoved: impact.revenueMoved },
    }, { people, teams, territories });
    const id = (key: string) => DEMO_PEOPLE.find((p) => p.key === key)!.id;
    expect(Number(impact.revenueMoved)).toBeGreaterThan(50000);
    expect(stages.map((s) => [s.id, [...s.approverIds].sort()])).toEqual([
      ['territory-managers', [id('olivia.bennett'), id('james.whitaker')].sort()],
      ['ops', [id('marcus.chen')]],
      ['finance', [id('sofia.rossi'), id('daniel.okafor')].sort()],
    ]);
  });
});

describe('seedDemo: a period ready to close', () => {
  const today = new Date('2026-12-01T08:00:00Z');
  const reps = DEMO_PEOPLE.filter((p) => p.roles.includes('rep'));

  it('the month just ended, within the plan year', () => {
    expect(demoCloseMonth(today, '2026-01-01', '2026-12-31')).toEqual({ key: '2026-11', start: '2026-11-01', end: '2026-11-30' });
    expect(demoCloseMonth(new Date('2027-01-04T00:00:00Z'), '2026-01-01', '2026-12-31').key).toBe('2026-12');
    expect(demoCloseMonth(new Date('2027-03-04T00:00:00Z'), '2026-01-01', '2026-12-31').key).toBe('2026-12');
    expect(demoCloseMonth(new Date('2026-01-20T00:00:00Z'), '2026-01-01', '2026-12-31').key).toBe('2026-01');
  });

  it('an open period, every rep but the README\'s with an accepted plan and its signature, every rep with a locked twelfth of the annual quota; re-running changes nothing', async () => {
    const first = await seedDemo(ds, today);
    expect(first.close).toEqual({ periodId: expect.any(String), periodKey: '2026-11', status: 'open', quotaSetId: expect.any(String), acceptedReps: 10, quotaReps: 11 });
    const period = await ds.getRepository(PeriodEntity).findOneByOrFail({ id: first.close.periodId });
    expect(period).toMatchObject({ key: '2026-11', startDate: '2026-11-01', endDate: '2026-11-30', status: 'open', currentVersion: 0 });

    const assignments = await ds.getRepository(PlanAssignmentEntity).find();
    const liam = reps.find((r) => r.key === DEMO_PUBLISH_REP)!;
    expect(assignments.map((a) => a.personId).sort()).toEqual(reps.filter((r) => r !== liam).map((r) => r.id).sort());
    expect(assignments.every((a) => a.status === 'accepted' && a.planVersionId === DEMO_PLAN.version.id)).toBe(true);
    const acceptances = await ds.getRepository(AcceptanceEntity).find();
    expect(acceptances.map((a) => a.assignmentId).sort()).toEqual(assignments.map((a) => a.id).sort());
    const version = await ds.getRepository(PlanVersionEntity).findOneByOrFail({ id: DEMO_PLAN.version.id });
    expect(acceptances.every((a) => a.decision === 'accepted' && a.rulesFingerprint === version.documentHash)).toBe(true);

    // The quota set as a sign-off leaves it: locked, in force for the month, every line acknowledged.
    const set = await ds.getRepository(QuotaSetEntity).findOneByOrFail({ id: first.close.quotaSetId });
    expect(set).toMatchObject({ periodId: '2026-11', periodStart: '2026-11-01', periodEnd: '2026-11-30', status: 'locked', effectiveVersion: 1, currentVersion: 1 });
    const lines = await new QuotaSetRepository(ds).lines(set.id, 1);
    expect(lines).toHaveLength(11);
    expect(lines.every((l) => l.acknowledgedAt !== null)).toBe(true);
    const quotas = await new QuotaSetRepository(ds).effectiveQuotas('2026-11');
    expect(quotas[liam.id]).toBe('116666.67'); // 1,400,000.00 ÷ 12, half-up
    expect(quotas[reps.find((r) => r.key === 'emma.nguyen')!.id]).toBe('100000.00');
    expect(set.companyTarget).toBe(Object.values(quotas).reduce((sum, q) => sum + BigInt(q.replace('.', '')), 0n).toString().replace(/(\d\d)$/, '.$1'));

    // The month has won deals credited (by territory) to reps with a plan.
    const won = (await ds.query(`SELECT count(*)::int AS n FROM deals WHERE stage = 'won' AND close_date BETWEEN '2026-11-01' AND '2026-11-30'`)) as { n: number }[];
    expect(won[0]!.n).toBeGreaterThan(0);

    const again = await seedDemo(ds, today);
    expect(again.close).toEqual(first.close);
    expect(await ds.getRepository(PlanAssignmentEntity).count()).toBe(10);
    expect(await ds.getRepository(AcceptanceEntity).count()).toBe(10);
    expect(await new QuotaSetRepository(ds).lines(set.id, 1)).toHaveLength(11);
    expect(await ds.getRepository(QuotaSetEntity).countBy({ periodId: '2026-11' })).toBe(1);
  });

  it('keeps a period that is being closed, and a rep\'s own acceptance of the plan', async () => {
    const first = await seedDemo(ds, today);
    await ds.getRepository(PeriodEntity).update(first.close.periodId, { status: 'closing', workflowId: `close:${first.close.periodId}` });
    const again = await seedDemo(ds, today);
    expect(again.close).toMatchObject({ periodId: first.close.periodId, status: 'closing' });
    await ds.getRepository(PeriodEntity).update(first.close.periodId, { status: 'open', workflowId: null });

    // Liam accepts his plan through the workflow (as the README's "Try it" does): the seed counts it and signs nothing for him.
    const liam = reps.find((r) => r.key === DEMO_PUBLISH_REP)!;
    const own = await ds.getRepository(PlanAssignmentEntity).save({
      planVersionId: DEMO_PLAN.version.id, personId: liam.id, quota: '1400000.00', status: 'accepted', workflowId: 'plan-acceptance:own',
      settings: { managerPreApproval: false, reminderEveryDays: 3, escalateAfterDays: 7, expireAfterDays: 14 },
      publishedById: DEMO_PEOPLE.find((p) => p.key === 'priya.patel')!.id, publishedAt: today, decidedAt: today, effectiveAt: today,
    });
    expect((await seedDemo(ds, today)).close.acceptedReps).toBe(11);
    expect(await ds.getRepository(AcceptanceEntity).countBy({ assignmentId: own.id })).toBe(0);
    expect(await ds.getRepository(PlanAssignmentEntity).countBy({ personId: liam.id })).toBe(1);
  });
});
