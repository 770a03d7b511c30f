/**
 * Test-only helper: a fresh, migrated database per spec file. Prefers the shared
 * `test/support/database.ts` (template clone from the jest global setup); until that exists,
 * falls back to a throw-away database on the local PostgreSQL (TEST_DATABASE_URL or
 * postgres://postgres@127.0.0.1:5432/postgres). Loaded dynamically so production code never
 * depends on test/.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { runMigrations } from '../data-source';

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

interface SharedSupport {
  createTestDatabase(): Promise<TestDatabase>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const shared = resolve(__dirname, '../../../../test/support/database.ts');
  if (existsSync(shared) && process.env.TEST_PG_ADMIN_URL) {
    const support = (await import(shared)) as SharedSupport;
    return support.createTestDatabase();
  }
  return createLocalTestDatabase();
}

async function createLocalTestDatabase(): Promise<TestDatabase> {
  const adminUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `quotaflow_p_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(adminUrl, `CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  await runMigrations(url.toString());
  return {
    url: url.toString(),
    drop: () => adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

async function adminQuery(adminUrl: string, sql: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
