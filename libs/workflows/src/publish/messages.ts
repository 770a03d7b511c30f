// Input and Query of the publish workflow, id `publish:<publishId>`: one plan version to many reps.
import { defineQuery } from '@temporalio/workflow';

export interface PublishInput {
  publishId: string;
}

export interface PublishStatus {
  state: 'starting' | 'running' | 'done';
  batches: number;
  batchesDone: number;
  started: number;
}

export const publishWorkflowId = (publishId: string): string => `publish:${publishId}`;
export const publishStatusQuery = defineQuery<PublishStatus>('status');

/** Acceptance workflows started per activity, and activities at once: 10,000 reps are 40 batches, four at a time. */
export const PUBLISH_BATCH_SIZE = 250;
export const PUBLISH_CONCURRENCY = 4;
