/**
 * Scale tests' organisation and API client: people and teams in bulk SQL (the harness's owner
 * connection), everything else through the API with one token per person.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { mintToken } from '@quotaflow/config';
import { seedBulkOrganisation, type ScaleOrganisation } from '../../apps/cli/src/scale/bulk-organisation';
import type { ScaleApi } from '../../apps/cli/src/scale/scale-driver';
import type { HistorySize } from '../../apps/cli/src/scale/histories';
import { startHarness, type Harness } from '../e2e/harness';
import { connectDevServer, type DevServerConnection } from './temporal';

const WORKER_MAIN = join(__dirname, '../../dist/apps/worker/src/main.js');

export function scaleApi(h: Harness): ScaleApi {
  return { baseUrl: h.baseUrl, token: (p) => mintToken(h.config.auth, p) };
}

/** `reps` reps in teams of `teamSize` (default 100) with their managers, an ops and a finance person of their own. */
export function seedScaleOrganisation(h: Harness, reps: number, tag: string, teamSize?: number): Promise<ScaleOrganisation> {
  return seedBulkOrganisation(h.db, { reps, tag, ...(teamSize !== undefined ? { teamSize } : {}) });
}

/**
 * The worker as its own process (`dist/`, as in production): at hundreds of decisions a second
 * the in-process worker would share one event loop with the API, the SMTP sink and jest.
 */
export function spawnWorkerProcess(h: Harness): { child: ChildProcess; output: () => string; stop: () => Promise<void> } {
  if (!existsSync(WORKER_MAIN)) throw new Error(`${WORKER_MAIN} is missing: run the tests through \`npm test\`, which builds first`);
  let output = '';
  const child = spawn(process.execPath, [WORKER_MAIN], { env: { ...process.env, ...h.env, LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const keep = (d: Buffer) => {
    output = (output + d.toString()).slice(-20_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = () => (child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise<void>((r) => child.once('exit', () => r())));
  return {
    child,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited();
    },
  };
}

/** Temporal's limits are 51,200 events and 50 MB; issue 14 bounds every history far below them. */
export const MAX_HISTORY_EVENTS = 10_000;
export const MAX_HISTORY_BYTES = 10 * 1024 * 1024;

/** Every history within MAX_HISTORY_EVENTS and MAX_HISTORY_BYTES (named per workflow when not). */
export function expectHistoriesBounded(sizes: readonly HistorySize[]): void {
  for (const s of sizes) {
    expect({ workflowId: s.workflowId, events: s.events <= MAX_HISTORY_EVENTS, bytes: s.bytes <= MAX_HISTORY_BYTES }).toEqual({ workflowId: s.workflowId, events: true, bytes: true });
  }
}

/** The harness (API in this process), a client of its dev server and the worker as its own process. */
export interface ScaleStack {
  readonly h: Harness;
  readonly temporal: DevServerConnection;
}

/** Starts the scale tests' stack before the calling file's tests and stops it after them. */
export function scaleStack(name: string): ScaleStack {
  let h: Harness | undefined;
  let temporal: DevServerConnection | undefined;
  let worker: ReturnType<typeof spawnWorkerProcess> | undefined;
  beforeAll(async () => {
    h = await startHarness(name, { inProcessWorker: false });
    temporal = await connectDevServer();
    worker = spawnWorkerProcess(h);
  });
  afterAll(async () => {
    await worker?.stop();
    await temporal?.close();
    await h?.close();
  });
  const ready = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the scale stack starts in beforeAll: use it inside a test');
    return value;
  };
  return {
    get h() { return ready(h); },
    get temporal() { return ready(temporal); },
  };
}
