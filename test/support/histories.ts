/**
 * Recorded workflow histories: the workflow specs record them (`RECORD_HISTORIES=1`, optionally
 * `RECORD_HISTORIES_PREFIX=v3-` so earlier generations stay), the replay specs replay every one
 * against today's workflow bundle, so a change that is not replay-safe fails in CI.
 */
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { bundleWorkflows } from './temporal';

interface HasHistory { fetchHistory(): Promise<unknown> }

const REPO_ROOT = resolve(__dirname, '..', '..');

/** Writes the run's history as `<dir>/<prefix><name>.json` when RECORD_HISTORIES=1; otherwise nothing. */
export async function recordHistory(dir: string, name: string, handle: HasHistory): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  const history = await handle.fetchHistory();
  await mkdir(dir, { recursive: true });
  // protobufjs' own JSON (enum names, base64 payloads): what History.fromObject reads back.
  // Stack traces in failures name the checkout: kept relative to the repository, never a machine path.
  const text = JSON.stringify(history, null, 1).split(`${REPO_ROOT}/`).join('');
  await writeFile(join(dir, `${process.env.RECORD_HISTORIES_PREFIX ?? ''}${name}.json`), `${text}\n`);
}

/** The generation a recording belongs to: its prefix (`v2-…`, `gen2-…`), `v1` for the first, unprefixed ones. */
export function generationOf(file: string): string {
  return /^((?:v|gen)\d+)-/.exec(file)?.[1] ?? 'v1';
}

/**
 * The replay suite of one workflow type: the recordings in `dir` cover exactly the generations
 * `generations` (no generation silently lost, none unaccounted for), each started as
 * `workflowType` and replayed without non-determinism by the production bundle `workflowsPath`.
 */
export function describeReplay(workflowType: string, dir: string, generations: Record<string, number>, workflowsPath: string): void {
  const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  describe(`${workflowType} replay`, () => {
    it('has the recorded histories of exactly the expected generations', () => {
      const counts: Record<string, number> = {};
      for (const file of files) counts[generationOf(file)] = (counts[generationOf(file)] ?? 0) + 1;
      expect(counts).toEqual(generations);
    });

    it.each(files)('replays %s without non-determinism', async (file) => {
      // fromObject rather than historyFromJSON: the latter trips over the second protobufjs copy
      // under node_modules/@temporalio/common ("type must be a Type").
      const history = temporal.api.history.v1.History.fromObject(JSON.parse(readFileSync(join(dir, file), 'utf8')));
      expect(history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name).toBe(workflowType);
      const workflowBundle = await bundleWorkflows(workflowsPath);
      await expect(Worker.runReplayHistory({ workflowBundle }, history, `replay-${file}`)).resolves.toBeUndefined();
    });
  });
}
