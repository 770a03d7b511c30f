import { findInvalidCharacter, findInvalidTextIn } from './text';

describe('text rule', () => {
  it.each([
    ['plain', 'Rebalance the north-east'],
    ['tabs and new lines', 'line 1\n\tline 2\r\n'],
    ['accents and scripts', 'Zoë Ångström — 東京 🚀'],
  ])('accepts %s', (_name, value) => {
    expect(findInvalidCharacter(value)).toBeUndefined();
  });

  it.each([
    ['NUL', 'ok\u0000', 'U+0000', 2],
    ['a bell', 'a\u0007b', 'U+0007', 1],
    ['DEL', 'x\u007f', 'U+007F', 1],
    ['a C1 control', '\u0085', 'U+0085', 0],
    ['a lone high surrogate', 'ab\ud83d', 'U+D83D', 2],
    ['a lone low surrogate', '\ude80c', 'U+DE80', 0],
    ['U+FFFE', 'x\ufffe', 'U+FFFE', 1],
  ])('refuses %s and names it', (_name, value, codePoint, index) => {
    expect(findInvalidCharacter(value)).toMatchObject({ codePoint, index });
  });

  it('names the path of the first bad string or key in a JSON value, at any depth', () => {
    expect(findInvalidTextIn({ a: [{ b: 'fine' }, { c: 'bad\u0000' }] })).toMatchObject({ path: 'a[1].c', codePoint: 'U+0000' });
    expect(findInvalidTextIn({ 'k\u0000': 1 }, 'body')).toMatchObject({ path: 'body.k\u0000' });
    let deep: unknown = 'x\u0000';
    for (let i = 0; i < 50_000; i += 1) deep = [deep];
    expect(findInvalidTextIn(deep)?.codePoint).toBe('U+0000');
    expect(findInvalidTextIn({ a: 1, b: [true, null, 'ok'] })).toBeUndefined();
  });
});
