/**
 * One cell of a CSV a person opens in a spreadsheet: a value that a spreadsheet would read as a
 * formula (it starts with = + - @, a tab or a carriage return) is prefixed with an apostrophe, and
 * every value that could break a row (or was prefixed) is quoted. Used by every CSV the API writes.
 */
export function csvCell(v: string | null | undefined): string {
  if (v === null || v === undefined) return '';
  const safe = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\n\r]/.test(safe) || safe !== v ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** One CSV line (CRLF-terminated) of formula-safe cells. */
export function csvLine(cells: ReadonlyArray<string | null | undefined>): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}
