import type { ImportKind, ImportProfile, RowIssue } from '@quotaflow/domain';

export interface ImportActor {
  id: string | null;
  role: string | null;
  /** `api` or `cli`. */
  via: 'api' | 'cli';
}

export interface ImportOptions {
  kind: ImportKind;
  profileKey: string;
  /** Report and count, write nothing. */
  dryRun: boolean;
  /** Import the good rows and skip the bad ones (all listed in the report); otherwise any bad row rejects the file. */
  skipBadRows: boolean;
  /** People only: deactivate active people absent from this (full) file. */
  deactivateMissing: boolean;
  /** Deals: must be the organisation's currency (a check that the file is meant for it). */
  currency?: string;
  actor: ImportActor;
  fileName?: string | null;
}

/** The rows of a JSON import: objects of header → text (or null). */
export type JsonRows = ReadonlyArray<Readonly<Record<string, string | null>>>;

export type ImportSource =
  | { type: 'csv'; stream: AsyncIterable<Buffer | string> }
  | { type: 'json'; rows: JsonRows };

export interface ImportCounts {
  rowsRead: number;
  rowsValid: number;
  rowsInvalid: number;
  rowsWritten: number;
  created: number;
  updated: number;
  unchanged: number;
  deactivated: number;
  skipped: number;
  warnings: number;
  issues: number;
}

export const zeroCounts = (): ImportCounts => ({ rowsRead: 0, rowsValid: 0, rowsInvalid: 0, rowsWritten: 0, created: 0, updated: 0, unchanged: 0, deactivated: 0, skipped: 0, warnings: 0, issues: 0 });

export type ImportIssue = Omit<RowIssue, 'severity'> & { severity: RowIssue['severity'] | 'info' };

export interface ImportOutcome {
  importId: string | null;
  kind: ImportKind;
  /** completed | rejected (any bad row without skipBadRows, or a bad file); a dry run says what the import would be. */
  status: 'completed' | 'rejected';
  dryRun: boolean;
  profile: ImportProfile;
  counts: ImportCounts;
  /** The first issues (all of them up to the limit); `issuesTruncated` says when there are more. */
  issues: ImportIssue[];
  issuesTruncated: boolean;
  fileHash: string | null;
  fileBytes: number;
  ignoredColumns: string[];
  /** Set when the file as a whole could not be read (not UTF-8, malformed, a column missing). */
  fileError: { code: string; message: string } | null;
  /** Milliseconds per phase: read (parse, validate, stage), check (across rows), write, finish. */
  timings: Record<'read' | 'check' | 'write' | 'finish', number>;
}

export interface ImportProgress {
  rowsRead: number;
  rowsValid: number;
  rowsInvalid: number;
  phase: 'reading' | 'checking' | 'writing';
}

export interface ImportHooks {
  onProgress?: (progress: ImportProgress) => void;
}
