/**
 * A run of the close Schedule (`close-schedule`, business day N after a month's end): starts
 * `close:<periodId>` for the month just ended when that period exists and is open, as the system
 * requester (no person, so every finance person may approve it). One activity: the month, the
 * period's state and the start are decided where the database and the Temporal client are.
 */
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import { DATABASE_WORK } from '../approval/activity-options';
import type { ScheduledCloseActivities, ScheduledCloseResult } from './schedule';

const { startScheduledClose } = proxyActivities<ScheduledCloseActivities>(DATABASE_WORK);

export async function scheduledCloseWorkflow(): Promise<ScheduledCloseResult> {
  const { workflowId, runId } = workflowInfo();
  return startScheduledClose({ at: new Date().toISOString(), workflowId, runId });
}
