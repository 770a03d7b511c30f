import { randomBytes } from 'node:crypto';
import { withClient } from '@quotaflow/devstack';
import { assertTestDatabaseName } from '../setup/test-database-name';
import { TEST_APP_DB_PASSWORD, TEST_APP_DB_USER } from './secrets';

export interface TestDatabase {
  /** The application's own login (not a superuser, owns nothing): what DATABASE_URL is in production. */
  url: string;
  /** The schema owner (the server's superuser in tests): DATABASE_MIGRATION_URL, set-up and tampering. */
  ownerUrl: string;
  name: string;
  drop(): Promise<void>;
}

/** A PostgreSQL server of a test's own (the fault tests restart theirs) with a migrated template. */
export interface TestPostgresServer {
  adminUrl: string;
  templateDb: string;
}

/** The app login's URL for `database` on the server of `adminUrl`. */
export function appLoginUrl(adminUrl: string, database: string): string {
  const url = new URL(urlFor(adminUrl, database));
  url.username = TEST_APP_DB_USER;
  url.password = TEST_APP_DB_PASSWORD;
  return url.toString();
}

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run tests through jest (test/setup/global-setup.ts)`);
  return value;
}

function urlFor(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A fresh, migrated database of its own: a clone of the template made by the
 * global setup. Call `drop()` in afterAll.
 */
export async function createTestDatabase(server?: TestPostgresServer): Promise<TestDatabase> {
  const adminUrl = server?.adminUrl ?? requiredEnv('TEST_PG_ADMIN_URL');
  const template = server?.templateDb ?? requiredEnv('TEST_TEMPLATE_DB');
  assertTestDatabaseName(template);
  const name = `quotaflow_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  assertTestDatabaseName(name);

  await withClient(adminUrl, async (client) => {
    // Cloning needs a template without sessions, and parallel clones can trip
    // over each other ("source database is being accessed by other users"):
    // serialise with an advisory lock and retry what is left.
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [template]);
    try {
      for (let attempt = 1; ; attempt += 1) {
        try {
          await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)} TEMPLATE ${client.escapeIdentifier(template)}`);
          return;
        } catch (error) {
          const code = (error as { code?: string }).code;
          if (code !== '55006' || attempt >= 50) throw error;
          await delay(100 * Math.min(attempt, 10));
        }
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtext($1))', [template]);
    }
  });

  let dropped = false;
  return {
    name,
    url: appLoginUrl(adminUrl, name),
    ownerUrl: urlFor(adminUrl, name),
    async drop(): Promise<void> {
      if (dropped) return;
      dropped = true;
      await withClient(adminUrl, async (client) => {
        await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`);
      });
    },
  };
}
