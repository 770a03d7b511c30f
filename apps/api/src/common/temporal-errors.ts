import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { DomainError, ENDED_CODE, type ErrorArea } from '@quotaflow/domain';

/**
 * A workflow's answer as the area's DomainError: a refused Update carries its stable code as the
 * ApplicationFailure type; a workflow that already ended answers with the area's own
 * "not pending" code; anything else means Temporal could not be reached.
 */
export function toDomainError(e: unknown, area: ErrorArea): DomainError {
  if (e instanceof DomainError) return e;
  if (e instanceof WorkflowUpdateFailedError && e.cause instanceof ApplicationFailure) {
    return new DomainError(e.cause.type ?? `${area}.REFUSED`, e.cause.message, e.cause.details?.[0]);
  }
  if (e instanceof WorkflowNotFoundError || (e instanceof Error && /already completed|workflow execution already/i.test(e.message))) {
    return new DomainError(ENDED_CODE[area], 'The workflow has already ended.');
  }
  return new DomainError('TEMPORAL.UNAVAILABLE', `The workflow service could not be reached: ${(e as Error).message}`);
}

/** True when the start found the workflow already running or done (a repeated start: nothing new). */
export function alreadyStarted(e: unknown): boolean {
  return e instanceof WorkflowExecutionAlreadyStartedError;
}
