/** The `calc` command as a child process: exit codes, stdout and stderr. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runCalc } from './calc';

const ROOT = resolve(__dirname, '..', '..', '..');
const TSX = resolve(ROOT, 'node_modules', '.bin', 'tsx');
const EXAMPLE = resolve(ROOT, '..', 'shared', 'spec', 'examples', '01-tiered-commission-with-split.json');

function calc(args: string[], stdin?: string | Buffer): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(TSX, [resolve(ROOT, 'apps/cli/src/calc.ts'), ...args], { cwd: ROOT, input: stdin, encoding: 'utf8', env: { ...process.env, TZ: 'UTC' }, maxBuffer: 1 << 28 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const smallDoc = {
  currency: 'USD',
  periods: [{ id: 'P1', start: '2026-01-01', end: '2026-01-31' }],
  plans: [{ id: 'p', components: [{ id: 'c', kind: 'commission', table: { split: 'step', tiers: [{ from: 0, rate: 0.1 }] } }] }],
  participants: [{ id: 'ann', planId: 'p' }],
  transactions: [{ id: 'T1', date: '2026-01-05', amount: '123.45', credits: [{ participantId: 'ann', share: 1 }] }],
};

// Without ../shared the example test is skipped on a developer's machine and fails on CI (CI=true);
// it never falls back to a document of its own.
const exampleIt = existsSync(EXAMPLE) || process.env.CI === 'true' ? it : it.skip;

describe('calc command', () => {
  exampleIt('prints the output document of a spec example and exits 0', () => {
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

  exampleIt('runCalc accepts a worked-example file ({note, input, expect}) and calculates its input', () => {
    const r = runCalc(readFileSync(EXAMPLE, 'utf8'), 'example');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as { periods: { participants: { participantId: string; payout: string }[] }[] };
    expect(out.periods[0].participants.map((p) => [p.participantId, p.payout])).toEqual([['ana', '2415.00'], ['ben', '840.00']]);
  });

  it('runCalc calculates the input of a {note, input, expect} wrapper, not the wrapper itself', () => {
    const r = runCalc(JSON.stringify({ note: 'n', input: smallDoc, expect: {} }), 'wrapper.json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).periods[0].participants[0].payout).toBe('12.35');
  });

  it('--figures-only prints the figures and state without a single line', () => {
    const r = calc(['--figures-only', '-'], JSON.stringify(smallDoc));
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as { periods: { participants: { payout: string; lines: unknown[]; components: { amount: string; lines: unknown[] }[] }[] }[] };
    const p = out.periods[0].participants[0];
    expect(p).toMatchObject({ payout: '12.35', lines: [] });
    expect(p.components.map((c) => [c.amount, c.lines.length])).toEqual([['12.35', 0]]);
  });

  it('answers --help with the usage and exit 0, an unknown option with exit 2', () => {
    expect(calc(['--help'])).toMatchObject({ status: 0, stderr: expect.stringContaining('--figures-only') });
    expect(calc(['--frobnicate', '-'], '{}')).toMatchObject({ status: 2, stderr: expect.stringContaining('unknown option --frobnicate') });
  });

  it('refuses a file larger than --max-input-mb before reading it, with exit 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'calc-'));
    try {
      const file = join(dir, 'big.json');
      writeFileSync(file, `{"currency": "USD", "pad": "${'x'.repeat(2 * 1024 * 1024)}"}`);
      const r = calc(['--max-input-mb', '1', file]);
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim()).toBe(`${file}: the input is 2.0 MiB; calc reads at most 1 MiB (raise it with --max-input-mb, up to 500, or calculate the participants in batches)`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stops quietly when the reader closes the pipe early (no stack trace)', () => {
    const many = { ...smallDoc, participants: Array.from({ length: 3000 }, (_, i) => ({ id: `p${i}`, planId: 'p' })), transactions: [] };
    const dir = mkdtempSync(join(tmpdir(), 'calc-'));
    try {
      const file = join(dir, 'many.json');
      writeFileSync(file, JSON.stringify(many));
      const r = spawnSync('sh', ['-c', `"${TSX}" "${resolve(ROOT, 'apps/cli/src/calc.ts')}" "${file}" | head -c 100 > /dev/null`], { cwd: ROOT, encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('calc refuses every other kind of input with exit 2 and one line per problem', () => {
  const text = JSON.stringify(smallDoc);
  const refused = (input: string | Buffer, options = {}): string[] => {
    const r = runCalc(input, 'in.json', options);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    return r.stderr.trim().split('\n');
  };

  it('a UTF-8 byte-order mark, saying so', () => {
    expect(refused(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]))).toEqual(['in.json: the file starts with a UTF-8 byte-order mark (EF BB BF), which JSON does not allow; save it as UTF-8 without a BOM']);
  });

  it('a UTF-16 file, with or without a byte-order mark, saying which', () => {
    expect(refused(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]))[0]).toContain('UTF-16 little-endian (it starts with the byte-order mark FF FE)');
    expect(refused(Buffer.from(text, 'utf16le'))[0]).toContain('UTF-16 little-endian without a byte-order mark');
    const be = Buffer.from(text, 'utf16le').swap16();
    expect(refused(be)[0]).toContain('UTF-16 big-endian without a byte-order mark');
  });

  it('bytes that are not UTF-8, naming the first one', () => {
    const bytes = Buffer.from(text.replace('"ann"', '"a\u00ffn"'), 'latin1');
    const at = bytes.indexOf(0xff);
    expect(refused(bytes)).toEqual([`in.json: the file is not UTF-8: byte ${at} (line 1, column ${at + 1}) is 0xFF, which starts no UTF-8 character there; save it as UTF-8`]);
  });

  it('nesting 20,000 levels deep, refused before anything walks it', () => {
    const deep = `{"currency": ${'['.repeat(20000)}${']'.repeat(20000)}}`;
    expect(refused(deep)).toEqual(['in.json: invalid plan document (1 problem(s)):', expect.stringMatching(/^\$\.currency(\[0\])+: nested deeper than 32 levels/)]);
  });

  it('a JSON number with more than 15 significant digits, naming its path and how to give it', () => {
    const lines = refused(text.replace('"123.45"', '12345678901234567891'));
    expect(lines[1]).toBe('$.transactions[0].amount: the JSON number 12345678901234567891 has 20 significant digits, more than a binary float holds exactly (15), so JSON would round it; give it as a decimal string: "12345678901234567891" ("12345678901234567891")');
  });

  it('a key given twice in one object', () => {
    const lines = refused(text.replace('"kind":"commission"', '"kind":"commission","kind":"bonus"'));
    expect(lines[1]).toMatch(/^\$\.plans\[0\]\.components\[0\]\.kind: this key is given twice/);
  });

  it('a NUL written as an escape, with its path', () => {
    const lines = refused(text.replace('"T1"', '"T\\u00001"'));
    expect(lines[1]).toMatch(/^\$\.transactions\[0\]\.id: contains a NUL character/);
  });

  it('a document asking for more than the limits, as too large (not invalid)', () => {
    const many = { ...smallDoc, transactions: Array.from({ length: 3 }, (_, i) => ({ ...smallDoc.transactions[0], id: `T${i}` })) };
    const r = runCalc(JSON.stringify(many), 'in.json');
    expect(r.code).toBe(0);
    const lines = refused(JSON.stringify({ ...many, plans: [{ ...many.plans[0], components: [{ ...many.plans[0].components[0], table: { tiers: Array.from({ length: 1001 }, (_, i) => ({ from: i, rate: 0.1 })) } }] }] }));
    expect(lines[0]).toBe('in.json: document too large to calculate (1 problem(s)):');
  });

  it('malformed JSON, with line and column', () => {
    expect(refused('{\n  "currency": "USD",\n  "periods": [,]\n}')).toEqual(['in.json: not valid JSON at line 3, column 15: expected a value (an object, a list, a string in double quotes, a number, true, false or null), found ",]\\n}"']);
  });
});
