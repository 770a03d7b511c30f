/** The `calc` command as a child process: exit codes, stdout and stderr. */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { runCalc } from './calc';

const ROOT = resolve(__dirname, '..', '..', '..');
const TSX = resolve(ROOT, 'node_modules', '.bin', 'tsx');
const EXAMPLE = resolve(ROOT, '..', 'shared', 'spec', 'examples', '01-tiered-commission-with-split.json');

function calc(args: string[], stdin?: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(TSX, [resolve(ROOT, 'apps/cli/src/calc.ts'), ...args], { cwd: ROOT, input: stdin, encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const smallDoc = {
  currency: 'USD',
  periods: [{ id: 'P1', start: '2026-01-01', end: '2026-01-31' }],
  plans: [{ id: 'p', components: [{ id: 'c', kind: 'commission', table: { split: 'step', tiers: [{ from: 0, rate: 0.1 }] } }] }],
  participants: [{ id: 'ann', planId: 'p' }],
  transactions: [{ id: 'T1', date: '2026-01-05', amount: '123.45', credits: [{ participantId: 'ann', share: 1 }] }],
};

describe('calc command', () => {
  (existsSync(EXAMPLE) ? it : it.skip)('prints the output document of a spec example and exits 0', () => {
    const r = calc([EXAMPLE]);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as { periods: { id: string; participants: { participantId: string; payout: string }[] }[] };
    expect(out.periods[0].participants.map((p) => [p.participantId, p.payout])).toEqual([['ana', '2415.00'], ['ben', '840.00']]);
  });

  it('reads a document from stdin with "-"', () => {
    const r = calc(['-'], JSON.stringify(smallDoc));
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).periods[0].participants[0].payout).toBe('12.35');
  });

  it('rejects an invalid document with exit 2, one reason per line on stderr and nothing on stdout', () => {
    const bad = { ...smallDoc, transactions: [{ ...smallDoc.transactions[0], amount: 'lots', credits: [{ participantId: 'zed', share: 2 }] }] };
    const r = calc(['-'], JSON.stringify(bad));
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines.slice(1)).toEqual([
      '$.transactions[0].amount: amount must be a number or a decimal string ("lots")',
      '$.transactions[0].credits[0].participantId: unknown participant id ("zed")',
      '$.transactions[0].credits[0].share: share must be at most 1 (2)',
    ]);
  });

  it('exits 2 with a clear message for bad JSON and for a missing file', () => {
    const badJson = calc(['-'], '{"currency": ');
    expect(badJson.status).toBe(2);
    expect(badJson.stdout).toBe('');
    expect(badJson.stderr).toMatch(/^stdin: not valid JSON/);
    const missing = calc([resolve(ROOT, 'no-such-file.json')]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/cannot read: ENOENT/);
  });

  it('runCalc accepts a worked-example file ({note, input, expect}) and calculates its input', () => {
    const text = existsSync(EXAMPLE) ? readFileSync(EXAMPLE, 'utf8') : JSON.stringify({ note: 'n', input: smallDoc, expect: {} });
    expect(runCalc(text, 'example').code).toBe(0);
  });
});
