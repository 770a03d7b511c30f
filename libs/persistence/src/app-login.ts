import { Client } from 'pg';
import type { DataSource } from 'typeorm';

/*
 * The running application logs in as its own role: not a superuser, owner of nothing, a member
 * of the NOLOGIN group role (`quotaflow_app`) that the migrations grant exactly what the app
 * needs. Migrations run as the schema owner. So nothing the app's connection can say — SET ROLE,
 * session_replication_role, ALTER TABLE … DISABLE TRIGGER, TRUNCATE, a SECURITY DEFINER function
 * of its own — reaches past those grants.
 */

export interface AppLoginProblem { problem: string }

function loginOf(url: string): { user: string; password: string } {
  const parsed = new URL(url);
  return { user: decodeURIComponent(parsed.username), password: decodeURIComponent(parsed.password) };
}

const IDENT = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Creates (or updates the password of) the login role named in `appUrl` as the owner of
 * `ownerUrl`, and makes it a member of `groupRole`. Idempotent. Needs CREATEROLE (a superuser
 * in the dev stack, tests and compose); against a managed database whose DBA created the login,
 * it only checks it. Roles are cluster-wide: one login serves every database of the server.
 */
export async function provisionAppLogin(ownerUrl: string, appUrl: string, groupRole = 'quotaflow_app'): Promise<'created' | 'updated' | 'checked'> {
  const { user, password } = loginOf(appUrl);
  const owner = loginOf(ownerUrl).user;
  if (!IDENT.test(user)) throw new Error(`the application's database user "${user}" must be a lower-case SQL identifier`);
  if (!IDENT.test(groupRole)) throw new Error(`invalid group role "${groupRole}"`);
  if (user === owner) throw new Error(`DATABASE_URL logs in as the schema owner "${owner}": give the application its own login (see docs/CONTRACTS.md, configuration)`);
  const client = new Client({ connectionString: ownerUrl, connectionTimeoutMillis: 5_000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const me = (await client.query<{ rolsuper: boolean; rolcreaterole: boolean }>(`SELECT rolsuper, rolcreaterole FROM pg_roles WHERE rolname = current_user`)).rows[0];
    const mayManage = Boolean(me?.rolsuper || me?.rolcreaterole);
    const existing = (await client.query<{ rolsuper: boolean }>(`SELECT rolsuper FROM pg_roles WHERE rolname = $1`, [user])).rows[0];
    const literal = client.escapeLiteral(password);
    const ident = client.escapeIdentifier(user);
    if (!existing) {
      if (!mayManage) throw new Error(`the login role "${user}" does not exist and "${owner}" may not create roles: create it (LOGIN, member of ${groupRole})`);
      try {
        await client.query(`CREATE ROLE ${ident} LOGIN PASSWORD ${literal} NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT IN ROLE ${groupRole}`);
        return 'created';
      } catch (error) {
        // another database's set-up (parallel test runs) created it first
        if ((error as { code?: string }).code !== '42710') throw error;
      }
    }
    if (existing?.rolsuper) throw new Error(`the login role "${user}" is a superuser: the application must not log in as one`);
    if (!mayManage) return 'checked';
    await client.query(`ALTER ROLE ${ident} LOGIN PASSWORD ${literal} NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT`);
    await client.query(`GRANT ${groupRole} TO ${ident}`);
    return 'updated';
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** What is wrong with the connection's login for a running application (empty: nothing). */
export async function appLoginProblems(ds: DataSource): Promise<string[]> {
  const [role] = (await ds.query(`
    SELECT r.rolname, r.rolsuper, r.rolcreaterole, r.rolcreatedb, r.rolbypassrls, r.rolreplication,
           (SELECT count(*)::int FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = 'public' AND pg_has_role(current_user, c.relowner, 'MEMBER')) AS owned,
           has_schema_privilege(current_user, 'public', 'CREATE') AS may_create
      FROM pg_roles r WHERE r.rolname = current_user`)) as Array<{
    rolname: string; rolsuper: boolean; rolcreaterole: boolean; rolcreatedb: boolean; rolbypassrls: boolean; rolreplication: boolean; owned: number; may_create: boolean;
  }>;
  if (!role) return ['the current role is unknown'];
  const problems: string[] = [];
  if (role.rolsuper) problems.push(`"${role.rolname}" is a superuser`);
  if (role.rolcreaterole) problems.push(`"${role.rolname}" may create roles`);
  if (role.rolbypassrls) problems.push(`"${role.rolname}" bypasses row security`);
  if (role.rolreplication) problems.push(`"${role.rolname}" is a replication role`);
  if (role.owned > 0) problems.push(`"${role.rolname}" owns (or may act as the owner of) ${role.owned} objects in schema public`);
  if (role.may_create) problems.push(`"${role.rolname}" may create objects in schema public`);
  return problems;
}

/**
 * The API and the worker call this after connecting. In production a login that could lift the
 * audit protections refuses to start; elsewhere it is a warning (a developer's own database).
 */
export async function assertAppLogin(ds: DataSource, options: { production: boolean; warn: (message: string) => void }): Promise<void> {
  const problems = await appLoginProblems(ds);
  if (problems.length === 0) return;
  const message = `DATABASE_URL must be the application's own login (not a superuser, owning nothing): ${problems.join('; ')}`;
  if (options.production) throw new Error(message);
  options.warn(message);
}
