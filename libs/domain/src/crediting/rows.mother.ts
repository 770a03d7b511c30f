// Builders for the crediting specs: rows as a file would give them, and a small organisation.
import type { RawRow } from './rows';

/** A row whose columns are named like its fields (the `quotaflow` profile). */
export function row(line: number, values: Record<string, string>, attributes?: Record<string, string>): RawRow {
  return {
    line,
    get: (field) => (values[field] ?? '').trim(),
    column: (field) => (field in values ? field : null),
    ...(attributes ? { attributes } : {}),
  };
}

export const rows = (...values: Array<Record<string, string>>): RawRow[] => values.map((v, i) => row(i + 2, v));
