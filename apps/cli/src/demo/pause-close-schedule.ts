import { Client, Connection } from '@temporalio/client';
import { CLOSE_SCHEDULE_ID } from '@quotaflow/workflows';

export const DEMO_PAUSE_NOTE = `paused by npm run seed:demo: the demo period is closed by hand (unpause: temporal schedule toggle --schedule-id ${CLOSE_SCHEDULE_ID} --unpause)`;

/**
 * The demo's period is closed by a person, so the close Schedule (created by the worker at start)
 * must not start it on business day N: paused, with a note saying why. A Schedule paused already
 * keeps its note.
 */
export async function pauseCloseSchedule(address: string, namespace: string, scheduleId = CLOSE_SCHEDULE_ID): Promise<string> {
  if (!address) return 'close schedule: no Temporal configured (TEMPORAL_ADDRESS), nothing to pause';
  let connection: Connection;
  try {
    connection = await Connection.connect({ address, connectTimeout: '3 seconds' });
  } catch (e) {
    return `close schedule: Temporal at ${address} did not answer (${(e as Error).message}); not paused`;
  }
  try {
    const handle = new Client({ connection, namespace }).schedule.getHandle(scheduleId);
    let description;
    try {
      description = await handle.describe();
    } catch {
      return `close schedule: ${scheduleId} does not exist yet (the worker creates it at start); start the worker with CLOSE_SCHEDULE_PAUSED=true, or run seed:demo again once it is up`;
    }
    if (description.state.paused) return `close schedule: ${scheduleId} paused (${description.state.note ?? 'no note'})`;
    await handle.pause(DEMO_PAUSE_NOTE);
    return `close schedule: ${scheduleId} paused now (${DEMO_PAUSE_NOTE})`;
  } finally {
    await connection.close();
  }
}
