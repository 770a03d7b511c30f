// Sizes that keep every workflow history far below Temporal's limits (51,200 events, 50 MB)
// at any organisation size. Shared by the workflows and the worker's routing activities.

/** A step with more stages than this runs in child workflows (`approvalStepWorkflow`), not inline. */
export const INLINE_STAGE_LIMIT = 60;

/** Stages per child workflow of a delegated step: about 8 events a decision keeps a child under 2,500 events. */
export const STAGE_SLICE_SIZE = 250;

/**
 * Decisions recorded by one activity when they queue up (a thousand reps acknowledging within a
 * minute): one transaction and one round trip instead of fifty, and about 50 KB of input.
 */
export const DECISION_BATCH_LIMIT = 50;

/**
 * A step with more stages than this opens its tasks in one activity and sends their emails in
 * another, alongside: decisions arriving meanwhile are recorded instead of waiting for every
 * email of the step (250 SMTP sends) to go out first.
 */
export const ASYNC_EMAIL_STAGE_MIN = 10;

/** A step opened in a local activity (`openStepsLocally`) asks at most this many stages: a few emails, not a slice. */
export const LOCAL_OPEN_STAGE_MAX = 2;
