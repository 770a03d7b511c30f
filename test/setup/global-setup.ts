import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { provisionAppLogin, runMigrations } from '@quotaflow/persistence';
import {
  findRepoRoot,
  freePort,
  resolveTemporalCli,
  resolveTemporalTestServer,
  runningPostmaster,
  startEmbeddedPostgres,
  startTemporalDevServer,
  withClient,
  type EmbeddedPostgres,
  type TemporalDevServer,
} from '@quotaflow/devstack';
import { assertTestDatabaseName, TEMPLATE_DB_BASE } from './test-database-name';
import { TEST_APP_DB_PASSWORD, TEST_APP_DB_USER } from '../support/secrets';

/*
 * One PostgreSQL (embedded, or TEST_DATABASE_URL) with a migrated template
 * database that every test file clones, and one in-memory Temporal dev server.
 * Addresses reach the jest workers through process.env (they inherit it).
 */

export interface TestStack {
  pg?: EmbeddedPostgres;
  temporal?: TemporalDevServer;
  tempDir?: string;
  adminUrl?: string;
  templateDb?: string;
  externalDatabase: boolean;
}

declare global {
  var __QUOTAFLOW_TEST_STACK__: TestStack | undefined;
}

export default async function globalSetup(): Promise<void> {
  process.env.TZ = 'UTC';
  const stack: TestStack = { externalDatabase: Boolean(process.env.TEST_DATABASE_URL) };
  globalThis.__QUOTAFLOW_TEST_STACK__ = stack;
  const timings: string[] = [];
  const timed = async <T>(label: string, fn: () => Promise<T>): Promise<T> => {
    const t0 = Date.now();
    const result = await fn();
    timings.push(`${label} ${Date.now() - t0} ms`);
    return result;
  };

  try {
    const cliPath = resolveTemporalCli();
    const testServerPath = resolveTemporalTestServer();
    const root = findRepoRoot();
    sweepAbandonedRuns(join(root, '.data'));
    stack.tempDir = join(root, '.data', `test-pg-${process.pid}`);
    mkdirSync(stack.tempDir, { recursive: true });

    // Postgres and Temporal start in parallel; neither needs the other.
    const pgReady = (async () => {
      if (process.env.TEST_DATABASE_URL) {
        stack.adminUrl = process.env.TEST_DATABASE_URL;
      } else {
        const port = await freePort();
        stack.pg = await timed('postgres', () =>
          startEmbeddedPostgres({
            dataDir: join(stack.tempDir!, 'pg'),
            port,
            ephemeral: true,
            logFile: join(stack.tempDir!, 'postgres.log'),
            initCacheDir: join(root, '.data', 'test-pg-initdb-cache'),
          }),
        );
        stack.adminUrl = stack.pg.urlFor('postgres');
      }
      // A shared external server may serve several runs at once: one template each.
      stack.templateDb = stack.externalDatabase ? `${TEMPLATE_DB_BASE}_${process.pid}` : TEMPLATE_DB_BASE;
      assertTestDatabaseName(stack.templateDb);
      await withClient(stack.adminUrl, async (client) => {
        await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(stack.templateDb!)} WITH (FORCE)`);
        await client.query(`CREATE DATABASE ${client.escapeIdentifier(stack.templateDb!)}`);
      });
      const templateUrl = databaseUrl(stack.adminUrl!, stack.templateDb!);
      await timed('migrations', () => runMigrations(templateUrl));
      // The application's own login (cluster-wide: every cloned database has the grants of its template).
      const login = new URL(templateUrl);
      login.username = TEST_APP_DB_USER;
      login.password = TEST_APP_DB_PASSWORD;
      await provisionAppLogin(templateUrl, login.toString());
    })();
    const temporalReady = (async () => {
      const port = await freePort();
      stack.temporal = await timed('temporal', () => startTemporalDevServer({ port, cliPath, logFile: join(stack.tempDir!, 'temporal.log') }));
    })();
    const results = await Promise.allSettled([pgReady, temporalReady]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;

    process.env.TEST_PG_ADMIN_URL = stack.adminUrl;
    process.env.TEST_TEMPLATE_DB = stack.templateDb;
    process.env.TEMPORAL_ADDRESS = stack.temporal!.address;
    process.env.TEST_TEMPORAL_TEST_SERVER_PATH = testServerPath;
    process.env.TEST_TEMPORAL_CLI_PATH = cliPath;
    process.stderr.write(`\ntest stack ready: ${timings.join(', ')}\n`);
  } catch (error) {
    await stopTestStack(stack);
    throw error;
  }
}

/** Removes `.data/test-pg-<pid>` left by a killed run (its jest and its postgres both gone). */
function sweepAbandonedRuns(dataDir: string): void {
  if (!existsSync(dataDir)) return;
  for (const entry of readdirSync(dataDir)) {
    const pid = /^test-pg-(\d+)$/.exec(entry)?.[1];
    if (!pid || isAlive(Number(pid))) continue;
    if (runningPostmaster(join(dataDir, entry, 'pg'))) continue;
    rmSync(join(dataDir, entry), { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Same server and credentials, another database. */
export function databaseUrl(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

export async function stopTestStack(stack: TestStack): Promise<void> {
  const problems: string[] = [];
  await stack.temporal?.stop().catch((e: Error) => problems.push(`temporal: ${e.message}`));
  if (stack.externalDatabase && stack.adminUrl && stack.templateDb) {
    await withClient(stack.adminUrl, async (client) => {
      await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(stack.templateDb!)} WITH (FORCE)`);
    }).catch((e: Error) => problems.push(`template: ${e.message}`));
  }
  await stack.pg?.stop().catch((e: Error) => problems.push(`postgres: ${e.message}`));
  if (stack.tempDir) rmSync(stack.tempDir, { recursive: true, force: true });
  if (problems.length) process.stderr.write(`test stack teardown: ${problems.join('; ')}\n`);
}
