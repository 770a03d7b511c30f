import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { runningPostmaster, startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres';
import { assertPortFree } from './free-port';
import { startMailCatcher, type MailCatcher } from './mail-catcher';
import { spawnManaged, type ManagedProcess } from './managed-process';
import { provisionAppLogin, runMigrations } from '@quotaflow/persistence';
import { devAppLoginUrl, readDevSecrets } from './dev-secrets';
import { findRepoRoot } from './repo-root';
import { startTemporalDevServer, waitForTemporal, type TemporalDevServer } from './temporal-dev-server';

/*
 * `npm start`: embedded Postgres → migrations → Temporal dev server → SMTP
 * catcher → worker → api. Anything configured by env (DATABASE_URL,
 * TEMPORAL_ADDRESS, SMTP_URL) is used instead of starting it. Ctrl-C, SIGINT or
 * SIGTERM stops everything in reverse order; state under DATA_DIR survives restarts.
 *
 * The worker and the API are supervised: one that dies is restarted after a
 * backoff (1 s, 2 s, 4 s … at most 30 s) while everything else keeps running;
 * after DEV_RESTART_LIMIT restarts within 5 minutes the stack stops with a
 * message. PostgreSQL or Temporal dying stops the stack (nothing works without
 * them). `.data/runtime.json` stays while the stack runs (it names the running
 * processes), so `npm run start:worker` can join at any time.
 */

const DEV_DB_NAME = 'quotaflow';
const port = (name: string, fallback: number): number => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1 || value > 65535) throw new Error(`${name} must be a port number, got "${process.env[name]}"`);
  return value;
};
// Fixed by default (README); the dev-stack test sets free ones.
const PG_PORT = port('DEV_PG_PORT', 5433);
const TEMPORAL_PORT = port('DEV_TEMPORAL_PORT', 7233);
const TEMPORAL_UI_PORT = port('DEV_TEMPORAL_UI_PORT', 8233);
const SMTP_PORT = port('DEV_SMTP_PORT', 2525);
const RESTART_LIMIT = port('DEV_RESTART_LIMIT', 5);
const RESTART_WINDOW_MS = 5 * 60_000;
const BACKOFF_FIRST_MS = 1_000;
const BACKOFF_MAX_MS = 30_000;

type Stoppable = { name: string; stop(): Promise<void> };

