/**
 * The production-shaped stack a benchmark runs against, in one place: PostgreSQL (embedded, or
 * BENCH_DATABASE_URL) migrated with the application's own login, a Temporal dev server (or
 * TEMPORAL_ADDRESS), an SMTP catcher, fresh random secrets (production refuses the repository's
 * examples), and on request the worker and the API as their own processes from `dist/`.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type AppConfig, loadConfig } from '@quotaflow/config';
import { findRepoRoot, freePort, spawnManaged, startEmbeddedPostgres, startMailCatcher, startTemporalDevServer } from '@quotaflow/devstack';
import { provisionAppLogin, runMigrations } from '@quotaflow/persistence';

export interface BenchStack {
  /** A scratch folder under .data/, removed at close. */
  readonly scratch: string;
  /** The configuration the apps run with (the database as the application's login). */
  readonly config: AppConfig;
  readonly temporalAddress: string;
  /** Runs at close, the latest first. */
  defer(cleanup: () => Promise<void>): void;
  /**
   * Starts the worker (`workers` processes on the one task queue, default 1) and the API (production
   * mode, no rate limit in the benchmark's way) and waits for /health; `stop` ends them (else close does).
   */
  startApps(options?: { workers?: number }): Promise<RunningApps>;
  close(): Promise<void>;
}

export interface RunningApps {
  origin: string;
  /** The processes' ids, e.g. to read their peak memory (/proc/<pid>/status VmHWM). */
  processes: Array<{ name: string; pid: number | undefined }>;
  stop(): Promise<void>;
}

export async function startBenchStack(name: string): Promise<BenchStack> {
  const cleanups: Array<() => Promise<void>> = [];
  const close = async (): Promise<void> => {
    for (const c of cleanups.splice(0)) {
      try {
        await c();
      } catch (e) {
        process.stderr.write(`cleanup: ${(e as Error).message}\n`);
      }
    }
  };
  const scratch = mkdtempSync(join(findRepoRoot(), '.data', `${name}-`));
  chmodSync(scratch, 0o755); // embedded PostgreSQL runs as the postgres user when we are root
  cleanups.push(async () => rmSync(scratch, { recursive: true, force: true }));
  try {
    let databaseUrl = process.env.BENCH_DATABASE_URL;
    if (!databaseUrl) {
      const pg = await startEmbeddedPostgres({ dataDir: join(scratch, 'pg'), port: await freePort(), ephemeral: true });
      cleanups.unshift(() => pg.stop());
      databaseUrl = await pg.ensureDatabase('quotaflow_bench');
    }
    await runMigrations(databaseUrl);
    // The API and the worker log in as the application's own user, as in production.
    const appLogin = new URL(databaseUrl);
    appLogin.username = 'quotaflow_app_user';
    appLogin.password = randomBytes(18).toString('base64url');
    await provisionAppLogin(databaseUrl, appLogin.toString());
    const secrets = {
      JWT_SECRET: randomBytes(48).toString('base64url'),
      AUDIT_HMAC_KEY: randomBytes(48).toString('base64url'),
      TEMPORAL_CODEC_KEYS: `bench:${randomBytes(32).toString('base64')}`,
    };
    let temporalAddress = process.env.TEMPORAL_ADDRESS;
    if (!temporalAddress) {
      const temporal = await startTemporalDevServer({ port: await freePort() });
      cleanups.unshift(() => temporal.stop());
      temporalAddress = temporal.address;
    }
    const mail = await startMailCatcher({ dir: join(scratch, 'mail'), port: await freePort() });
    cleanups.unshift(() => mail.stop());
    const config = loadConfig({
      NODE_ENV: 'test', DATABASE_URL: appLogin.toString(), DATABASE_MIGRATION_URL: databaseUrl, TEMPORAL_ADDRESS: temporalAddress,
      TEMPORAL_TASK_QUEUE: `${name}-${process.pid}`, SMTP_URL: mail.url, LOG_LEVEL: 'warn', ...secrets,
    }, ['http', 'database', 'temporal', 'mail', 'auth']);
    const address = temporalAddress;

    const startApps = async (options: { workers?: number } = {}): Promise<RunningApps> => {
      const port = await freePort();
      const env = {
        NODE_ENV: 'production', DATABASE_URL: appLogin.toString(), TEMPORAL_ADDRESS: address, TEMPORAL_TASK_QUEUE: config.temporal.taskQueue,
        // BENCH_LOG_LEVEL: the apps' log level (`debug` to see, e.g., how many workflows started eagerly)
        SMTP_URL: mail.url, PORT: String(port), LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn', ...secrets,
        // the benchmark's load comes from many identities on this machine: no rate limit in the way
        RATE_LIMIT_PER_MINUTE: '1000000', AUDIT_CHECKPOINT_DIR: join(scratch, 'audit'),
        // no close Schedule on the benchmark's server: nothing starts a close but the benchmark
        CLOSE_SCHEDULE_ENABLED: 'false',
      };
      const root = findRepoRoot();
      const workers = options.workers ?? 1;
      const names = [...Array.from({ length: workers }, (_, i) => (workers === 1 ? 'worker' : `worker-${i + 1}`)), 'api'];
      const procs = names.map((name) => {
        const app = name.startsWith('worker') ? 'worker' : 'api';
        // BENCH_PROFILE_DIR: a V8 CPU profile of each app process, written there when it stops.
        const profile = process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`, `--cpu-prof-name=${name}.cpuprofile`] : [];
        const proc = spawnManaged(`bench-${name}`, process.execPath, [...profile, join(root, 'dist', 'apps', app, 'src', 'main.js')], { env: { ...process.env, ...env }, logFile: join(scratch, `${name}.log`) });
        cleanups.unshift(() => proc.stop());
        return proc;
      });
      const origin = `http://127.0.0.1:${port}`;
      for (let i = 0; ; i++) {
        const up = await fetch(`${origin}/health`).then((r) => r.ok, () => false);
        if (up) break;
        if (i > 240) throw new Error(`the API did not come up (see ${join(scratch, 'api.log')})`);
        await new Promise((r) => setTimeout(r, 250));
      }
      return {
        origin,
        processes: procs.map((p) => ({ name: p.name.replace(/^bench-/, ''), pid: p.child.pid })),
        stop: async () => {
          await Promise.all(procs.map((p) => p.stop()));
        },
      };
    };

    return { scratch, config, temporalAddress: address, defer: (c) => { cleanups.unshift(c); }, startApps, close };
  } catch (error) {
    await close();
    throw error;
  }
}
