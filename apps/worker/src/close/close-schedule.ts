import { Client, MONTHS, ScheduleAlreadyRunning, ScheduleOverlapPolicy, type CalendarSpec, type ScheduleDescription, type ScheduleSpec } from '@temporalio/client';
import { upcomingCloseRuns } from '@quotaflow/domain';
import { CLOSE_SCHEDULE_ID, scheduledCloseWorkflow } from '@quotaflow/workflows';

/** How many months ahead the Schedule's calendar reaches; every worker start moves it on. */
export const CLOSE_SCHEDULE_MONTHS = 24;

export interface CloseScheduleOptions {
  taskQueue: string;
  businessDay: number;
  hourUtc: number;
  /** Pause it (an existing Schedule is paused; never unpaused here: a person's pause is kept). */
  paused: boolean;
  /** The day the calendar starts from (the worker's today). */
  today: Date;
  /** Tests: one Schedule each on the shared dev server. */
  scheduleId?: string;
}

/**
 * Business day N (Mon–Fri) is not a pattern a cron or calendar spec can say, so the Schedule lists
 * the exact start times the domain computes, one per month: each is business day N after the
 * previous month's end, at the configured hour, UTC.
 */
export function closeScheduleSpec(options: Pick<CloseScheduleOptions, 'businessDay' | 'hourUtc' | 'today'>): ScheduleSpec {
  const calendars: CalendarSpec[] = upcomingCloseRuns(options.today.toISOString().slice(0, 10), options.businessDay, CLOSE_SCHEDULE_MONTHS).map((run) => {
    const [year, month, day] = run.date.split('-').map(Number) as [number, number, number];
    return { year, month: MONTHS[month - 1]!, dayOfMonth: day, hour: options.hourUtc, minute: 0, second: 0, comment: `close of ${run.periodKey}` };
  });
  return { calendars, timezone: 'UTC' };
}

/**
 * Creates the close Schedule, or brings an existing one's calendar, action and policies up to date
 * (its paused state and note are kept). Idempotent: every worker start calls it.
 */
export async function ensureCloseSchedule(client: Client, options: CloseScheduleOptions): Promise<{ created: boolean; description: ScheduleDescription }> {
  const scheduleId = options.scheduleId ?? CLOSE_SCHEDULE_ID;
  const spec = closeScheduleSpec(options);
  const action = { type: 'startWorkflow' as const, workflowType: scheduledCloseWorkflow, workflowId: scheduleId, taskQueue: options.taskQueue, args: [] as [] };
  // A run still going when the next is due is skipped; a start missed while Temporal was down runs within a day.
  const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' as const };
  const note = 'paused by configuration (CLOSE_SCHEDULE_PAUSED)';
  let created = true;
  try {
    await client.schedule.create({ scheduleId, spec, action, policies, state: { paused: options.paused, ...(options.paused ? { note } : {}) } });
  } catch (e) {
    if (!(e instanceof ScheduleAlreadyRunning)) throw e;
    created = false;
    const handle = client.schedule.getHandle(scheduleId);
    await handle.update((previous) => ({ ...previous, spec, action, policies, state: { paused: previous.state.paused, ...(previous.state.note ? { note: previous.state.note } : {}) } }));
    if (options.paused && !(await handle.describe()).state.paused) await handle.pause(note);
  }
  return { created, description: await client.schedule.getHandle(scheduleId).describe() };
}