async function main(): Promise<void> {
  const root = findRepoRoot();
  const dataDir = resolve(root, process.env.DATA_DIR ?? '.data');
  const logDir = join(dataDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const runtimeFile = join(dataDir, 'runtime.json');
  const started: Stoppable[] = [];
  const children: ManagedProcess[] = [];
  let stopping: Promise<void> | undefined;

  const stopAll = (exitCode: number, why?: string): Promise<void> => {
    if (stopping) return stopping;
    if (why) process.stderr.write(`${why}\n`);
    process.stdout.write('Stopping the dev stack...\n');
    stopping = (async () => {
      for (const part of [...started].reverse()) {
        try {
          await part.stop();
        } catch (error) {
          process.stderr.write(`  ${part.name}: ${(error as Error).message}\n`);
        }
      }
      rmSync(runtimeFile, { force: true });
      process.stdout.write('Stopped.\n');
      process.exit(exitCode);
    })();
    return stopping;
  };
  let stopRequestedAt = 0;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      // A terminal Ctrl-C reaches us twice (directly and forwarded by bootstrap).
      if (!stopping) {
        stopRequestedAt = Date.now();
        void stopAll(0);
      } else if (Date.now() - stopRequestedAt > 1_000) {
        process.stdout.write('(still stopping, please wait)\n');
      }
    });
  }
  const watch = (proc: ManagedProcess): void => {
    void proc.exited.then(({ code, signal }) => {
      if (!stopping) void stopAll(1, `\n✖ ${proc.name} exited unexpectedly (${signal ?? `code ${code}`}); stopping the stack.`);
    });
  };
  let runtime: Record<string, unknown> | undefined;
  const pids: Record<string, number | undefined> = {};
  const writeRuntime = (): void => {
    if (!runtime || stopping) return;
    // Atomically (a reader never sees a half-written file): write aside, then rename over it.
    const next = `${runtimeFile}.${process.pid}.tmp`;
    writeFileSync(next, `${JSON.stringify({ ...runtime, processes: pids }, null, 2)}\n`, { mode: 0o600 });
    renameSync(next, runtimeFile);
  };
  /** Runs `file` as `name`, restarting it when it dies (backoff, a limit per window). */
  const supervise = (name: string, file: string, env: NodeJS.ProcessEnv): Stoppable => {
    let current: ManagedProcess | undefined;
    let timer: NodeJS.Timeout | undefined;
    let restarts: number[] = [];
    const launch = (): void => {
      const proc = spawnManaged(name, process.execPath, ['--enable-source-maps', file], { env, cwd: root, prefix: `[${name}] `, detached: true });
      current = proc;
      children.push(proc);
      pids[name] = proc.child.pid;
      writeRuntime();
      void proc.exited.then(({ code, signal }) => {
        if (stopping || current !== proc) return;
        pids[name] = undefined;
        const now = Date.now();
        restarts = restarts.filter((at) => now - at < RESTART_WINDOW_MS);
        const how = signal ?? `code ${code}`;
        if (restarts.length >= RESTART_LIMIT) {
          void stopAll(1, `\n✖ ${name} exited (${how}) after ${restarts.length} restarts within ${RESTART_WINDOW_MS / 60_000} minutes; stopping the stack. Its output is above; fix the cause and run \`npm start\` again.`);
          return;
        }
        const wait = Math.min(BACKOFF_FIRST_MS * 2 ** restarts.length, BACKOFF_MAX_MS);
        restarts.push(now);
        process.stderr.write(`\n⚠ ${name} exited unexpectedly (${how}); restarting it in ${wait / 1000} s (restart ${restarts.length} of at most ${RESTART_LIMIT} within ${RESTART_WINDOW_MS / 60_000} minutes). The rest of the stack keeps running.\n`);
        writeRuntime();
        timer = setTimeout(() => {
          if (!stopping) launch();
        }, wait);
      });
    };
    launch();
    return {
      name,
      stop: async () => {
        clearTimeout(timer);
        await current?.stop('SIGTERM', 20_000);
      },
    };
  };

  try {
    // 1. PostgreSQL: the app logs in as its own user; migrations run as the owner
    let databaseUrl = process.env.DATABASE_URL;
    let migrationUrl = process.env.DATABASE_MIGRATION_URL ?? databaseUrl;
    let pg: EmbeddedPostgres | undefined;
    if (!databaseUrl) {
      const leftover = runningPostmaster(join(dataDir, 'pg'));
      if (leftover) throw new Error(`an embedded PostgreSQL of an earlier \`npm start\` still runs on .data/pg (pid ${leftover}); stop it with \`kill ${leftover}\` and retry.`);
      await assertPortFree(PG_PORT, 'embedded PostgreSQL');
      const t0 = Date.now();
      pg = await startEmbeddedPostgres({ dataDir: join(dataDir, 'pg'), port: PG_PORT, logFile: join(logDir, 'postgres.log'), detached: true });
      started.push({ name: 'postgres', stop: () => pg!.stop() });
      watch(pg.process);
      migrationUrl = await pg.ensureDatabase(DEV_DB_NAME);
      databaseUrl = devAppLoginUrl(migrationUrl, dataDir);
      process.stdout.write(`✔ PostgreSQL (embedded) on port ${PG_PORT} in ${Date.now() - t0} ms\n`);
    }
    // 2. schema, then the application's own login (created or its password updated)
    const tm = Date.now();
    const ran = await runMigrations(migrationUrl!);
    if (migrationUrl !== databaseUrl) await provisionAppLogin(migrationUrl!, databaseUrl);
    process.stdout.write(`✔ migrations: ${ran.length ? `applied ${ran.join(', ')}` : 'schema up to date'} (${Date.now() - tm} ms)\n`);

    // 3. Temporal
    let temporalAddress = process.env.TEMPORAL_ADDRESS;
    let temporal: TemporalDevServer | undefined;
    if (!temporalAddress) {
      await assertPortFree(TEMPORAL_PORT, 'Temporal dev server');
      await assertPortFree(TEMPORAL_UI_PORT, 'Temporal Web UI');
      const t0 = Date.now();
      temporal = await startTemporalDevServer({
        dbFile: join(dataDir, 'temporal', 'temporal.db'),
        port: TEMPORAL_PORT,
        uiPort: TEMPORAL_UI_PORT,
        logFile: join(logDir, 'temporal.log'),
        detached: true,
      });
      started.push({ name: 'temporal', stop: () => temporal!.stop() });
      watch(temporal.process);
      temporalAddress = temporal.address;
      process.stdout.write(`✔ Temporal dev server on ${temporalAddress} in ${Date.now() - t0} ms\n`);
    } else {
      await waitForTemporal(temporalAddress, process.env.TEMPORAL_NAMESPACE ?? 'default');
    }

    // 4. SMTP catcher
    let smtpUrl = process.env.SMTP_URL;
    let mail: MailCatcher | undefined;
    if (!smtpUrl) {
      await assertPortFree(SMTP_PORT, 'SMTP catcher');
      mail = await startMailCatcher({ dir: join(dataDir, 'mail'), port: SMTP_PORT });
      started.push({ name: 'mail', stop: () => mail!.stop() });
      smtpUrl = mail.url;
    }

    // 5. worker and api
    const apiPort = process.env.PORT ?? '3000';
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_ENV: process.env.NODE_ENV ?? 'development',
      DATABASE_URL: databaseUrl,
      DATABASE_MIGRATION_URL: migrationUrl,
      TEMPORAL_ADDRESS: temporalAddress,
      SMTP_URL: smtpUrl,
      JWT_SECRET: process.env.JWT_SECRET ?? devSecret(dataDir, 'JWT_SECRET'),
      AUDIT_HMAC_KEY: process.env.AUDIT_HMAC_KEY ?? devSecret(dataDir, 'AUDIT_HMAC_KEY'),
      TEMPORAL_CODEC_KEYS: process.env.TEMPORAL_CODEC_KEYS ?? devSecret(dataDir, 'TEMPORAL_CODEC_KEYS'),
      PORT: apiPort,
      DATA_DIR: dataDir,
    };
    // What `npm run start:worker` and the CLI jobs need to join (bootstrap reads the upper-case keys).
    runtime = {
      pid: process.pid, startedAt: new Date().toISOString(),
      DATABASE_URL: databaseUrl, DATABASE_MIGRATION_URL: migrationUrl, TEMPORAL_ADDRESS: temporalAddress, SMTP_URL: smtpUrl, PORT: apiPort, DATA_DIR: dataDir,
    };
    writeRuntime();
    started.push({ name: 'runtime.json', stop: async () => rmSync(runtimeFile, { force: true }) });

    for (const [name, entry] of [['worker', 'apps/worker/src/main.js'], ['api', 'apps/api/src/main.js']] as const) {
      const file = join(root, 'dist', entry);
      if (!existsSync(file)) {
        throw new Error(`${relative(root, file)} is missing: run \`npm run build\` (npm start does it for you).`);
      }
      started.push(supervise(name, file, env));
    }

    const apiReady = await waitForHttp(`http://127.0.0.1:${apiPort}/health`, 60_000, () => Boolean(stopping));
    if (stopping) return;
    if (!apiReady) process.stderr.write(`warning: the API did not answer http://127.0.0.1:${apiPort}/health within 60 s\n`);
    printBox([
      'Quotaflow dev stack is up',
      '',
      `API            http://localhost:${apiPort}/api/v1`,
      `OpenAPI        http://localhost:${apiPort}/docs`,
      temporal?.uiUrl ? `Temporal UI    ${temporal.uiUrl}` : `Temporal       ${temporalAddress}`,
      mail ? `Mail folder    ${relative(process.cwd(), mail.dir) || mail.dir}  (SMTP ${smtpUrl})` : `SMTP           ${smtpUrl}`,
      `Database       ${withoutPassword(databaseUrl)} (the app's own login; password in .data/dev-secrets.json)`,
      `Logs           ${relative(process.cwd(), logDir)}`,
      '',
      'Next:  npm run seed:demo        demo org, plans and people',
      '       npm run token -- --help  mint a JWT for curl',
      `Stop:  Ctrl-C, or kill -INT / -TERM ${process.pid}`,
    ]);
  } catch (error) {
    await stopAll(1, `\n✖ dev stack failed to start: ${(error as Error).message}`);
  }
}

/** Polls until `url` answers 2xx; false after `timeoutMs` or when `abort()` says so. */
async function waitForHttp(url: string, timeoutMs: number, abort: () => boolean): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !abort()) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return false;
}

function devSecret(dataDir: string, name: 'JWT_SECRET' | 'AUDIT_HMAC_KEY' | 'TEMPORAL_CODEC_KEYS'): string {
  const secret = readDevSecrets(dataDir)[name];
  if (!secret) throw new Error(`${name} is not set and .data/dev-secrets.json lacks it: start through \`npm start\`.`);
  return secret;
}

function withoutPassword(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

function printBox(lines: string[]): void {
  const width = Math.max(...lines.map((line) => line.length)) + 2;
  const out = [`┌${'─'.repeat(width)}┐`, ...lines.map((line) => `│ ${line.padEnd(width - 1)}│`), `└${'─'.repeat(width)}┘`];
  process.stdout.write(`\n${out.join('\n')}\n\n`);
}

void main();
