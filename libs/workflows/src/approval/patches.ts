// Patch markers of the approval workflows (`patched(id)`): runs started before a marker existed
// replay the old path. Each generation's recorded histories stay in the workflow's `__histories__`.

/** Generation 2: the approval kernel (ids-only inputs, the shared `decide`, bounded histories). */
export const APPROVAL_KERNEL_PATCH = 'approval-kernel';

/** Decisions queued behind one being recorded are recorded together (recordApprovalDecisions). */
export const DECISION_BATCH_PATCH = 'decision-batches';

/** A large step's request emails are sent alongside, not before its decisions are recorded. */
export const ASYNC_STEP_EMAILS_PATCH = 'async-step-emails';

/**
 * Plan acceptance prepares its document and opens its steps in local activities: a publish to
 * 10,000 reps costs the server one workflow task per rep instead of three and two activities.
 */
export const LOCAL_PLAN_STEPS_PATCH = 'local-plan-steps';
