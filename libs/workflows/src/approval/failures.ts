import { ActivityFailure, ApplicationFailure, ChildWorkflowFailure } from '@temporalio/workflow';

/** Refuses an Update in its validator: non-retryable, the stable code as `type`, the field in details. */
export function refuse(type: string, message: string, field?: string): never {
  throw ApplicationFailure.create({ type, message, nonRetryable: true, details: field ? [{ field }] : [] });
}

/** A failure that retrying will not cure: an activity or child gave up with a non-retryable error. */
export function permanentFailureOf(error: unknown): { code: string; reason: string } | undefined {
  let cause: unknown = error;
  while (cause instanceof ActivityFailure || cause instanceof ChildWorkflowFailure) cause = cause.cause;
  if (cause instanceof ApplicationFailure && (cause.nonRetryable || error instanceof ActivityFailure)) {
    return { code: cause.type ?? 'WORKFLOW.FAILED', reason: cause.message };
  }
  return undefined;
}
