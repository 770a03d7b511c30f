// The report of an import: every issue goes to import_issues (real imports, in batches, on their
// own connection so a rolled-back import keeps its report); the first few stay in memory for the answer.
import type { DataSource } from 'typeorm';
import type { ImportIssue } from './import-types';

const BATCH = 500;

/** A refused value still has to be shown: NUL and lone surrogates become visible escapes (\u0000). */
function printable(v: string | null): string | null {
  if (v === null) return null;
  return v.replace(/[\u0000\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export class IssueCollector {
  readonly first: ImportIssue[] = [];
  total = 0;
  errors = 0;
  warnings = 0;
  private pending: ImportIssue[] = [];
  private flushing: Promise<void> = Promise.resolve();

  constructor(private readonly dataSource: DataSource, private readonly importId: string | null, private readonly keep: number) {}

  /** Records one issue; answers a promise (await it) only when a batch is being written. */
  add(found: ImportIssue): Promise<void> | undefined {
    const issue: ImportIssue = found.value === null && !/[\u0000\uD800-\uDFFF]/.test(found.message)
      ? found
      : { ...found, value: printable(found.value), message: printable(found.message)!, column: printable(found.column) };
    this.total += 1;
    if (issue.severity === 'error') this.errors += 1;
    else if (issue.severity === 'warning') this.warnings += 1;
    if (this.first.length < this.keep) this.first.push(issue);
    if (this.importId === null) return undefined;
    this.pending.push(issue);
    return this.pending.length >= BATCH ? this.flush() : undefined;
  }

  get truncated(): boolean {
    return this.total > this.first.length;
  }

  async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    await this.flushing;
    if (batch.length === 0 || this.importId === null) return;
    const cols = ['line', 'column_name', 'field', 'value', 'code', 'message', 'suggestion', 'severity'] as const;
    const arrays = cols.map(() => [] as Array<string | number | null>);
    for (const i of batch) {
      [i.line, i.column, i.field, i.value, i.code, i.message, i.suggestion ?? null, i.severity].forEach((v, k) => arrays[k]!.push(v ?? null));
    }
    this.flushing = this.dataSource.query(
      `INSERT INTO import_issues (import_id, ${cols.join(', ')})
       SELECT $1, * FROM unnest($2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])`,
      [this.importId, ...arrays],
    ).then(() => undefined);
    await this.flushing;
  }
}
