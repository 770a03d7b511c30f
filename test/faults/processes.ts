/**
 * The real worker and API as child processes for the fault tests (what production runs:
 * `dist/`, built by `npm test` before jest starts), and the fault hold of
 * apps/worker/src/fault-hooks.ts driven through files.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { FaultPoint } from '@quotaflow/config';
import { eventually } from '../e2e/harness';

const DIST = resolve(__dirname, '../../dist/apps');
export const WORKER_MAIN = join(DIST, 'worker/src/main.js');
export const API_MAIN = join(DIST, 'api/src/main.js');

/** scripts/bootstrap.js's record of the last build, dated when that build started. */
const BUILD_STAMP = resolve(DIST, '..', '.build-stamp');
const SOURCES = [resolve(__dirname, '../../apps'), resolve(__dirname, '../../libs')];

/**
 * The first production source file (a `.ts` outside specs and __fixtures__) changed after `stamp`
 * was written, or undefined: a fault test must run what the sources say, never a stale dist/.
 */
export function newerSource(stamp: string, roots: string[]): string | undefined {
  const built = statSync(stamp).mtimeMs;
  const walk = (dir: string): string | undefined => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name === 'node_modules' || entry.name === '__fixtures__') continue;
        const found = walk(path);
        if (found) return found;
      } else if (entry.name.endsWith('.ts') && !/\.(spec|e2e-spec)\.ts$/.test(entry.name) && statSync(path).mtimeMs > built) {
        return path;
      }
    }
    return undefined;
  };
  for (const root of roots) {
    const found = walk(root);
    if (found) return found;
  }
  return undefined;
}

let freshChecked = false;
function assertFreshBuild(main: string): void {
  if (!existsSync(main) || !existsSync(BUILD_STAMP)) throw new Error(`${main} is missing: run the tests through \`npm test\` (node scripts/bootstrap.js test), which builds first`);
  if (freshChecked) return;
  const changed = newerSource(BUILD_STAMP, SOURCES);
  if (changed) throw new Error(`dist/ is older than ${changed}: run the tests through \`npm test\` (node scripts/bootstrap.js test), which builds first`);
  freshChecked = true;
}

export interface Child {
  child: ChildProcess;
  output(): string;
  /** SIGKILL, resolved once the process is gone; asserts it died of the signal. */
  kill9(): Promise<void>;
  /** SIGTERM (graceful), resolved once gone. */
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', () => r()));
}

export function spawnChild(main: string, env: Record<string, string>): Child {
  assertFreshBuild(main);
  let output = '';
  const child = spawn(process.execPath, [main], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  child.stdout!.on('data', (d: Buffer) => { output += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { output += d.toString(); });
  return {
    child,
    output: () => output,
    async kill9() {
      child.kill('SIGKILL');
      await exited(child);
      if (child.signalCode !== 'SIGKILL') throw new Error(`expected death by SIGKILL, got ${child.signalCode ?? child.exitCode}: ${output.slice(-2000)}`);
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited(child);
    },
  };
}

/** Kills whatever a test file left running (afterAll). */
export async function killAll(): Promise<void> {
  for (const child of [...running]) {
    child.kill('SIGKILL');
    await exited(child);
  }
}

/** A directory for one test file's fault holds. */
export class FaultHolds {
  readonly dir = mkdtempSync(join(tmpdir(), 'quotaflow-faults-'));

  /** Environment of a process that holds at `point` (optionally only when the detail contains `filter`). */
  env(point: FaultPoint, filter = ''): Record<string, string> {
    return { QUOTAFLOW_FAULT_HOLD: filter ? `${point}:${filter}` : point, QUOTAFLOW_FAULT_DIR: this.dir };
  }

  /** Environment of a process that holds once at each of `points` (a `[point, filter]` only when the detail contains `filter`). */
  envAll(points: (FaultPoint | [FaultPoint, string])[]): Record<string, string> {
    return { QUOTAFLOW_FAULT_HOLD: points.map((p) => (typeof p === 'string' ? p : p.join(':'))).join(','), QUOTAFLOW_FAULT_DIR: this.dir };
  }

  /** Waits until a worker holds at `point`; returns the detail it held with. */
  async held(point: FaultPoint, worker: Pick<Child, 'child' | 'output'>, timeoutMs = 90_000): Promise<string> {
    const file = join(this.dir, `${point}.held`);
    await eventually(async () => {
      if (worker.child.exitCode !== null) throw new Error(`worker exited: ${worker.output().slice(-2000)}`);
      return existsSync(file);
    }, `the worker held at ${point} (output: ${worker.output().slice(-1500)})`, timeoutMs);
    return readFileSync(file, 'utf8');
  }

  /** How many attempts of `activityType` have failed in the processes given this directory (local activities included). */
  failures(activityType: string): number {
    const file = join(this.dir, 'failures');
    if (!existsSync(file)) return 0;
    return readFileSync(file, 'utf8').split('\n').filter((line) => line.startsWith(`${activityType}:`)).length;
  }

  /** Lets a held worker go on. */
  release(point: FaultPoint): void {
    writeFileSync(join(this.dir, `${point}.go`), '');
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
