// import:<id> — one background import. 1. run it (one activity: read, validate, write in one
// transaction, heartbeating progress; a killed worker's attempt left nothing written and is
// retried from the start); 2. if it keeps failing, record the failure. History: a handful of
// events whatever the file's size (progress travels in heartbeats and the import record), so it
// never needs continue-as-new.
import { ApplicationFailure, defineQuery, proxyActivities, setHandler, ActivityFailure } from '@temporalio/workflow';
import type { ImportActivities } from './activities';
import type { ImportWorkflowInput, ImportWorkflowStatus } from './messages';

// A whole file in one transaction (hundreds of thousands of rows take minutes): two hours bound the
// attempt; the heartbeats carry progress, and their 20 s timeout notices a killed worker. Five
// attempts: a file that fails five times fails for a reason ops must see (recorded by failImport).
const { runImport } = proxyActivities<ImportActivities>({
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '20 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 5, nonRetryableErrorTypes: ['IMPORT.NOT_FOUND', 'IMPORT_PROFILE.NOT_FOUND', 'IMPORT.CURRENCY_CONFLICT'] },
});
// One row updated: a minute means the database is in trouble (as DATABASE_WORK).
const { failImport } = proxyActivities<ImportActivities>({ startToCloseTimeout: '1 minute', retry: { maximumAttempts: 10 } });

export const importStatusQuery = defineQuery<ImportWorkflowStatus>('status');

export async function importWorkflow(input: ImportWorkflowInput): Promise<ImportWorkflowStatus> {
  let status: ImportWorkflowStatus = { importId: input.importId, state: 'running' };
  setHandler(importStatusQuery, () => status);
  try {
    const result = await runImport({ importId: input.importId });
    status = { importId: input.importId, state: result.status, result };
  } catch (e) {
    const cause = e instanceof ActivityFailure && e.cause instanceof ApplicationFailure ? e.cause : e;
    const message = cause instanceof Error ? cause.message : String(cause);
    await failImport({ importId: input.importId, message });
    status = { importId: input.importId, state: 'failed', error: message };
  }
  return status;
}
