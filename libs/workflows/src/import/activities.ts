import type { ImportRunResult } from './messages';

/** Implemented in apps/worker/src/imports/import.activities.ts; idempotent by import id. */
export interface ImportActivities {
  /** Reads the stored file, validates and writes in one transaction; heartbeats its progress. A finished import answers its stored result. */
  runImport(input: { importId: string }): Promise<ImportRunResult>;
  /** Marks an import that could not run as failed (its report says why). */
  failImport(input: { importId: string; message: string }): Promise<void>;
}
