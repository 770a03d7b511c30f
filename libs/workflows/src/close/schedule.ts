// The Temporal Schedule that starts the monthly close by itself (see scheduled-close.workflow.ts).

/** The one Schedule per namespace; its action's workflow ids start with it (Temporal appends the time). */
export const CLOSE_SCHEDULE_ID = 'close-schedule';

export interface ScheduledCloseInput {
  /** When the run fires (the workflow's clock), ISO 8601. */
  at: string;
  workflowId: string;
  runId: string;
}

/** What a run of the Schedule did: started the close of the month just ended, or why not. */
export type ScheduledCloseResult =
  | { started: true; periodKey: string; periodId: string; workflowId: string }
  | { started: false; periodKey: string; periodId?: string; reason: 'no-period' | 'closing' | 'closed' | 'already-running' };

export interface ScheduledCloseActivities {
  startScheduledClose(input: ScheduledCloseInput): Promise<ScheduledCloseResult>;
}
