// Activity timeouts on production grounds. The worker heartbeats every running activity
// automatically (apps/worker/src/activity-heartbeat.interceptor.ts), so a killed worker's
// attempt is noticed after `heartbeatTimeout`, whatever the activity's own time bound is.
import type { ActivityOptions, LocalActivityOptions } from '@temporalio/workflow';

/**
 * Transient failures (database restarting, SMTP away) retry without end at growing intervals;
 * permanent ones (invalid data, a refused address) are classified non-retryable by the worker
 * and end the workflow as `failed` with an alert instead.
 */
const retry = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '2 minutes' } as const;

/** A few statements in one transaction: a minute means the database is in trouble. */
export const DATABASE_WORK: ActivityOptions = { startToCloseTimeout: '1 minute', heartbeatTimeout: '15 seconds', retry };

/**
 * Database plus email: one SMTP message per person, a plan PDF attached. A slow or greylisting
 * SMTP server can take tens of seconds per message.
 */
export const MAIL_WORK: ActivityOptions = { startToCloseTimeout: '10 minutes', heartbeatTimeout: '15 seconds', retry };

/** Rendering a plan or statement PDF (large plans take seconds) and storing it. */
export const DOCUMENT_WORK: ActivityOptions = { startToCloseTimeout: '5 minutes', heartbeatTimeout: '15 seconds', retry };

/** Work over a whole organisation (routing 20,000 stages, 10,000 lock notices): heartbeats carry progress. */
export const BULK_WORK: ActivityOptions = { startToCloseTimeout: '2 hours', heartbeatTimeout: '30 seconds', retry };

/**
 * The same work run as a local activity, inside the workflow task that asks for it (a plan
 * acceptance's PDF and invite): no activity task to schedule, dispatch, start and complete on the
 * server, one workflow task instead of three; the result is recorded as a marker. Retried the same
 * way (past a minute of retrying, the worker waits on a durable timer between attempts). A worker
 * killed during one loses its workflow task, which times out and runs again from the history:
 * the work is idempotent by business key like any activity's.
 */
export const LOCAL_DOCUMENT_WORK: LocalActivityOptions = { startToCloseTimeout: '5 minutes', retry };
export const LOCAL_MAIL_WORK: LocalActivityOptions = { startToCloseTimeout: '10 minutes', retry };
