/**
 * Issue 8, item 13 (and issue 9's "npm start finding its data after a restart"): the real
 * `npm start` on free ports (DEV_*_PORT, PORT) and its own DATA_DIR. The worker and the API are
 * restarted when they die while the rest keeps running and runtime.json stays; after
 * DEV_RESTART_LIMIT restarts the stack stops with a message; SIGINT and SIGTERM sent to the
 * `npm start` process stop everything; the data is there after a restart.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { freePort } from '@quotaflow/devstack';

jest.setTimeout(300_000);

const ROOT = resolve(__dirname, '../..');

interface Runtime { pid: number; DATABASE_URL: string; PORT: string; processes: Record<string, number | undefined> }

interface Stack {
  npm: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  runtime: () => Runtime | undefined;
}

const alive = (pid: number | undefined): boolean => {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function until<T>(what: string, fn: () => T | undefined | false | Promise<T | undefined | false>, stack: Stack, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; npm start printed:\n${stack.output().slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('npm start (the dev stack)', () => {
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  const stacks: Stack[] = [];

  beforeEach(async () => {
    // a data directory and ports of its own per test; under the repository's .data: the embedded PostgreSQL runs as the postgres user when we are root
    dataDir = mkdtempSync(join(ROOT, '.data', 'devstack-test-'));
    chmodSync(dataDir, 0o755);
    const [pg, temporal, ui, smtp, api] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
    env = {
      ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(DATABASE_|TEMPORAL_|SMTP_|JWT_|AUDIT_|PORT$|NODE_ENV$)/.test(k))),
      DATA_DIR: dataDir, DEV_PG_PORT: String(pg), DEV_TEMPORAL_PORT: String(temporal), DEV_TEMPORAL_UI_PORT: String(ui), DEV_SMTP_PORT: String(smtp), PORT: String(api),
      LOG_LEVEL: 'warn',
    };
  });

  /** A test that failed half-way must not leave its stack running for the next one. */
  afterEach(async () => {
    for (const s of stacks.splice(0)) {
      if (s.npm.exitCode === null && s.npm.signalCode === null) {
        s.npm.kill('SIGTERM');
        const timer = setTimeout(() => {
          const pids = s.runtime();
          for (const pid of [pids?.processes.worker, pids?.processes.api, pids?.pid, s.npm.pid]) if (alive(pid)) process.kill(pid!, 'SIGKILL');
        }, 45_000);
        await s.exited;
        clearTimeout(timer);
      }
    }
  });

  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  function start(extra: NodeJS.ProcessEnv = {}): Stack {
    const npm = spawn('npm', ['start'], { cwd: ROOT, env: { ...env, ...extra }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    npm.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    npm.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => npm.once('exit', (code, signal) => r({ code, signal })));
    const runtimeFile = join(dataDir, 'runtime.json');
    const stack: Stack = {
      npm, exited, output: () => output,
      runtime: () => {
        try {
          return JSON.parse(readFileSync(runtimeFile, 'utf8')) as Runtime;
        } catch {
          return undefined; // not there (yet, or any more)
        }
      },
    };
    stacks.push(stack);
    return stack;
  }

  const healthy = async (stack: Stack) => {
    const port = stack.runtime()?.PORT;
    if (!port) return false;
    return fetch(`http://127.0.0.1:${port}/health`).then((r) => r.ok, () => false);
  };
  const up = async (stack: Stack) => {
    await until('the stack to answer /health', async () => (await healthy(stack)) && stack.output().includes('Quotaflow dev stack is up'), stack);
    return stack.runtime()!;
  };

  /** Stopped as a whole: the npm process gone, runtime.json removed, the children gone. */
  async function stoppedCompletely(stack: Stack, pids: number[]): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    const result = await stack.exited;
    expect(stack.output()).toContain('Stopped.');
    expect(existsSync(join(dataDir, 'runtime.json'))).toBe(false);
    await until('every process of the stack to exit', () => pids.every((pid) => !alive(pid)), stack, 30_000);
    return result;
  }

  const postmasterPid = () => Number(readFileSync(join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);

  it('restarts a killed worker while the API keeps answering; SIGINT to npm start stops everything', async () => {
    const stack = start();
    const runtime = await up(stack);
    const worker = runtime.processes.worker!;
    const pg = postmasterPid();
    process.kill(worker, 'SIGKILL');
    await until('the worker to be restarted', () => {
      const next = stack.runtime()?.processes.worker;
      return next && next !== worker && alive(next) ? next : undefined;
    }, stack);
    expect(stack.output()).toMatch(/⚠ worker exited unexpectedly \(SIGKILL\); restarting it in 1 s \(restart 1 of at most 5 within 5 minutes\)/);
    expect(await healthy(stack)).toBe(true);
    expect(alive(stack.runtime()!.processes.api)).toBe(true);

    const pids = [pg, stack.runtime()!.processes.worker!, stack.runtime()!.processes.api!, stack.runtime()!.pid];
    process.kill(stack.npm.pid!, 'SIGINT');
    await stoppedCompletely(stack, pids);
  });

  it('finds its data after SIGTERM to npm start and a new start', async () => {
    const first = start();
    const runtime = await up(first);
    const team = `Persisted ${Date.now()}`;
    const db = new Client({ connectionString: runtime.DATABASE_URL });
    await db.connect();
    await db.query(`INSERT INTO teams (name) VALUES ($1)`, [team]);
    await db.end();
    process.kill(first.npm.pid!, 'SIGTERM');
    await stoppedCompletely(first, [postmasterPid(), runtime.pid, runtime.processes.worker!, runtime.processes.api!]);

    const second = start();
    const again = await up(second);
    const db2 = new Client({ connectionString: again.DATABASE_URL });
    await db2.connect();
    expect((await db2.query(`SELECT name FROM teams WHERE name = $1`, [team])).rows).toEqual([{ name: team }]);
    await db2.end();
  });

  it('stops with a message after DEV_RESTART_LIMIT restarts', async () => {
    const stack = start({ DEV_RESTART_LIMIT: '1' });
    const runtime = await up(stack);
    const pids = [postmasterPid(), runtime.pid];
    const api = runtime.processes.api!;
    process.kill(api, 'SIGKILL');
    const next = await until('the api to be restarted', () => {
      const pid = stack.runtime()?.processes.api;
      return pid && pid !== api && alive(pid) ? pid : undefined;
    }, stack);
    await until('the restarted api to answer', () => healthy(stack), stack);
    process.kill(next, 'SIGKILL');
    const { code } = await stoppedCompletely(stack, [...pids, next, runtime.processes.worker!]);
    expect(code).toBe(1);
    expect(stack.output()).toMatch(/✖ api exited \(SIGKILL\) after 1 restarts within 5 minutes; stopping the stack/);
  });
});
