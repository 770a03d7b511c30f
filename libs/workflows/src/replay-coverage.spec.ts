/**
 * The replay guard covers every workflow type the worker registers: each export of the bundle's
 * entry (workflows.ts) has exactly one replay suite (describeReplay) naming it, with an exact set
 * of generations, or is listed below as not recorded yet, with the reason. A new workflow without
 * recorded histories, or a replay suite whose type is no longer registered, fails here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Registered but without recorded histories today: what is missing, so the gap is visible. */
const NOT_RECORDED_YET: Record<string, string> = {};

const SRC = __dirname;

function registeredWorkflowTypes(): string[] {
  const entry = readFileSync(join(SRC, 'workflows.ts'), 'utf8');
  return [...entry.matchAll(/^export \{ (\w+) \} from '/gm)].map((m) => m[1]).sort();
}

function replaySuites(): { type: string; generations: string; file: string }[] {
  const suites: { type: string; generations: string; file: string }[] = [];
  for (const dir of readdirSync(SRC, { withFileTypes: true })) {
    if (!dir.isDirectory()) continue;
    for (const file of readdirSync(join(SRC, dir.name)).filter((f) => f.endsWith('.replay.spec.ts'))) {
      const text = readFileSync(join(SRC, dir.name, file), 'utf8');
      for (const m of text.matchAll(/describeReplay\('(\w+)',[^{]*(\{[^}]*\})/g)) suites.push({ type: m[1], generations: m[2], file: `${dir.name}/${file}` });
    }
  }
  return suites.sort((a, b) => a.type.localeCompare(b.type));
}

describe('replay guard coverage', () => {
  it('reads the nine registered workflow types from the bundle entry', () => {
    expect(registeredWorkflowTypes()).toEqual(['approvalStepWorkflow', 'closeWorkflow', 'importWorkflow', 'planAcceptanceWorkflow', 'publishWorkflow', 'quotaSignoffWorkflow', 'scheduledCloseWorkflow', 'statementResendWorkflow', 'territoryChangeWorkflow']);
  });

  it('every registered workflow type has exactly one replay suite, or is listed as not recorded yet (never both)', () => {
    const replayed = replaySuites().map((s) => s.type);
    expect(new Set(replayed).size).toBe(replayed.length);
    for (const type of replayed) expect(NOT_RECORDED_YET[type]).toBeUndefined();
    expect([...replayed, ...Object.keys(NOT_RECORDED_YET)].sort()).toEqual(registeredWorkflowTypes());
  });

  it('every replay suite names an exact, non-empty set of generations with counts', () => {
    expect(replaySuites().length).toBe(9);
    for (const suite of replaySuites()) {
      const entries = [...suite.generations.matchAll(/((?:v|gen)\d+):\s*(\d+)/g)];
      expect({ file: suite.file, entries: entries.length > 0, allCounted: entries.every((e) => Number(e[2]) > 0) }).toEqual({ file: suite.file, entries: true, allCounted: true });
      expect(suite.generations.replace(/\s/g, '')).toBe(`{${entries.map((e) => `${e[1]}:${e[2]}`).join(',')}}`);
    }
  });
});
