// Teams, people, territories, accounts, products: the domain plans the changes against the
// existing records; this applies them in the import's transaction, one audit event per change.
import {
  DEFAULT_TERRITORY_SINCE, planAccounts, planPeople, planProducts, planTeams, planTerritories,
  type AccountRecord, type ChangePlan, type ImportKind, type ImportProfile, type KnownKeys, type PersonRecord, type ProductRecord,
  type RawRow, type TeamRecord, type TerritoryRecord,
} from '@quotaflow/domain';
import type { EntityManager } from 'typeorm';
import type { AuditLog } from '../services/audit-log.service';
import type { ImportActor } from './import-types';

export type ReferenceKind = Exclude<ImportKind, 'deals'>;

export interface ReferenceContext {
  m: EntityManager;
  audit: AuditLog;
  importId: string | null;
  actor: ImportActor;
  /** YYYY-MM-DD (UTC) of the import. */
  today: string;
  deactivateMissing: boolean;
}

export interface ReferenceResult {
  plan: ChangePlan<unknown>;
  written: number;
}

const SUBJECT: Record<ReferenceKind, string> = { teams: 'team', people: 'person', territories: 'territory', accounts: 'account', products: 'product' };

async function knownKeys(m: EntityManager): Promise<KnownKeys> {
  const teams = (await m.query(`SELECT name FROM teams`)) as Array<{ name: string }>;
  const people = (await m.query(`SELECT email, name FROM people`)) as Array<{ email: string; name: string }>;
  const territories = (await m.query(`SELECT name FROM territories`)) as Array<{ name: string }>;
  return { teams: teams.map((t) => t.name), people, territories: territories.map((t) => t.name) };
}

/** Plans (and unless it is rejected, applies) a reference import of already-read rows. */
export async function importReference(kind: ReferenceKind, profile: ImportProfile, rows: RawRow[], ctx: ReferenceContext, apply: (plan: ChangePlan<unknown>) => boolean): Promise<ReferenceResult> {
  const { m } = ctx;
  const known = await knownKeys(m);
  switch (kind) {
    case 'teams': {
      const existing = (await m.query(`
        SELECT t.id, t.name, lower(mgr.email) AS "managerEmail", parent.name AS "parentTeam"
        FROM teams t LEFT JOIN people mgr ON mgr.id = t.manager_id LEFT JOIN teams parent ON parent.id = t.parent_team_id`)) as Array<TeamRecord & { id: string }>;
      const plan = planTeams(profile, rows, existing, known);
      return { plan, written: apply(plan) ? await applyTeams(plan, ctx) : 0 };
    }
    case 'people': {
      const existing = (await m.query(`
        SELECT p.id, p.name, p.email, p.roles, t.name AS team, lower(mgr.email) AS "managerEmail", p.employee_id AS "employeeId",
               p.start_date::text AS "startDate", p.end_date::text AS "endDate", p.active
        FROM people p LEFT JOIN teams t ON t.id = p.team_id LEFT JOIN people mgr ON mgr.id = p.manager_id`)) as Array<PersonRecord & { id: string }>;
      for (const e of existing) e.email = e.email.toLowerCase();
      const plan = planPeople(profile, rows, existing, known, {
        today: ctx.today, deactivateMissing: ctx.deactivateMissing, keepIds: ctx.actor.id ? [ctx.actor.id] : [],
      });
      return { plan, written: apply(plan) ? await applyPeople(plan, ctx) : 0 };
    }
    case 'territories': {
      const existing = (await m.query(`
        SELECT t.id, t.name, parent.name AS parent, team.name AS team, lower(owner.email) AS "ownerEmail"
        FROM territories t LEFT JOIN territories parent ON parent.id = t.parent_id LEFT JOIN teams team ON team.id = t.team_id
        LEFT JOIN people owner ON owner.id = t.owner_person_id`)) as Array<TerritoryRecord & { id: string }>;
      const plan = planTerritories(profile, rows, existing, known);
      return { plan, written: apply(plan) ? await applyTerritories(plan, ctx) : 0 };
    }
    case 'accounts': {
      const existing = (await m.query(`
        SELECT a.id, a.external_id AS "externalId", a.name, t.name AS territory, a.industry, a.attributes, NULL AS "territorySince"
        FROM accounts a JOIN territories t ON t.id = a.territory_id WHERE a.external_id IS NOT NULL`)) as Array<AccountRecord & { id: string }>;
      const plan = planAccounts(profile, rows, existing, known);
      return { plan, written: apply(plan) ? await applyAccounts(plan, ctx) : 0 };
    }
    case 'products': {
      const existing = (await m.query(`SELECT id, code, name, family, list_price AS "listPrice" FROM products`)) as Array<ProductRecord & { id: string }>;
      const plan = planProducts(profile, rows, existing);
      return { plan, written: apply(plan) ? await applyProducts(plan, ctx) : 0 };
    }
  }
}

