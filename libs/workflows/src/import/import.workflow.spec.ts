/**
 * The import workflow on the time-skipping server with recording activities: a run answers the
 * activity's counts; an attempt cut short is retried; an import that keeps failing is marked failed.
 */
import { ApplicationFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import * as path from 'node:path';
import { timeSkippingSuite } from '../../../../test/support/temporal';
import { recordHistory } from '../../../../test/support/histories';
import type { ImportActivities } from './activities';
import { importWorkflowId, type ImportRunResult, type ImportWorkflowStatus } from './messages';

const HISTORIES = path.join(__dirname, '__histories__');
const suite = timeSkippingSuite(require.resolve('./import.workflow'));
let seq = 0;

const result = (importId: string): ImportRunResult => ({ importId, status: 'completed', rowsRead: 3, rowsValid: 3, rowsInvalid: 0, rowsWritten: 3, created: 3, updated: 0, unchanged: 0, skipped: 0 });

async function run(activities: ImportActivities, name: string): Promise<ImportWorkflowStatus> {
  const taskQueue = `import-spec-${++seq}-${process.pid}`;
  const worker = await Worker.create({ connection: suite.env.nativeConnection, taskQueue, workflowBundle: suite.bundle, activities });
  const importId = `00000000-0000-4000-8000-00000000000${seq}`;
  return worker.runUntil(async () => {
    const handle = await suite.env.client.workflow.start('importWorkflow', { taskQueue, workflowId: importWorkflowId(importId), args: [{ importId }] });
    const status = (await handle.result()) as ImportWorkflowStatus;
    await recordHistory(HISTORIES, name, handle);
    return status;
  });
}

describe('importWorkflow', () => {
  it('runs the import once and answers its counts', async () => {
    const calls: string[] = [];
    const status = await run({
      runImport: async ({ importId }) => { calls.push(`run ${importId}`); return result(importId); },
      failImport: async () => { calls.push('fail'); },
    }, 'completed');
    expect(status).toMatchObject({ state: 'completed', result: { created: 3 } });
    expect(calls).toHaveLength(1);
  });

  it('retries an attempt that failed (a killed worker, a dropped connection)', async () => {
    let attempts = 0;
    const status = await run({
      runImport: async ({ importId }) => {
        attempts += 1;
        if (attempts === 1) throw new Error('connection terminated');
        return result(importId);
      },
      failImport: async () => undefined,
    }, 'retried-then-completed');
    expect(status.state).toBe('completed');
    expect(attempts).toBe(2);
  });

  it('marks an import that cannot run as failed, with the reason', async () => {
    const failed: string[] = [];
    const status = await run({
      runImport: async () => { throw ApplicationFailure.create({ type: 'IMPORT_PROFILE.NOT_FOUND', message: 'No deals import profile "gone".', nonRetryable: true }); },
      failImport: async ({ message }) => { failed.push(message); },
    }, 'failed-for-good');
    expect(status).toMatchObject({ state: 'failed', error: 'No deals import profile "gone".' });
    expect(failed).toEqual(['No deals import profile "gone".']);
  });
});
