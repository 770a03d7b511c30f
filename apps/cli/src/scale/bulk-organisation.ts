/**
 * A sales organisation of any size in a few statements (set-based SQL, not a request per person):
 * ops, finance, `teams` teams each with a manager, and `reps` reps spread over them. Used by
 * `npm run bench:scale` and the scale tests, which then drive everything else through the API.
 */
import type { PersonRole } from '@quotaflow/persistence';

/** What the seeding needs of a connection: one parameterised query (TypeORM's DataSource or EntityManager). */
export interface Queryable {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}

export interface ScalePerson {
  id: string;
  name: string;
  email: string;
  roles: PersonRole[];
}

export interface ScaleTeam {
  id: string;
  name: string;
  manager: ScalePerson;
  reps: ScalePerson[];
}

export interface ScaleOrganisation {
  ops: ScalePerson;
  finance: ScalePerson;
  teams: ScaleTeam[];
  reps: ScalePerson[];
}

export interface BulkOrganisationOptions {
  reps: number;
  /** Reps per team (the last team takes the rest); default 100. */
  teamSize?: number;
  /** Distinguishes names and emails when several organisations share a database. */
  tag: string;
}

/** Inserts the organisation and returns it; reps are ordered by team, then by name. */
export async function seedBulkOrganisation(db: Queryable, options: BulkOrganisationOptions): Promise<ScaleOrganisation> {
  const teamSize = options.teamSize ?? 100;
  const teamCount = Math.max(1, Math.ceil(options.reps / teamSize));
  const tag = options.tag;
  const person = (r: { id: string; name: string; email: string; roles: PersonRole[] }): ScalePerson => ({ id: r.id, name: r.name, email: r.email, roles: r.roles });
  const leads = (await db.query(
    `INSERT INTO people (name, email, roles, active, attributes)
     VALUES ($1, $2, '{ops}', true, '{}'), ($3, $4, '{finance}', true, '{}')
     RETURNING id, name, email, roles`,
    [`Scale Ops ${tag}`, `ops.${tag}@scale.test`, `Scale Finance ${tag}`, `finance.${tag}@scale.test`],
  )) as Array<{ id: string; name: string; email: string; roles: PersonRole[] }>;
  const teams = (await db.query(
    `INSERT INTO teams (name) SELECT format('Scale %s team %s', $1::text, lpad(g::text, 5, '0')) FROM generate_series(1, $2::int) g RETURNING id, name`,
    [tag, teamCount],
  )) as Array<{ id: string; name: string }>;
  teams.sort((a, b) => a.name.localeCompare(b.name));
  const teamIds = teams.map((t) => t.id);
  const managers = (await db.query(
    `INSERT INTO people (name, email, roles, team_id, active, attributes)
     SELECT format('Manager %s %s', $1::text, lpad(t.n::text, 5, '0')), format('manager%s.%s@scale.test', t.n, $1::text), '{manager}', t.id, true, '{}'
     FROM unnest($2::uuid[]) WITH ORDINALITY AS t(id, n)
     RETURNING id, name, email, roles, team_id`,
    [tag, teamIds],
  )) as Array<{ id: string; name: string; email: string; roles: PersonRole[]; team_id: string }>;
  await db.query(`UPDATE teams t SET manager_id = p.id FROM people p WHERE p.team_id = t.id AND p.roles = '{manager}' AND t.id = ANY($1::uuid[])`, [teamIds]);
  managers.sort((a, b) => a.name.localeCompare(b.name));
  const reps = (await db.query(
    `INSERT INTO people (name, email, roles, team_id, manager_id, active, attributes)
     SELECT format('Rep %s %s', $1::text, lpad(g::text, 6, '0')), format('rep%s.%s@scale.test', g, $1::text), '{rep}', m.team_id, m.id, true,
            jsonb_build_object('annualQuota', '120000.00')
     FROM generate_series(1, $2::int) g
     JOIN unnest($3::uuid[], $4::uuid[]) WITH ORDINALITY AS m(id, team_id, n) ON m.n = least((g - 1) / $5::int + 1, $6::int)
     RETURNING id, name, email, roles, team_id`,
    [tag, options.reps, managers.map((m) => m.id), managers.map((m) => m.team_id), teamSize, teamCount],
  )) as Array<{ id: string; name: string; email: string; roles: PersonRole[]; team_id: string }>;
  reps.sort((a, b) => a.name.localeCompare(b.name));
  const managerOf = new Map(managers.map((m) => [m.team_id, m]));
  const repsOf = new Map<string, ScalePerson[]>(teams.map((t) => [t.id, []]));
  for (const r of reps) repsOf.get(r.team_id)!.push(person(r));
  const scaleTeams: ScaleTeam[] = teams.map((t) => ({ id: t.id, name: t.name, manager: person(managerOf.get(t.id)!), reps: repsOf.get(t.id)! }));
  return { ops: person(leads.find((l) => l.roles.includes('ops'))!), finance: person(leads.find((l) => l.roles.includes('finance'))!), teams: scaleTeams, reps: scaleTeams.flatMap((t) => t.reps) };
}

export interface ScaleTerritories {
  fromTerritoryId: string;
  toTerritoryId: string;
  accountIds: string[];
}

/**
 * Two sibling territories, of the first two teams (owned by a rep of each), and `accounts`
 * accounts held by the first since 2020 — in three statements.
 */
export async function seedBulkTerritories(db: Queryable, org: ScaleOrganisation, options: { accounts: number; tag: string }): Promise<ScaleTerritories> {
  const [from, to] = org.teams;
  if (!from || !to || !from.reps[0] || !to.reps[0]) throw new Error('two teams with reps are needed for a territory change');
  const territories = (await db.query(
    `INSERT INTO territories (name, team_id, owner_person_id) VALUES ($1, $2, $3), ($4, $5, $6) RETURNING id, name`,
    [`Scale ${options.tag} from`, from.id, from.reps[0].id, `Scale ${options.tag} to`, to.id, to.reps[0].id],
  )) as Array<{ id: string; name: string }>;
  const fromId = territories.find((t) => t.name.endsWith(' from'))!.id;
  const toId = territories.find((t) => t.name.endsWith(' to'))!.id;
  const accounts = (await db.query(
    `INSERT INTO accounts (name, territory_id) SELECT format('Account %s %s', $1::text, lpad(g::text, 6, '0')), $2::uuid FROM generate_series(1, $3::int) g RETURNING id`,
    [options.tag, fromId, options.accounts],
  )) as Array<{ id: string }>;
  const accountIds = accounts.map((a) => a.id);
  await db.query(
    `INSERT INTO account_ownership (account_id, territory_id, effective_from) SELECT a, $2::uuid, DATE '2020-01-01' FROM unnest($1::uuid[]) a`,
    [accountIds, fromId],
  );
  return { fromTerritoryId: fromId, toTerritoryId: toId, accountIds };
}
