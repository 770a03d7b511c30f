/**
 * Plan acceptance, id `plan-acceptance:<assignmentId>`.
 *
 * 1. prepare (activity): audit `published`, render the plan PDF once (its SHA-256 is what the
 *    rep signs and what the PDF prints), route by the policy: optional manager pre-approval,
 *    then the rep's acceptance (reminders, escalation to the manager, expiry);
 * 2. the kernel runs the stages: the invite with the PDF goes out when the rep's stage opens;
 *    accept/decline (a reason required) through `decide`, answered once durable; the acceptance
 *    record is written with the decision, in one transaction;
 * 3. finish (activity): declined → the manager and ops are told; the manager's rejection → ops
 *    told, the rep never emailed; expired → ops told. Update `supersede` ends it `superseded`.
 * A permanent failure ends it `failed`, and ops are alerted.
 *
 * Changing this file: wrap changed steps in `patched('<id>')`, record new histories under
 * `__histories__`. Runs started before the approval kernel finish on generation 1 (`legacy/gen1`).
 */
import { allHandlersFinished, condition, patched, proxyActivities, proxyLocalActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { ApprovalActivities } from '../approval/activities';
import { DATABASE_WORK, DOCUMENT_WORK, LOCAL_DOCUMENT_WORK, MAIL_WORK } from '../approval/activity-options';
import { PLAN_ASSIGNMENT_CODES } from '../approval/codes';
import { ApprovalDesk } from '../approval/desk';
import { permanentFailureOf, refuse } from '../approval/failures';
import { APPROVAL_KERNEL_PATCH, LOCAL_PLAN_STEPS_PATCH } from '../approval/patches';
import { gen1PlanAcceptanceWorkflow, type Gen1PlanAcceptanceInput } from '../legacy/gen1';
import type { PlanAcceptanceActivities } from './activities';
import {
  planAcceptanceStatusQuery,
  supersedeUpdate,
  type PlanAcceptanceInput,
  type PlanAcceptanceStatus,
  type PlanAssignmentStatus,
} from './messages';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const MANAGER_STAGE_ID = 'manager-preapproval';
export const REP_STAGE_ID = 'rep-acceptance';

const documents = proxyActivities<Pick<PlanAcceptanceActivities, 'preparePlanAcceptance'>>(DOCUMENT_WORK);
const localDocuments = proxyLocalActivities<Pick<PlanAcceptanceActivities, 'preparePlanAcceptance'>>(LOCAL_DOCUMENT_WORK);
const mail = proxyActivities<Pick<PlanAcceptanceActivities, 'finishPlanAcceptance'>>(MAIL_WORK);
const db = proxyActivities<Pick<ApprovalActivities, 'reportWorkflowFailure'>>(DATABASE_WORK);

/** What the assignment became through its outcome. */
function finalState(outcome: string): PlanAssignmentStatus {
  switch (outcome) {
    case 'approved':
      return 'accepted';
    case 'expired':
      return 'expired';
    case 'cancelled':
      return 'superseded';
    default:
      return 'declined';
  }
}

export async function planAcceptanceWorkflow(input: PlanAcceptanceInput | Gen1PlanAcceptanceInput): Promise<PlanAcceptanceStatus> {
  // Generation 3 (local steps) implies the kernel: a new run records one patch marker, not two.
  // Runs started before it replay generation 2 (kernel marker) or 1 (neither).
  const local = patched(LOCAL_PLAN_STEPS_PATCH);
  if (!local && !patched(APPROVAL_KERNEL_PATCH)) {
    return (await gen1PlanAcceptanceWorkflow(input as Gen1PlanAcceptanceInput)) as unknown as PlanAcceptanceStatus;
  }
  const { assignmentId } = input;
  const { workflowId, runId } = workflowInfo();
  const subject = `plan-assignment:${assignmentId}`;
  let documentHash: string | undefined;
  let supersededBy: string | undefined;
  let final: PlanAssignmentStatus | undefined;
  let failure: PlanAcceptanceStatus['failure'];
  const desk = new ApprovalDesk({
    subject,
    subjectType: 'plan-assignment',
    codes: PLAN_ASSIGNMENT_CODES,
    notOpenMessage: 'The plan document is still being prepared.',
    documentHash: () => documentHash,
    openStepsLocally: local,
  });
  const now = () => new Date().toISOString();

  const status = (): PlanAcceptanceStatus => {
    const view = desk.view();
    const state: PlanAssignmentStatus = final ?? (view.openStages.some((s) => s.id === MANAGER_STAGE_ID) ? 'pending_manager' : 'pending_rep');
    return {
      state,
      ...(final === undefined && view.nextDeadline ? { nextDeadline: view.nextDeadline } : {}),
      remindersSent: view.remindersSent,
      escalated: view.escalated,
      ...(documentHash ? { documentHash } : {}),
      ...(failure ? { failure } : {}),
    };
  };
  setHandler(planAcceptanceStatusQuery, status);
  setHandler(
    supersedeUpdate,
    ({ byAssignmentId }) => {
      if (final === undefined && !supersededBy) {
        supersededBy = byAssignmentId;
        desk.cancel();
      }
      return { state: final ?? 'superseded' };
    },
    {
      validator: (request) => {
        if (!request || typeof request.byAssignmentId !== 'string' || !UUID.test(request.byAssignmentId)) {
          refuse('VALIDATION.FAILED', 'byAssignmentId must be the id of the superseding assignment.', 'byAssignmentId');
        }
        if (request.byAssignmentId === assignmentId) refuse('VALIDATION.FAILED', 'An assignment does not supersede itself.', 'byAssignmentId');
      },
    },
  );

  try {
    const prepared = await (local ? localDocuments : documents).preparePlanAcceptance({ assignmentId, workflowId, runId, at: now() });
    documentHash = prepared.documentHash;
    const outcome = await desk.run(prepared.route, 1);
    if (outcome.status === 'adjustment-requested') throw new Error('plan acceptance takes no adjustment');
    await mail.finishPlanAcceptance({
      assignmentId,
      workflowId,
      runId,
      at: now(),
      outcome: outcome.status,
      ...(outcome.decision ? { decision: outcome.decision } : {}),
      ...(supersededBy ? { supersededById: supersededBy } : {}),
    });
    final = finalState(outcome.status);
  } catch (error) {
    const permanent = permanentFailureOf(error);
    if (!permanent) throw error;
    final = 'failed';
    failure = permanent;
    await db.reportWorkflowFailure({ subject, subjectType: 'plan-assignment', workflowId, runId, ...permanent, occurredAt: now() });
  }
  await condition(allHandlersFinished);
  return status();
}
