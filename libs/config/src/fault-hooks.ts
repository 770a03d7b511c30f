/**
 * Test hook for the fault tests (test/faults): holds the worker or the API at a named point (inside
 * an activity, inside a request) until the test says go, so a SIGKILL lands exactly there. Inert
 * unless BOTH `NODE_ENV=test` and `QUOTAFLOW_FAULT_HOLD` are set; the worker's and the API's
 * `main.ts` refuse to start when `QUOTAFLOW_FAULT_HOLD` is set outside `NODE_ENV=test`
 * (`assertNoFaultHold`), so a production process never holds.
 *
 * `QUOTAFLOW_FAULT_HOLD=<point>[:<detail substring>][,<point>…]`, `QUOTAFLOW_FAULT_DIR=<dir>`: the
 * first time the process reaches `<point>` with a detail containing the substring, it writes
 * `<dir>/<point>.held` (the detail) and waits until `<dir>/<point>.go` exists. Each point holds
 * once per process. The activity heartbeat interceptor keeps heartbeating while it is held, so a held
 * attempt is only ever ended by the test (a kill, or go).
 *
 * Points: `pdf-rendered` (preparePlanAcceptance: PDF rendered, not stored yet), `smtp-accepted`
 * (OutboxDelivery: the SMTP server accepted the message, the outbox row not marked sent; detail =
 * purpose), `decision-committed` (recordApprovalDecision: its transaction committed, the activity
 * not answered; detail = subject), `decision-answered` (API: the workflow's `decide` Update
 * answered, the Idempotency-Key's answer not stored, the HTTP response not written; detail = the key),
 * `close-batch-stored` (calculateCloseBatch: the batch's payouts committed, the activity not
 * answered; detail = `<periodId>:<offset>`).
 *
 * Failed attempts: with `QUOTAFLOW_FAULT_DIR` set (and `NODE_ENV=test`), every failed activity
 * attempt, local ones included, appends `<activity type>:<attempt>` to `<dir>/failures`: a local
 * activity's retries are not visible in the server's description of the workflow.
 */
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type FaultPoint = 'pdf-rendered' | 'smtp-accepted' | 'decision-committed' | 'decision-answered' | 'close-batch-stored';

const held = new Set<FaultPoint>();

/** Throws when the process was given a fault hold outside NODE_ENV=test (called by both `main.ts`). */
export function assertNoFaultHold(env: Readonly<Record<string, string | undefined>> = process.env): void {
  if (env.QUOTAFLOW_FAULT_HOLD && env.NODE_ENV !== 'test') {
    throw new Error('QUOTAFLOW_FAULT_HOLD is a test hook (test/faults), refused unless NODE_ENV=test');
  }
}

export async function faultPoint(point: FaultPoint, detail: string): Promise<void> {
  if (held.has(point) || process.env.NODE_ENV !== 'test') return;
  const spec = process.env.QUOTAFLOW_FAULT_HOLD;
  const dir = process.env.QUOTAFLOW_FAULT_DIR;
  if (!spec || !dir) return;
  const wanted = spec.split(',').some((entry) => {
    const [name, ...rest] = entry.split(':');
    return name === point && detail.includes(rest.join(':'));
  });
  if (!wanted) return;
  held.add(point);
  writeFileSync(join(dir, `${point}.held`), detail);
  while (!existsSync(join(dir, `${point}.go`))) await new Promise((r) => setTimeout(r, 100));
}

/** Records a failed activity attempt for the fault tests (inert outside them). */
export function faultFailure(activityType: string, attempt: number): void {
  const dir = process.env.QUOTAFLOW_FAULT_DIR;
  if (!dir || process.env.NODE_ENV !== 'test') return;
  appendFileSync(join(dir, 'failures'), `${activityType}:${attempt}\n`);
}
