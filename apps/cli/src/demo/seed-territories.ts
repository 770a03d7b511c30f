import type { EntityManager } from 'typeorm';
import { AccountEntity, DealEntity, TerritoryEntity } from '@quotaflow/persistence';
import { DEMO_TEAMS } from './demo-organisation';
import { DEMO_ACCOUNTS, DEMO_DEALS, DEMO_TERRITORIES, demoPersonId } from './demo-territories';

/** When the demo accounts' ownership history starts. */
export const DEMO_OWNERSHIP_FROM = '2024-01-01';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Territories, accounts, their first ownership row and deals. Re-running restores territories and
 * deals; an account keeps the territory a territory change gave it (its history says so), and an
 * ownership row is only added for an account that has none.
 */
export async function seedDemoTerritories(m: EntityManager, today: Date): Promise<void> {
  const teamId = (key?: string) => (key ? DEMO_TEAMS.find((t) => t.key === key)!.id : null);
  const territoryId = (key: string) => DEMO_TERRITORIES.find((t) => t.key === key)!.id;
  // Parents first, so the tree is valid at every insert.
  for (const t of DEMO_TERRITORIES) {
    await m.createQueryBuilder().insert().into(TerritoryEntity)
      .values({ id: t.id, name: t.name, parentId: t.parentKey ? territoryId(t.parentKey) : null, teamId: teamId(t.teamKey), ownerPersonId: t.ownerKey ? demoPersonId(t.ownerKey) : null })
      .orUpdate(['name', 'parent_id', 'team_id', 'owner_person_id'], ['id'])
      .execute();
  }
  await m.createQueryBuilder().insert().into(AccountEntity)
    .values(DEMO_ACCOUNTS.map((a) => ({ id: a.id, name: a.name, territoryId: territoryId(a.territoryKey) })))
    .orUpdate(['name'], ['id'])
    .execute();
  await m.query(
    `INSERT INTO account_ownership (account_id, territory_id, effective_from)
     SELECT a.id, a.territory_id, $2::date FROM accounts a
     WHERE a.id = ANY($1::uuid[]) AND NOT EXISTS (SELECT 1 FROM account_ownership o WHERE o.account_id = a.id)`,
    [DEMO_ACCOUNTS.map((a) => a.id), DEMO_OWNERSHIP_FROM],
  );
  // The demo's money is in US dollars: the organisation's one currency, unless already set.
  await m.query(`INSERT INTO organisation_settings (id, currency) VALUES (true, 'USD') ON CONFLICT (id) DO UPDATE SET currency = 'USD' WHERE organisation_settings.currency IS NULL`);
  const accountId = new Map(DEMO_ACCOUNTS.map((a) => [a.key, a.id]));
  const day = (offset: number) => new Date(today.getTime() + offset * DAY_MS).toISOString().slice(0, 10);
  await m.createQueryBuilder().insert().into(DealEntity)
    .values(DEMO_DEALS.map((d) => ({ id: d.id, accountId: accountId.get(d.accountKey)!, name: d.name, amount: d.amount, stage: d.stage, closeDate: day(d.daysFromToday) })))
    .orUpdate(['account_id', 'name', 'amount', 'stage', 'close_date'], ['id'])
    .execute();
}
