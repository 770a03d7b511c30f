import { ApplicationFailure } from '@temporalio/common';

/** A missing row will not appear by retrying: fail the activity for good, with the stable code. */
export function notFound(type: string, message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, type);
}
