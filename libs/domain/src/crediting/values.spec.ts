import { formatShare, parseDate, parseEmail, parseMoney, parseShare, parseText, SHARE_ONE, textProblem } from './values';

describe('money', () => {
  it.each([
    ['1200', '1200.00'], ['1200.5', '1200.50'], ['0.07', '0.07'], ['007.10', '7.10'], ['-12.30', '-12.30'], ['-0', '0.00'], ['9999999999999999.99', '9999999999999999.99'],
  ])('%s is %s exactly', (raw, value) => {
    expect(parseMoney(raw)).toEqual({ ok: true, value });
  });

  it.each([
    ['10.005', 'MONEY.PRECISION'], ['1,200.00', 'MONEY.FORMAT'], ['$1200', 'MONEY.FORMAT'], ['1e3', 'MONEY.FORMAT'], ['12.', 'MONEY.FORMAT'],
    ['+5', 'MONEY.FORMAT'], ['abc', 'MONEY.FORMAT'], ['10000000000000000', 'MONEY.FORMAT'], ['', 'MONEY.FORMAT'],
  ])('%s is refused with %s', (raw, code) => {
    const r = parseMoney(raw);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problem.code).toBe(code);
  });

  it('suggests the plain form of a formatted amount', () => {
    const r = parseMoney('1,200.00');
    expect(!r.ok && r.problem.message).toContain('"1200.00"');
  });
});

describe('dates', () => {
  it.each([
    ['2026-02-28', 'YYYY-MM-DD', '2026-02-28'],
    ['2026-02-28 14:03', 'YYYY-MM-DD', '2026-02-28'],
    ['2026-02-28T23:59:59Z', 'YYYY-MM-DD', '2026-02-28'],
    ['2/3/2026', 'M/D/YYYY', '2026-02-03'],
    ['12/31/2026 9:15 PM', 'M/D/YYYY', '2026-12-31'],
    ['2/3/2026', 'D/M/YYYY', '2026-03-02'],
    ['29.02.2024', 'D.M.YYYY', '2024-02-29'],
  ] as const)('%s in %s is %s', (raw, format, value) => {
    expect(parseDate(raw, format)).toEqual({ ok: true, value });
  });

  it.each([
    ['2026-02-30', 'YYYY-MM-DD', 'DATE.INVALID'],
    ['2025-02-29', 'YYYY-MM-DD', 'DATE.INVALID'],
    ['13/1/2026', 'M/D/YYYY', 'DATE.INVALID'],
    ['2026-1-5', 'YYYY-MM-DD', 'DATE.FORMAT'],
    ['1/5/2026', 'YYYY-MM-DD', 'DATE.FORMAT'],
    ['yesterday', 'M/D/YYYY', 'DATE.FORMAT'],
  ] as const)('%s in %s is refused with %s', (raw, format, code) => {
    const r = parseDate(raw, format);
    expect(!r.ok && r.problem.code).toBe(code);
  });
});

describe('text', () => {
  it('refuses NUL, lone surrogates and noncharacters, keeps real text', () => {
    expect(textProblem('a\u0000b')?.code).toBe('TEXT.NUL');
    expect(textProblem('a\uD800b')?.code).toBe('TEXT.INVALID_CODE_POINT');
    expect(textProblem('\uDC00')?.code).toBe('TEXT.INVALID_CODE_POINT');
    expect(textProblem('\uFFFF')?.code).toBe('TEXT.INVALID_CODE_POINT');
    expect(textProblem('Zoë 😀 Ünïcode, tabs\tand\nnewlines')).toBeNull();
    expect(parseText('x'.repeat(11), 10)).toMatchObject({ ok: false, problem: { code: 'TEXT.TOO_LONG' } });
  });
});

describe('shares and emails', () => {
  it('reads shares exactly and refuses percentages and out-of-range values', () => {
    expect(parseShare('0.7')).toEqual({ ok: true, value: 7_000_000_000n });
    expect(parseShare('1')).toEqual({ ok: true, value: SHARE_ONE });
    expect(parseShare('.25')).toEqual({ ok: true, value: 2_500_000_000n });
    for (const bad of ['0', '1.5', '70%', '-0.2', '0.12345678901']) expect(parseShare(bad).ok).toBe(false);
    expect(formatShare(3_333_333_333n)).toBe('0.3333333333');
    expect(formatShare(SHARE_ONE)).toBe('1');
  });

  it('lower-cases emails and refuses what is not one', () => {
    expect(parseEmail('Jane.Doe@Example.COM')).toEqual({ ok: true, value: 'jane.doe@example.com' });
    expect(parseEmail('jane doe@example.com').ok).toBe(false);
    expect(parseEmail('jane@localhost').ok).toBe(false);
  });
});
