/**
 * Publish, id `publish:<publishId>`: the assignments were created by the API in one statement;
 * this starts their plan-acceptance workflows in batches, a few batches at a time, and records
 * progress. Resumable after any crash: a batch started twice starts nothing new (workflow ids
 * are the assignments').
 */
import { proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import { BULK_WORK, DATABASE_WORK } from '../approval/activity-options';
import type { PublishActivities } from './activities';
import { PUBLISH_BATCH_SIZE, PUBLISH_CONCURRENCY, publishStatusQuery, type PublishInput, type PublishStatus } from './messages';

const db = proxyActivities<Pick<PublishActivities, 'beginPublish' | 'finishPublish'>>(DATABASE_WORK);
const bulk = proxyActivities<Pick<PublishActivities, 'startAcceptanceBatch'>>(BULK_WORK);

export async function publishWorkflow({ publishId }: PublishInput): Promise<PublishStatus> {
  const { workflowId, runId } = workflowInfo();
  const where = () => ({ publishId, workflowId, runId, at: new Date().toISOString() });
  const status: PublishStatus = { state: 'starting', batches: 0, batchesDone: 0, started: 0 };
  setHandler(publishStatusQuery, () => ({ ...status }));

  const { assignments } = await db.beginPublish(where());
  status.batches = Math.ceil(assignments / PUBLISH_BATCH_SIZE);
  status.state = 'running';
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < status.batches) {
      const batch = next++;
      const result = await bulk.startAcceptanceBatch({ publishId, offset: batch * PUBLISH_BATCH_SIZE, limit: PUBLISH_BATCH_SIZE });
      status.started += result.started;
      status.batchesDone += 1;
    }
  };
  await Promise.all(Array.from({ length: PUBLISH_CONCURRENCY }, lane));
  await db.finishPublish({ ...where(), started: status.started });
  status.state = 'done';
  return { ...status };
}