async function recordChange(ctx: ReferenceContext, kind: ReferenceKind, id: string, action: 'updated' | 'deactivated', before: unknown, after: unknown): Promise<void> {
  const subject = `${SUBJECT[kind]}:${id}`;
  await ctx.audit.append({
    action: `${SUBJECT[kind]}.${action}`, subject, actorId: ctx.actor.id, actorRole: ctx.actor.role ?? (ctx.actor.via === 'cli' ? 'operator' : null),
    before, after, data: { importId: ctx.importId, via: `import:${ctx.actor.via}` },
    dedupeKey: ctx.importId ? `import:${ctx.importId}:${subject}` : null,
  }, ctx.m);
}

async function idsBy(m: EntityManager, sql: string): Promise<Map<string, string>> {
  const rows = (await m.query(sql)) as Array<{ key: string; id: string }>;
  return new Map(rows.map((r) => [r.key.toLowerCase(), r.id]));
}

const idOf = (map: Map<string, string>, key: string | null): string | null => (key === null ? null : map.get(key.toLowerCase()) ?? null);

async function applyTeams(plan: ChangePlan<TeamRecord>, ctx: ReferenceContext): Promise<number> {
  const { m } = ctx;
  for (const c of plan.creates) await m.query(`INSERT INTO teams (name) VALUES ($1)`, [c.after.name]);
  const teams = await idsBy(m, `SELECT name AS key, id FROM teams`);
  const people = await idsBy(m, `SELECT email AS key, id FROM people`);
  for (const c of [...plan.creates, ...plan.updates]) {
    await m.query(`UPDATE teams SET name = $2, manager_id = $3, parent_team_id = $4 WHERE id = $1`, [
      idOf(teams, c.key), c.after.name, idOf(people, c.after.managerEmail), idOf(teams, c.after.parentTeam),
    ]);
  }
  for (const u of plan.updates) await recordChange(ctx, 'teams', u.id, 'updated', u.before, u.after);
  return plan.creates.length + plan.updates.length;
}

async function applyPeople(plan: ChangePlan<PersonRecord>, ctx: ReferenceContext): Promise<number> {
  const { m } = ctx;
  for (const c of plan.creates) {
    await m.query(`INSERT INTO people (name, email, roles, active) VALUES ($1, $2, $3::text[], $4)`, [c.after.name, c.after.email, c.after.roles, c.after.active]);
  }
  const teams = await idsBy(m, `SELECT name AS key, id FROM teams`);
  const people = await idsBy(m, `SELECT email AS key, id FROM people`);
  for (const c of [...plan.creates, ...plan.updates]) {
    const a = c.after;
    await m.query(
      `UPDATE people SET name = $2, email = $3, roles = $4::text[], team_id = $5, manager_id = $6, employee_id = $7, start_date = $8, end_date = $9, active = $10 WHERE id = $1`,
      [idOf(people, c.key), a.name, a.email, a.roles, idOf(teams, a.team), idOf(people, a.managerEmail), a.employeeId, a.startDate, a.endDate, a.active],
    );
  }
  for (const u of plan.updates) await recordChange(ctx, 'people', u.id, 'updated', u.before, u.after);
  for (const d of plan.deactivations) {
    await m.query(`UPDATE people SET active = false WHERE id = $1`, [d.id]);
    await recordChange(ctx, 'people', d.id, 'deactivated', d.before, d.after);
  }
  return plan.creates.length + plan.updates.length + plan.deactivations.length;
}

