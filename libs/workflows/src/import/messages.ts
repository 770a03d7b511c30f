// The import workflow's contract: inputs and results carry ids and counts, never rows.

export const importWorkflowId = (importId: string): string => `import:${importId}`;

export interface ImportWorkflowInput {
  importId: string;
}

export interface ImportRunResult {
  importId: string;
  status: 'completed' | 'rejected';
  rowsRead: number;
  rowsValid: number;
  rowsInvalid: number;
  rowsWritten: number;
  created: number;
  updated: number;
  unchanged: number;
  skipped: number;
}

/** Heartbeat details of the running import (the API reads progress from the import record). */
export interface ImportProgressDetails {
  rowsRead: number;
  rowsValid: number;
  rowsInvalid: number;
  phase: string;
}

export interface ImportWorkflowStatus {
  importId: string;
  state: 'running' | 'completed' | 'rejected' | 'failed';
  result?: ImportRunResult;
  error?: string;
}
