/** A run of the close Schedule on the time-skipping server: one activity, given the run's own time and ids, whose answer is the run's result. */
import { Worker } from '@temporalio/worker';
import * as path from 'node:path';
import { recordHistory } from '../../../../test/support/histories';
import { timeSkippingSuite, uniqueTaskQueue } from '../../../../test/support/temporal';
import type { ScheduledCloseInput, ScheduledCloseResult } from './schedule';

const HISTORIES = path.join(__dirname, '__histories__', 'scheduled-close');
const suite = timeSkippingSuite(require.resolve('../workflows'));

describe('scheduledCloseWorkflow', () => {
  it('hands the activity the run\'s time, workflow and run id, and answers what it did', async () => {
    const seen: ScheduledCloseInput[] = [];
    const taskQueue = uniqueTaskQueue('scheduled-close');
    const startScheduledClose = async (input: ScheduledCloseInput): Promise<ScheduledCloseResult> => {
      seen.push(input);
      return { started: true, periodKey: '2026-11', periodId: 'p-1', workflowId: 'close:p-1' };
    };
    const worker = await Worker.create({ connection: suite.env.nativeConnection, taskQueue, workflowBundle: suite.bundle, activities: { startScheduledClose } });
    await worker.runUntil(async () => {
      const before = Date.now();
      const handle = await suite.env.client.workflow.start('scheduledCloseWorkflow', { taskQueue, workflowId: `close-schedule-${taskQueue}` });
      expect(await handle.result()).toEqual({ started: true, periodKey: '2026-11', periodId: 'p-1', workflowId: 'close:p-1' });
      expect(seen).toEqual([{ at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), workflowId: `close-schedule-${taskQueue}`, runId: handle.firstExecutionRunId }]);
      expect(Date.parse(seen[0]!.at)).toBeGreaterThanOrEqual(before - 60_000);
      await recordHistory(HISTORIES, 'started', handle);
    });
  });
});