async function applyTerritories(plan: ChangePlan<TerritoryRecord>, ctx: ReferenceContext): Promise<number> {
  const { m } = ctx;
  for (const c of plan.creates) await m.query(`INSERT INTO territories (name) VALUES ($1)`, [c.after.name]);
  const territories = await idsBy(m, `SELECT name AS key, id FROM territories`);
  const teams = await idsBy(m, `SELECT name AS key, id FROM teams`);
  const people = await idsBy(m, `SELECT email AS key, id FROM people`);
  for (const c of [...plan.creates, ...plan.updates]) {
    await m.query(`UPDATE territories SET name = $2, parent_id = $3, team_id = $4, owner_person_id = $5 WHERE id = $1`, [
      idOf(territories, c.key), c.after.name, idOf(territories, c.after.parent), idOf(teams, c.after.team), idOf(people, c.after.ownerEmail),
    ]);
  }
  for (const u of plan.updates) await recordChange(ctx, 'territories', u.id, 'updated', u.before, u.after);
  return plan.creates.length + plan.updates.length;
}

async function applyAccounts(plan: ChangePlan<AccountRecord>, ctx: ReferenceContext): Promise<number> {
  const { m } = ctx;
  const territories = await idsBy(m, `SELECT name AS key, id FROM territories`);
  for (const c of plan.creates) {
    const a = c.after;
    const territoryId = idOf(territories, a.territory);
    const rows = (await m.query(
      `INSERT INTO accounts (external_id, name, territory_id, industry, attributes) VALUES ($1, $2, $3, $4, $5::jsonb) RETURNING id`,
      [a.externalId, a.name, territoryId, a.industry, JSON.stringify(a.attributes)],
    )) as Array<{ id: string }>;
    // A new account's dated ownership starts at `territory_since` (credits on a date follow it).
    await m.query(`INSERT INTO account_ownership (account_id, territory_id, effective_from) VALUES ($1, $2, $3)`, [rows[0]!.id, territoryId, a.territorySince ?? DEFAULT_TERRITORY_SINCE]);
  }
  for (const u of plan.updates) {
    await m.query(`UPDATE accounts SET name = $2, industry = $3, attributes = $4::jsonb WHERE id = $1`, [u.id, u.after.name, u.after.industry, JSON.stringify(u.after.attributes)]);
    await recordChange(ctx, 'accounts', u.id, 'updated', { ...u.before, territorySince: undefined }, { ...u.after, territorySince: undefined });
  }
  return plan.creates.length + plan.updates.length;
}

async function applyProducts(plan: ChangePlan<ProductRecord>, ctx: ReferenceContext): Promise<number> {
  const { m } = ctx;
  for (const c of plan.creates) {
    await m.query(`INSERT INTO products (code, name, family, list_price) VALUES ($1, $2, $3, $4)`, [c.after.code, c.after.name, c.after.family, c.after.listPrice]);
  }
  for (const u of plan.updates) {
    await m.query(`UPDATE products SET code = $2, name = $3, family = $4, list_price = $5, updated_at = now() WHERE id = $1`, [u.id, u.after.code, u.after.name, u.after.family, u.after.listPrice]);
    await recordChange(ctx, 'products', u.id, 'updated', u.before, u.after);
  }
  return plan.creates.length + plan.updates.length;
}
