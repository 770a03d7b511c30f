/**
 * Interceptors around every activity the worker runs:
 * - heartbeats: a running activity heartbeats every few seconds by itself, so when the worker
 *   dies the server notices within the activity's `heartbeatTimeout` and retries it elsewhere,
 *   however long its own time bound is (a large PDF, a slow SMTP server);
 * - failure classification: a database error that retrying cannot cure (invalid data, a broken
 *   constraint, a permission refused) becomes a non-retryable ApplicationFailure with a stable
 *   code, so the workflow reports it instead of retrying forever; a lost connection, a
 *   serialization conflict or a server shutting down stays retryable.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ActivityExecuteInput, ActivityInboundCallsInterceptor, Next } from '@temporalio/worker';
import { faultFailure } from '@quotaflow/config';

/** SQLSTATE classes a retry will not fix. https://www.postgresql.org/docs/current/errcodes-appendix.html */
const PERMANENT_CLASSES: Record<string, string> = {
  '22': 'DATABASE.INVALID_DATA',
  '23': 'DATABASE.CONSTRAINT_VIOLATED',
  '42': 'DATABASE.REFUSED',
  '2B': 'DATABASE.REFUSED',
  '44': 'DATABASE.CONSTRAINT_VIOLATED',
  P0: 'DATABASE.REFUSED',
};

export function classifyActivityError(error: unknown): unknown {
  if (error instanceof ApplicationFailure) return error;
  const code = (error as { code?: unknown })?.code;
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) {
    const type = PERMANENT_CLASSES[code.slice(0, 2)];
    if (type) {
      return ApplicationFailure.create({
        type,
        message: `${(error as Error).message} (SQLSTATE ${code})`,
        nonRetryable: true,
        details: [{ sqlState: code }],
        cause: error as Error,
      });
    }
  }
  return error;
}

export class ActivityHeartbeatAndFailureInterceptor implements ActivityInboundCallsInterceptor {
  constructor(private readonly context: Context) {}

  async execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    const timeout = this.context.info.heartbeatTimeoutMs;
    const every = timeout ? Math.max(1_000, Math.floor(timeout / 3)) : undefined;
    const timer = every ? setInterval(() => this.context.heartbeat(), every) : undefined;
    try {
      if (every) this.context.heartbeat();
      return await next(input);
    } catch (error) {
      faultFailure(this.context.info.activityType, this.context.info.attempt);
      throw classifyActivityError(error);
    } finally {
      if (timer) clearInterval(timer);
    }
  }
}
