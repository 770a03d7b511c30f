import { DataSource, EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { AccountEntity, DealEntity, PersonEntity, PlanEntity, PlanVersionEntity, preparePlanDocument, TeamEntity, TerritoryEntity } from '@quotaflow/persistence';
import { AE_2026_DOCUMENT, DEMO_PEOPLE, DEMO_PLAN, DEMO_TEAMS, DemoPerson } from './demo-organisation';
import { seedDemoClose, type SeededClose } from './seed-close';
import { seedDemoTerritories } from './seed-territories';

export interface SeededPerson {
  id: string;
  name: string;
  email: string;
  roles: string[];
  team: string | null;
}

export interface SeedResult {
  people: SeededPerson[];
  counts: { teams: number; people: number; plans: number; planVersions: number };
  /** The demo sales territory (for territory changes). */
  sales: { territories: number; accounts: number; deals: number };
  /** The month just ended, ready to close (see seed-close.ts). */
  close: SeededClose;
}

const byKey = new Map(DEMO_PEOPLE.map((p) => [p.key, p]));
const personId = (key: string): string => {
  const found = byKey.get(key);
  if (!found) throw new Error(`demo data: unknown person ${key}`);
  return found.id;
};

/**
 * Writes the demo organisation in one transaction. Re-running restores the demo rows to their
 * defined state (same ids) and adds nothing; a published plan version is never rewritten.
 */
export async function seedDemo(dataSource: DataSource, today: Date = new Date()): Promise<SeedResult> {
  const close = await dataSource.transaction(async (m) => {
    await m.createQueryBuilder().insert().into(TeamEntity)
      .values(DEMO_TEAMS.map((t) => ({ id: t.id, name: t.name })))
      .orUpdate(['name'], ['id'])
      .execute();

    await m.createQueryBuilder().insert().into(PersonEntity)
      .values(DEMO_PEOPLE.map((p) => personRow(p)))
      .orUpdate(['name', 'email', 'roles', 'team_id', 'manager_id', 'active', 'attributes'], ['id'])
      .execute();

    for (const t of DEMO_TEAMS) await m.update(TeamEntity, { id: t.id }, { managerId: personId(t.managerKey) });

    await m.createQueryBuilder().insert().into(PlanEntity)
      .values({ id: DEMO_PLAN.id, key: DEMO_PLAN.key, name: DEMO_PLAN.name, createdById: personId(DEMO_PLAN.createdByKey) })
      .orUpdate(['name'], ['id'])
      .execute();

    await insertPlanVersionOnce(m);
    await seedDemoTerritories(m, today);
    return seedDemoClose(dataSource, m, today);
  });

  const people = await dataSource.getRepository(PersonEntity).findBy(DEMO_PEOPLE.map((p) => ({ id: p.id })));
  const teams = new Map(DEMO_TEAMS.map((t) => [t.id, t.name]));
  const order = new Map(DEMO_PEOPLE.map((p, i) => [p.id, i]));
  people.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
  return {
    people: people.map((p) => ({ id: p.id, name: p.name, email: p.email, roles: p.roles, team: p.teamId ? (teams.get(p.teamId) ?? null) : null })),
    counts: {
      teams: await dataSource.getRepository(TeamEntity).count(),
      people: await dataSource.getRepository(PersonEntity).count(),
      plans: await dataSource.getRepository(PlanEntity).count(),
      planVersions: await dataSource.getRepository(PlanVersionEntity).count(),
    },
    sales: {
      territories: await dataSource.getRepository(TerritoryEntity).count(),
      accounts: await dataSource.getRepository(AccountEntity).count(),
      deals: await dataSource.getRepository(DealEntity).count(),
    },
    close,
  };
}

function personRow(p: DemoPerson): QueryDeepPartialEntity<PersonEntity> {
  const team = DEMO_TEAMS.find((t) => t.key === p.teamKey);
  // Reps report to their team's manager; everyone else reports to no one in the demo.
  const managerId = team && p.roles.includes('rep') ? personId(team.managerKey) : null;
  return {
    id: p.id,
    name: p.name,
    email: p.email,
    roles: p.roles,
    teamId: team?.id ?? null,
    managerId,
    active: true,
    attributes: { title: p.title, ...(p.annualQuota ? { annualQuota: p.annualQuota } : {}) },
  } as QueryDeepPartialEntity<PersonEntity>;
}

async function insertPlanVersionOnce(m: EntityManager): Promise<void> {
  const v = DEMO_PLAN.version;
  await m.createQueryBuilder().insert().into(PlanVersionEntity)
    .values({
      id: v.id,
      planId: DEMO_PLAN.id,
      version: v.version,
      document: AE_2026_DOCUMENT as QueryDeepPartialEntity<PlanVersionEntity>['document'],
      periodLabel: v.periodLabel,
      effectiveFrom: v.effectiveFrom,
      // Query-builder inserts skip entity listeners: validate and hash explicitly.
      documentHash: preparePlanDocument(AE_2026_DOCUMENT),
      createdById: personId(DEMO_PLAN.createdByKey),
    })
    .orIgnore()
    .execute();
}
