/** Shared e2e fixtures: a small territory tree with accounts and deals over the harness organisation. */
import { AccountEntity, AccountOwnershipEntity, DealEntity, PersonEntity, TerritoryEntity } from '@quotaflow/persistence';
import { eventually, type Harness } from './harness';

const DAY = 24 * 60 * 60 * 1000;
export const isoDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

export interface TerritoryFixture {
  west: TerritoryEntity;
  east: TerritoryEntity;
  accounts: Record<'acme' | 'globex' | 'hooli', AccountEntity>;
}

/**
 * West Coast (team West: Mia manages, Rita owns) holds Acme (80,000.00 won 30 days ago) and
 * Globex (20,000.00 won, 7,500.00 open); East Coast (team East: Max manages, Rosa owns) holds Hooli.
 */
export async function seedTerritories(h: Harness, tag: string): Promise<TerritoryFixture> {
  const territories = h.db.getRepository(TerritoryEntity);
  const west = await territories.save(territories.create({ name: `West Coast ${tag}`, teamId: h.org.team.id, ownerPersonId: h.org.rep.id }));
  const east = await territories.save(territories.create({ name: `East Coast ${tag}`, teamId: h.org.otherTeam.id, ownerPersonId: h.org.farRep.id }));
  const account = async (name: string, territory: TerritoryEntity) => {
    const row = await h.db.getRepository(AccountEntity).save({ name: `${name} ${tag}`, territoryId: territory.id });
    await h.db.getRepository(AccountOwnershipEntity).save({ accountId: row.id, territoryId: territory.id, effectiveFrom: '2020-01-01', effectiveTo: null, changeId: null });
    return row;
  };
  const accounts = { acme: await account('Acme', west), globex: await account('Globex', west), hooli: await account('Hooli', east) };
  const deal = (a: AccountEntity, amount: string, stage: DealEntity['stage'], daysAgo: number) =>
    h.db.getRepository(DealEntity).save({ accountId: a.id, name: `${a.name} ${stage}`, amount, stage, closeDate: isoDay(Date.now() - daysAgo * DAY) });
  await deal(accounts.acme, '80000.00', 'won', 30);
  await deal(accounts.globex, '20000.00', 'won', 100);
  await deal(accounts.globex, '7500.00', 'open', -20);
  await deal(accounts.hooli, '50000.00', 'won', 60);
  return { west, east, accounts };
}

/** Another person of the harness organisation (e.g. a second finance person). */
export async function addPerson(h: Harness, name: string, roles: PersonEntity['roles'], extra: Partial<PersonEntity> = {}): Promise<PersonEntity> {
  const people = h.db.getRepository(PersonEntity);
  return people.save(people.create({ name, email: `${name.toLowerCase().replace(/\s+/g, '.')}@e2e.test`, roles, active: true, teamId: null, managerId: null, attributes: {}, ...extra }));
}

/** An open inbox task of `person` on the close of `periodId` at a stage (prefix) and round; waits for the workflow to open it. */
export function closeTaskOf(h: Harness, person: PersonEntity, periodId: string, stagePrefix: string, round: number) {
  return eventually(async () => {
    const inbox = await h.http('GET', '/api/v1/me/approvals?limit=200', { as: person });
    const tasks = (inbox.body?.tasks ?? []) as { id: string; subject: string; status: string; stage: { id: string; round: number }; summary: string }[];
    return tasks.find((t) => t.subject === `close:${periodId}` && t.stage.id.startsWith(stagePrefix) && t.stage.round === round && t.status === 'open');
  }, `${person.name}'s ${stagePrefix} task (round ${round})`, 60_000);
}
