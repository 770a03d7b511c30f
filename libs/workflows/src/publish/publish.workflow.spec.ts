/**
 * The publish workflow on the time-skipping server with recording activities: the assignments
 * are started in batches of PUBLISH_BATCH_SIZE, at most PUBLISH_CONCURRENCY at once, each batch
 * exactly once; progress is readable by Query; a batch that fails once is retried, not skipped.
 * Record with `RECORD_HISTORIES=1 node scripts/bootstrap.js test libs/workflows/src/publish/publish.workflow.spec.ts`.
 */
import { ApplicationFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import * as path from 'node:path';
import { activityRecorder } from '../../../../test/support/activity-recorder';
import { recordHistory } from '../../../../test/support/histories';
import { timeSkippingSuite, uniqueTaskQueue } from '../../../../test/support/temporal';
import { PUBLISH_BATCH_SIZE, PUBLISH_CONCURRENCY, publishStatusQuery, publishWorkflowId, type PublishStatus } from './messages';

const HISTORIES = path.join(__dirname, '__histories__');
const suite = timeSkippingSuite(require.resolve('../__fixtures__/test-workflows'));
let seq = 0;

async function publish(name: string, assignments: number, handlers: Parameters<typeof activityRecorder>[0] = {}) {
  let running = 0;
  let mostAtOnce = 0;
  const recorder = activityRecorder({
    beginPublish: async () => ({ assignments }),
    startAcceptanceBatch: async (input) => {
      running += 1;
      mostAtOnce = Math.max(mostAtOnce, running);
      try {
        await new Promise((r) => setTimeout(r, 20));
        return { started: Math.max(0, Math.min(input.limit, assignments - input.offset)), superseded: 0 };
      } finally {
        running -= 1;
      }
    },
    finishPublish: async () => undefined,
    ...handlers,
  });
  const taskQueue = uniqueTaskQueue(`publish-${name}`);
  const worker = await Worker.create({ connection: suite.env.nativeConnection, taskQueue, workflowBundle: suite.bundle, activities: recorder.activities });
  return worker.runUntil(async () => {
    const publishId = `pub-${name}-${++seq}`;
    const handle = await suite.env.client.workflow.start('publishWorkflow', { taskQueue, workflowId: publishWorkflowId(publishId), args: [{ publishId }] });
    const result = (await handle.result()) as PublishStatus;
    const query = await handle.query(publishStatusQuery);
    await recordHistory(HISTORIES, name, handle);
    return { publishId, result, query, recorder, mostAtOnce };
  });
}

describe('publish workflow', () => {
  it('starts every assignment once, in batches, a few batches at a time, and finishes with the count', async () => {
    const assignments = PUBLISH_BATCH_SIZE * 5 + 3;
    const { publishId, result, query, recorder, mostAtOnce } = await publish('six-batches', assignments);
    expect(result).toEqual({ state: 'done', batches: 6, batchesDone: 6, started: assignments });
    expect(query).toEqual(result);
    expect(recorder.count('beginPublish')).toBe(1);
    expect(recorder.of('startAcceptanceBatch').map((b) => b.offset).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5].map((i) => i * PUBLISH_BATCH_SIZE));
    expect(new Set(recorder.of('startAcceptanceBatch').map((b) => `${b.publishId}:${b.limit}`))).toEqual(new Set([`${publishId}:${PUBLISH_BATCH_SIZE}`]));
    expect(mostAtOnce).toBe(PUBLISH_CONCURRENCY);
    expect(recorder.of('finishPublish')).toEqual([expect.objectContaining({ publishId, started: assignments })]);
    expect(recorder.sequence()[0]).toBe('beginPublish');
    expect(recorder.sequence().at(-1)).toBe('finishPublish');
  });

  it('a publish with no assignments starts no batch and finishes at once', async () => {
    const { result, recorder } = await publish('empty', 0);
    expect(result).toEqual({ state: 'done', batches: 0, batchesDone: 0, started: 0 });
    expect(recorder.sequence()).toEqual(['beginPublish', 'finishPublish']);
  });

  it('a batch that fails once (Temporal down for a moment) is retried, and its assignments are counted once', async () => {
    let failed = 0;
    const assignments = PUBLISH_BATCH_SIZE + 10;
    const { result, recorder } = await publish('batch-retried', assignments, {
      startAcceptanceBatch: async (input) => {
        if (input.offset === PUBLISH_BATCH_SIZE && failed === 0) {
          failed += 1;
          throw ApplicationFailure.retryable('Temporal unavailable', 'TEMPORAL.UNAVAILABLE');
        }
        return { started: Math.min(input.limit, assignments - input.offset), superseded: 0 };
      },
    });
    expect(failed).toBe(1);
    expect(result).toEqual({ state: 'done', batches: 2, batchesDone: 2, started: assignments });
    expect(recorder.of('startAcceptanceBatch').map((b) => b.offset).sort((a, b) => a - b)).toEqual([0, PUBLISH_BATCH_SIZE, PUBLISH_BATCH_SIZE]);
  });
});
