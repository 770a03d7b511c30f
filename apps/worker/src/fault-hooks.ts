/**
 * Test hook for the fault tests (test/faults): holds the worker at a named point inside an
 * activity until the test says go, so a SIGKILL lands exactly there. Inert unless BOTH
 * `NODE_ENV=test` and `QUOTAFLOW_FAULT_HOLD` are set; `main.ts` refuses to start when
 * `QUOTAFLOW_FAULT_HOLD` is set outside `NODE_ENV=test`, so a production worker never holds.
 *
 * `QUOTAFLOW_FAULT_HOLD=<point>[:<detail substring>]`, `QUOTAFLOW_FAULT_DIR=<dir>`: the first time
 * the process reaches `<point>` with a detail containing the substring, it writes
 * `<dir>/<point>.held` (the detail) and waits until `<dir>/<point>.go` exists. It holds once per
 * process. The activity heartbeat interceptor keeps heartbeating while it is held, so a held
 * attempt is only ever ended by the test (a kill, or go).
 *
 * Points: `pdf-rendered` (preparePlanAcceptance: PDF rendered, not stored yet), `smtp-accepted`
 * (OutboxDelivery: the SMTP server accepted the message, the outbox row not marked sent; detail =
 * purpose), `decision-committed` (recordApprovalDecision: its transaction committed, the activity
 * not answered; detail = subject).
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type FaultPoint = 'pdf-rendered' | 'smtp-accepted' | 'decision-committed';

let held = false;

/** True when the process was started with a fault hold (only allowed under NODE_ENV=test). */
export function faultHoldRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.QUOTAFLOW_FAULT_HOLD);
}

export async function faultPoint(point: FaultPoint, detail: string): Promise<void> {
  if (held || process.env.NODE_ENV !== 'test') return;
  const spec = process.env.QUOTAFLOW_FAULT_HOLD;
  const dir = process.env.QUOTAFLOW_FAULT_DIR;
  if (!spec || !dir) return;
  const [wanted, ...rest] = spec.split(':');
  const filter = rest.join(':');
  if (wanted !== point || !detail.includes(filter)) return;
  held = true;
  writeFileSync(join(dir, `${point}.held`), detail);
  while (!existsSync(join(dir, `${point}.go`))) await new Promise((r) => setTimeout(r, 100));
}
