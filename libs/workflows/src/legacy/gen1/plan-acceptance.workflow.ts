// FROZEN: generation 1 (before the approval kernel). Replays and finishes workflows started
// before `approval-kernel` was patched in; never edit, only delete once no such run is left.
/**
 * Plan acceptance, id `plan-acceptance:<assignmentId>`.
 *
 * 1. audit `published`; 2. render the plan PDF (its hash is what the rep signs);
 * 3. optional manager pre-approval stage (approve → on; reject → the assignment ends `declined`
 *    with the manager's comment and ops is told — CONTRACTS.md has no separate status for it);
 * 4. rep stage: invite with the PDF (sent once), reminders, escalation to the manager, expiry
 *    with a note to ops; 5. accept → `accepted` + acceptance record, decline (reason required)
 *    → `declined`, manager and ops told. Signal `supersede` ends it as `superseded`.
 *
 * Changing this file: wrap changed steps in `patched('<id>')` so running histories replay, and
 * record a new history under `__histories__` (the replay spec replays every file there).
 */
import {
  allHandlersFinished,
  condition,
  currentUpdateInfo,
  patched,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import {
  ApprovalRun,
  refuse,
  type ApprovalAuditEntry,
  type ApprovalEvent,
  type ApprovalOutcome,
  type RecordedDecision,
} from './run-stages';
import { DATABASE_WORK, DOCUMENT_WORK, MAIL_WORK } from '../../approval/activity-options';
import type { ApprovalTaskActivities } from './task-activities';
import type { ApprovalStage } from './approval-types';
import type {
  AssignmentDecision,
  EmailRecipient,
  PlanAcceptanceActivities,
  PlanEmailTemplate,
  RecordAuditInput,
  SendEmailInput,
} from './plan-acceptance.activities';
import {
  DEFAULT_PLAN_ACCEPTANCE_SETTINGS,
  decideUpdate,
  statusQuery,
  supersedeSignal,
  type DecisionRequest,
  type PlanAcceptanceHistoryEntry,
  type PlanAcceptanceInput,
  type PlanAcceptanceSettings,
  type PlanAcceptanceStatus,
  type PlanAssignmentStatus,
} from './plan-acceptance.messages';

export const MANAGER_STAGE_ID = 'manager-preapproval';
export const REP_STAGE_ID = 'rep-acceptance';

export const PLAN_ACCEPTANCE_CODES = {
  forbidden: 'AUTH.FORBIDDEN',
  alreadyDecided: 'PLAN_ASSIGNMENT.ALREADY_DECIDED',
  notPending: 'PLAN_ASSIGNMENT.NOT_PENDING',
  invalidDecision: 'VALIDATION.FAILED',
} as const;

// The production timeouts of today's generation (../../approval/activity-options.ts, each with its
// reason): a killed worker's attempt is noticed by its heartbeat timeout (the worker heartbeats
// every activity), so the time bounds fit the real work — a large PDF, a slow SMTP server — and
// are never cut for a test's sake. Only the options changed (replay compares activity types and
// ids, not options): the recorded generation-1 histories still replay.
const { renderPlanDocument } = proxyActivities<Pick<PlanAcceptanceActivities, 'renderPlanDocument'>>(DOCUMENT_WORK);
const { sendEmail } = proxyActivities<Pick<PlanAcceptanceActivities, 'sendEmail'>>(MAIL_WORK);
const { recordAudit, setAssignmentState } = proxyActivities<Pick<PlanAcceptanceActivities, 'recordAudit' | 'setAssignmentState'>>(DATABASE_WORK);

const { openApprovalTasks, closeApprovalTasks } = proxyActivities<ApprovalTaskActivities>(DATABASE_WORK);

/** Patch marker: runs recorded before the approval inbox existed replay without its activities. */
const INBOX_PATCH = 'approval-inbox';
/** Patch marker: the decide Update returns once the decision is recorded, not after its effects. */
const FAST_DECISION_PATCH = 'fast-decision';

/** What the assignment becomes through a decision (the manager's approve hands over to the rep). */
function stateAfter(decision: DecisionRequest['decision']): PlanAssignmentStatus {
  return decision === 'accept' ? 'accepted' : decision === 'approve' ? 'pending_rep' : 'declined';
}

export function planAcceptanceStages(input: PlanAcceptanceInput, settings: PlanAcceptanceSettings): ApprovalStage[] {
  const deadlines = {
    reminderEveryDays: settings.reminderEveryDays,
    escalateAfterDays: settings.escalateAfterDays,
    deadlineDays: settings.expireAfterDays,
    onDeadline: 'expire' as const,
  };
  const stages: ApprovalStage[] = [];
  if (settings.managerPreApproval && input.managerId) {
    stages.push({
      id: MANAGER_STAGE_ID,
      label: 'Manager pre-approval',
      approvers: [{ kind: 'manager-of', personId: input.personId }],
      approverIds: [input.managerId],
      mode: 'any',
      decisions: ['approve', 'reject'],
      escalateToIds: input.opsIds,
      ...deadlines,
    });
  }
  stages.push({
    id: REP_STAGE_ID,
    label: 'Plan acceptance',
    approvers: [{ kind: 'person', personId: input.personId }],
    approverIds: [input.personId],
    mode: 'any',
    decisions: ['accept', 'decline'],
    escalateToIds: input.managerId ? [input.managerId] : input.opsIds,
    ...deadlines,
  });
  return stages;
}

export async function gen1PlanAcceptanceWorkflow(input: PlanAcceptanceInput): Promise<PlanAcceptanceStatus> {
  const settings: PlanAcceptanceSettings = { ...DEFAULT_PLAN_ACCEPTANCE_SETTINGS, ...input.settings };
  const { workflowId, runId } = workflowInfo();
  const subject = `plan-assignment:${input.assignmentId}`;
  const history: PlanAcceptanceHistoryEntry[] = [];
  let finalState: PlanAssignmentStatus | undefined = undefined;
  let started = false;
  let documentHash: string | undefined = undefined;
  let supersededBy: string | undefined;

  const note = (event: string, actorId?: string, detail?: string) =>
    history.push({ at: new Date().toISOString(), event, actorId, detail });

  const audit = async (
    action: string,
    dedupeKey: string,
    extra: Partial<ApprovalAuditEntry> & Pick<RecordAuditInput, 'actorRole' | 'approvalDecision'> = {},
  ) => {
    await recordAudit({
      approvalDecision: extra.approvalDecision,
      dedupeKey,
      action: `plan-assignment.${action}`,
      subject,
      workflowId,
      runId,
      actorId: extra.actorId,
      actorRole: extra.actorRole,
      comment: extra.comment,
      data: extra.data,
      occurredAt: new Date().toISOString(),
    });
  };

  const email = async (
    purposeSuffix: string,
    template: PlanEmailTemplate,
    to: EmailRecipient,
    extra: Pick<SendEmailInput, 'recipientIds' | 'data'> & { auditAsEmailed?: boolean } = {},
  ) => {
    const purpose = `plan-acceptance:${input.assignmentId}:${purposeSuffix}`;
    const { auditAsEmailed = true, ...rest } = extra;
    await sendEmail({ purpose, assignmentId: input.assignmentId, template, to, ...rest });
    if (auditAsEmailed) {
      await audit('emailed', `${subject}:emailed:${purposeSuffix}`, { data: { purpose, template, to } });
      note('emailed', undefined, `${template} to ${to}`);
    }
  };

  const toOps = { recipientIds: input.opsIds };
  const roleOf = (stageId: string) => (stageId === MANAGER_STAGE_ID ? 'manager' : 'rep');
  const visitSuffix = (visit: number) => (visit > 1 ? `:v${visit}` : '');

  const hooks = {
    async audit(entry: ApprovalAuditEntry, event: ApprovalEvent): Promise<void> {
      const decision = event.kind === 'decision' ? event.decision : undefined;
      const approverRole = roleOf(event.stage.id);
      await audit(entry.action, entry.dedupeKey, {
        actorId: entry.actorId,
        actorRole: decision ? approverRole : undefined,
        comment: entry.comment,
        data: decision && event.stage.id === REP_STAGE_ID ? { ...entry.data, documentHash } : entry.data,
        approvalDecision: decision && {
          stage: event.stage.id,
          approverId: decision.actorId,
          approverRole,
          decision: decision.decision,
          comment: decision.comment,
          idempotencyKey: stringField(decision.data, 'idempotencyKey') ?? entry.dedupeKey,
          decidedAt: decision.at,
        },
      });
      note(entry.action, entry.actorId, entry.comment);
      if (decision && patched(INBOX_PATCH)) {
        await closeApprovalTasks({ workflowId, stageId: event.stage.id, visit: event.visit, status: 'done', decision: decision.decision, decidedById: decision.actorId });
      }
    },
    async notify(event: ApprovalEvent): Promise<void> {
      const manager = event.stage.id === MANAGER_STAGE_ID;
      const suffix = `${event.stage.id}${visitSuffix(event.visit)}`;
      // planAcceptanceStages points escalation at the manager, or at ops (manager stage, no manager).
      const escalateTo: EmailRecipient = manager || !input.managerId ? 'ops' : 'manager';
      switch (event.kind) {
        case 'stage-opened':
          if (patched(INBOX_PATCH)) {
            const plan = input.planLabel ?? 'Compensation plan';
            const who = input.personName ?? 'the rep';
            await openApprovalTasks({
              subject, subjectType: 'plan-assignment', workflowId, stageId: event.stage.id, stageLabel: event.stage.label, visit: event.visit,
              approverIds: event.stage.approverIds, deadline: event.deadline,
              summary: manager ? `Pre-approve ${plan} for ${who}` : `Accept or decline ${plan}`,
              // The workflow's own emails (pre-approval request, invite with the PDF) are the notice.
              notify: false,
            });
          }
          if (manager) {
            await email(`manager-preapproval${visitSuffix(event.visit)}`, 'manager-preapproval', 'manager');
          } else {
            const { deadline } = event;
            await setAssignmentState({ assignmentId: input.assignmentId, status: 'pending_rep', nextDeadline: deadline ?? null });
            await email(`invite${visitSuffix(event.visit)}`, 'plan-invite', 'rep', { data: { deadline } });
          }
          return;
        case 'reminder':
          await email(`${suffix}:reminder:${event.reminder}`, manager ? 'manager-reminder' : 'plan-reminder', manager ? 'manager' : 'rep', {
            data: { reminder: event.reminder },
            auditAsEmailed: false,
          });
          return;
        case 'escalation':
          await email(`${suffix}:escalation`, manager ? 'manager-escalation' : 'plan-escalation', escalateTo, {
            recipientIds: event.stage.escalateToIds,
            auditAsEmailed: false,
          });
          return;
        default:
          return;
      }
    },
  };

  const run = new ApprovalRun(subject, planAcceptanceStages(input, settings), hooks, {
    codes: PLAN_ACCEPTANCE_CODES,
    request: { requesterId: input.publishedById, subjectPersonIds: [input.personId] },
  });

  const state = (): PlanAssignmentStatus =>
    finalState ?? (run.openStages.some((s) => s.id === MANAGER_STAGE_ID) ? 'pending_manager' : 'pending_rep');
  const status = (): PlanAcceptanceStatus => {
    const snap = run.snapshot();
    return {
      state: state(),
      history: [...history],
      nextDeadline: finalState ? undefined : snap.nextDeadline,
      remindersSent: snap.remindersSent,
      escalated: snap.escalated,
      documentHash,
    };
  };

  setHandler(statusQuery, status);
  setHandler(supersedeSignal, ({ byAssignmentId }) => {
    if (run.outcome || supersededBy) return;
    supersededBy = byAssignmentId;
    run.cancel();
  });
  setHandler(
    decideUpdate,
    async (request) => {
      const decision = toStageDecision(request, currentUpdateInfo()?.id);
      if (patched(FAST_DECISION_PATCH)) {
        // The decision is durable once this Update completes; the acceptance record, audit
        // event and emails follow from the workflow at once (the API answers in milliseconds).
        run.submit(decision);
        return { ...status(), state: stateAfter(request.decision), nextDeadline: undefined };
      }
      await run.decide(decision);
      // A decision that ends the routine returns the final state, not a half-written one.
      if (run.outcome) await condition(() => finalState !== undefined);
      return status();
    },
    {
      validator: (request) => {
        validateShape(request);
        if (!started) refuse(PLAN_ACCEPTANCE_CODES.notPending, 'The plan document is still being prepared.');
        run.validate(toStageDecision(request));
        if ((request.decision === 'decline' || request.decision === 'reject') && !(request.reason ?? request.comment)?.trim()) {
          refuse('VALIDATION.FAILED', `A ${request.decision} needs a reason.`, 'reason');
        }
      },
    },
  );

  /** The rep's e-signature: who, when, from where, on which document. */
  const repDecision = (d: RecordedDecision, decision: AssignmentDecision['decision']): AssignmentDecision => ({
    personId: input.personId,
    decision,
    reason: decision === 'declined' ? d.comment : undefined,
    decidedAt: d.at,
    ip: stringField(d.data, 'ip'),
    userAgent: stringField(d.data, 'userAgent'),
    documentHash: documentHash!,
  });

  const finish = async (result: ApprovalOutcome): Promise<PlanAssignmentStatus> => {
    switch (result.kind) {
      case 'approved': {
        const accepted = result.decisions.find((d) => d.stageId === REP_STAGE_ID)!;
        await setAssignmentState({
          assignmentId: input.assignmentId,
          status: 'accepted',
          decidedAt: accepted.at,
          effectiveAt: accepted.at,
          nextDeadline: null,
          decision: repDecision(accepted, 'accepted'),
        });
        return 'accepted';
      }
      case 'declined': {
        const declined = result.decision;
        await setAssignmentState({
          assignmentId: input.assignmentId,
          status: 'declined',
          decidedAt: declined.at,
          nextDeadline: null,
          decision: repDecision(declined, 'declined'),
        });
        const data = { reason: declined.comment };
        if (input.managerId) await email('declined:manager', 'plan-declined', 'manager', { data });
        await email('declined:ops', 'plan-declined', 'ops', { ...toOps, data });
        return 'declined';
      }
      case 'rejected': {
        await setAssignmentState({ assignmentId: input.assignmentId, status: 'declined', decidedAt: result.decision.at, nextDeadline: null });
        await email('rejected-by-manager:ops', 'plan-rejected-by-manager', 'ops', { ...toOps, data: { comment: result.decision.comment } });
        return 'declined';
      }
      case 'expired': {
        await setAssignmentState({ assignmentId: input.assignmentId, status: 'expired', nextDeadline: null });
        await audit('expired', `${subject}:expired`, { data: { stageId: result.stageId, expireAfterDays: settings.expireAfterDays } });
        note('expired');
        await email('expired:ops', 'plan-expired', 'ops', toOps);
        return 'expired';
      }
      case 'cancelled': {
        await setAssignmentState({ assignmentId: input.assignmentId, status: 'superseded', nextDeadline: null, supersededById: supersededBy });
        await audit('superseded', `${subject}:superseded`, { data: { byAssignmentId: supersededBy } });
        note('superseded', undefined, supersededBy ? `by assignment ${supersededBy}` : undefined);
        return 'superseded';
      }
    }
  };

  await audit('published', `${subject}:published`, { actorId: input.publishedById, actorRole: 'ops', data: { planVersionId: input.planVersionId } });
  note('published', input.publishedById);
  const document = await renderPlanDocument({ assignmentId: input.assignmentId });
  documentHash = document.sha256;
  note('document-rendered', undefined, `${document.pages} pages, sha256 ${document.sha256}`);

  started = true;
  const outcome = await run.run();
  finalState = await finish(outcome);
  if (patched(INBOX_PATCH)) await closeApprovalTasks({ workflowId, status: 'cancelled' });
  await condition(allHandlersFinished);
  return status();
}

function toStageDecision(request: DecisionRequest, updateId?: string) {
  return {
    actorId: request.actorId,
    decision: request.decision,
    comment: request.reason ?? request.comment,
    data: {
      ip: request.ip,
      userAgent: request.userAgent,
      actorRoles: request.actorRoles,
      idempotencyKey: request.idempotencyKey ?? updateId,
    },
  };
}

function validateShape(request: DecisionRequest): void {
  if (!request || typeof request.actorId !== 'string' || request.actorId.length === 0) {
    refuse('VALIDATION.FAILED', 'actorId is required.', 'actorId');
  }
  if (!['accept', 'decline', 'approve', 'reject'].includes(request.decision)) {
    refuse('VALIDATION.FAILED', 'decision must be accept, decline, approve or reject.', 'decision');
  }
}

function stringField(data: Record<string, unknown> | undefined, key: string): string | undefined {
  const value = data?.[key];
  return typeof value === 'string' ? value : undefined;
}

