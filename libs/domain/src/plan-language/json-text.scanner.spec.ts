/** What JSON text hides or cannot survive is found before JSON.parse runs (spec §7). */
import fc from 'fast-check';
import { decodeJsonBytes, findJsonSyntaxError } from './json-bytes';
import { scanJsonText } from './json-text.scanner';

describe('scanJsonText', () => {
  it('finds nothing wrong in an ordinary document', () => {
    const text = JSON.stringify({ currency: 'USD', periods: [{ id: '2026-01', start: '2026-01-01', end: '2026-01-31' }], rates: [0.05, 1e-7, -12.5, 123456789012345], s: 'a "quoted" \\ \u00e9 \ud83d\ude00' });
    expect(scanJsonText(text)).toEqual([]);
  });

  it('refuses nesting 20,000 levels deep with one issue and no recursion', () => {
    const issues = scanJsonText(`{"plans": ${'['.repeat(20000)}${']'.repeat(20000)}}`);
    expect(issues).toHaveLength(1);
    expect(issues[0].path).toBe(`$.plans${'[0]'.repeat(31)}`);
    expect(issues[0].message).toContain('nested deeper than 32 levels');
  });

  it('names the path of an over-precise number inside lists and objects', () => {
    const issues = scanJsonText('{"a": [1, 2, {"b": [0.12345678901234567]}], "c": 1.0000000000000001}');
    expect(issues.map((i) => i.path)).toEqual(['$.a[2].b[0]', '$.c']);
    expect(issues[0].message).toContain('17 significant digits');
  });

  it('counts significant digits, not characters (leading and trailing zeros, exponents)', () => {
    expect(scanJsonText('[0.000000000000000012345, 100000000000000000000000, 1.50000000000000000000e3, 123456789012345e10]')).toEqual([]);
    expect(scanJsonText('[1234567890123456]')).toHaveLength(1);
  });

  it('finds NUL and unpaired surrogates written as escapes, in values and keys', () => {
    const issues = scanJsonText('{"id": "a\\u0000b", "x\\u0000": 1, "s": ["\\ud800", "\\udc00x", "\\ud83d\\ude00"]}');
    expect(issues.map((i) => [i.path, i.message.slice(0, 20)])).toEqual([
      ['$.id', 'contains a NUL chara'],
      ['$["x\\u0000"]', 'the key contains a N'],
      ['$.s[0]', 'contains an unpaired'],
      ['$.s[1]', 'contains an unpaired'],
    ]);
  });

  it('finds a key given twice, also when one of them is escaped', () => {
    expect(scanJsonText('{"cap": 1, "rate": 2, "cap": 3}').map((i) => i.path)).toEqual(['$.cap']);
    expect(scanJsonText('{"cap": 1, "c\\u0061p": 3}').map((i) => i.path)).toEqual(['$.cap']);
    expect(scanJsonText('[{"a": 1}, {"a": 2}]')).toEqual([]);
  });

  it('never throws, whatever the text (random JSON and random garbage)', () => {
    fc.assert(fc.property(fc.oneof(fc.json(), fc.string(), fc.string({ unit: 'binary' })), (text) => Array.isArray(scanJsonText(text))), { numRuns: 500, seed: 11 });
  });
});

describe('findJsonSyntaxError', () => {
  it('agrees with JSON.parse on what is JSON, for random texts (valid, mutated and garbage)', () => {
    const mutated = fc.tuple(fc.json(), fc.nat(), fc.constantFrom('', ',', '}', ']', '"', ':', 'x', '\n', '\\')).map(([t, at, c]) => t.slice(0, at % (t.length + 1)) + c + t.slice(at % (t.length + 1)));
    fc.assert(
      fc.property(fc.oneof(fc.json(), mutated, fc.string()), (text) => {
        let parses = true;
        try {
          JSON.parse(text);
        } catch {
          parses = false;
        }
        return (findJsonSyntaxError(text) === null) === parses;
      }),
      { numRuns: 2000, seed: 7 },
    );
  });
});

describe('decodeJsonBytes', () => {
  const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);
  it('decodes UTF-8 and names every other encoding', () => {
    expect(decodeJsonBytes(new TextEncoder().encode('{"a": "é"}'))).toEqual({ ok: true, text: '{"a": "é"}' });
    expect(decodeJsonBytes(bytes(0xef, 0xbb, 0xbf, 0x7b, 0x7d))).toMatchObject({ ok: false, problem: expect.stringContaining('UTF-8 byte-order mark') });
    expect(decodeJsonBytes(bytes(0xff, 0xfe, 0x7b, 0x00))).toMatchObject({ ok: false, problem: expect.stringContaining('UTF-16 little-endian') });
    expect(decodeJsonBytes(bytes(0x00, 0x00, 0xfe, 0xff))).toMatchObject({ ok: false, problem: expect.stringContaining('UTF-32 big-endian') });
    expect(decodeJsonBytes(bytes(0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d))).toEqual({ ok: false, problem: 'the file is not UTF-8: byte 2 (line 1, column 3) is 0xC3, which starts no UTF-8 character there; save it as UTF-8' });
    // an encoded surrogate (ED A0 80) is not UTF-8 either
    expect(decodeJsonBytes(bytes(0x22, 0xed, 0xa0, 0x80, 0x22))).toMatchObject({ ok: false, problem: expect.stringContaining('byte 1') });
  });
});
