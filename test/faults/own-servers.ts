/**
 * Servers of a fault test's own, so it can stop and restart them without disturbing the other
 * test files (which share the global set-up's PostgreSQL and Temporal): an embedded PostgreSQL
 * with a migrated template (restarted on the same data directory and port), and a Temporal dev
 * server with a state file (restarted on the same file and port).
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { provisionAppLogin, runMigrations } from '@quotaflow/persistence';
import {
  findRepoRoot,
  freePort,
  startEmbeddedPostgres,
  startTemporalDevServer,
  withClient,
  type EmbeddedPostgres,
  type TemporalDevServer,
} from '@quotaflow/devstack';
import { appLoginUrl, type TestPostgresServer } from '../support/database';

const ROOT = findRepoRoot(__dirname);

export interface OwnPostgres {
  server: TestPostgresServer;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it for good and removes its data directory. */
  remove(): Promise<void>;
}

export async function ownPostgres(name: string): Promise<OwnPostgres> {
  const dir = join(ROOT, '.data', `faults-${name}-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const options = {
    dataDir: join(dir, 'pg'),
    port,
    ephemeral: true,
    logFile: join(dir, 'postgres.log'),
    initCacheDir: join(ROOT, '.data', 'test-pg-initdb-cache'),
  };
  let pg: EmbeddedPostgres | undefined = await startEmbeddedPostgres(options);
  const adminUrl = pg.urlFor('postgres');
  const templateDb = 'quotaflow_test_template';
  await withClient(adminUrl, (client) => client.query(`CREATE DATABASE ${templateDb}`));
  const templateUrl = pg.urlFor(templateDb);
  await runMigrations(templateUrl);
  await provisionAppLogin(templateUrl, appLoginUrl(adminUrl, templateDb));
  return {
    server: { adminUrl, templateDb },
    async stop() {
      await pg?.stop();
      pg = undefined;
    },
    async start() {
      pg ??= await startEmbeddedPostgres(options);
    },
    async remove() {
      await pg?.stop();
      pg = undefined;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface OwnTemporal {
  address: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  remove(): Promise<void>;
}

export async function ownTemporal(name: string): Promise<OwnTemporal> {
  const dir = join(ROOT, '.data', `faults-${name}-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const options = {
    port: await freePort(),
    dbFile: join(dir, 'temporal.sqlite'),
    logFile: join(dir, 'temporal.log'),
    ...(process.env.TEST_TEMPORAL_CLI_PATH ? { cliPath: process.env.TEST_TEMPORAL_CLI_PATH } : {}),
  };
  let server: TemporalDevServer | undefined = await startTemporalDevServer(options);
  return {
    address: server.address,
    async stop() {
      await server?.stop();
      server = undefined;
    },
    async start() {
      server ??= await startTemporalDevServer(options);
    },
    async remove() {
      await server?.stop();
      server = undefined;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
