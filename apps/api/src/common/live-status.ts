import type { Client } from '@temporalio/client';
import type { QueryDefinition } from '@temporalio/common';
import { statusOfAnyGeneration } from '@quotaflow/workflows';

/**
 * A workflow's status Query (typed definition), or undefined when it does not answer within `ms`
 * (no worker running, workflow closed): read models answer from the database, the live view is a bonus.
 * A run started before the approval kernel answers in its own shape: read in today's.
 */
export async function liveStatus<T>(temporal: Client, workflowId: string, query: QueryDefinition<T, []>, ms = 2000): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      temporal.workflow.getHandle(workflowId).query(query).then((status) => statusOfAnyGeneration(status)),
      new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), ms);
      }),
    ]);
  } catch {
    return undefined;
  } finally {
    if (timer) clearTimeout(timer);
  }
}
