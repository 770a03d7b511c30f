import { csvCell, csvLine } from './csv';

describe('csvCell: formula-safe cells', () => {
  it.each([
    ['=HYPERLINK("x")', `"'=HYPERLINK(""x"")"`],
    ['+1', `"'+1"`],
    ['-5', `"'-5"`],
    ['@SUM(A1)', `"'@SUM(A1)"`],
    ['\tx', `"'\tx"`],
    ['\rx', `"'\rx"`],
    ['a,b', '"a,b"'],
    ['line\nbreak', '"line\nbreak"'],
    ['plain', 'plain'],
  ])('%j → %s', (input, out) => {
    expect(csvCell(input)).toBe(out);
  });

  it('writes empty cells for null and a CRLF line', () => {
    expect(csvLine(['a', null, undefined, '=x'])).toBe(`a,,,"'=x"\r\n`);
  });
});
