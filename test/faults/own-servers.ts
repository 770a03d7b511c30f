/**
 * Servers of a fault test's own, so it can stop and restart them without disturbing the other
 * test files (which share the global set-up's PostgreSQL and Temporal): an embedded PostgreSQL
 * with a migrated template (restarted on the same data directory and port), and a Temporal dev
 * server with a state file (restarted on the same file and port).
 */
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { provisionAppLogin, runMigrations } from '@quotaflow/persistence';
import {
  findRepoRoot,
  isPortFree,
  startEmbeddedPostgres,
  startTemporalDevServer,
  withClient,
  type EmbeddedPostgres,
  type TemporalDevServer,
} from '@quotaflow/devstack';
import { appLoginUrl, type TestPostgresServer } from '../support/database';

const ROOT = findRepoRoot(__dirname);

/**
 * A free port below the kernel's ephemeral range, for a server the test stops and starts again
 * on the same port. A port the OS handed out (listen on 0) comes from that range, and while the
 * server is down (20 s and more in the restart tests) any outgoing connection on the machine may
 * be given it as its local port: the restart then fails with "address already in use" (seen on CI).
 */
export async function restartablePort(): Promise<number> {
  let low = 32768;
  try {
    low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || low;
  } catch {
    // not Linux: the usual default
  }
  const from = Math.min(20000, low - 2000);
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = from + Math.floor(Math.random() * (low - from));
    if (await isPortFree(port)) return port;
  }
  throw new Error(`no free port between ${from} and ${low}`);
}

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
  const port = await restartablePort();
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
    port: await restartablePort(),
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
