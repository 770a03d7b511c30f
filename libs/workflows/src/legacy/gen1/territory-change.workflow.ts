// FROZEN: generation 1 (before the approval kernel). Replays and finishes workflows started
// before `approval-kernel` was patched in; never edit, only delete once no such run is left.
/**
 * Territory change, id `territory-change:<changeId>`.
 *
 * 1. audit `requested`; impact activity (accounts, trailing revenue, pipeline, reps, managers,
 *    suggested quota shift) over the database rows, then route with the domain's policy;
 * 2. approval stages with `ApprovalRun`: losing and gaining managers together (all must approve),
 *    ops, finance only above the threshold; reject → one stage back (from the first: back to the
 *    requester, the change ends `rejected`); inbox tasks opened and closed as it goes;
 * 3. approved → `scheduled`: a durable timer to the effective date 00:00 UTC; the requester or
 *    ops may cancel (Update `cancel`) until the apply starts;
 * 4. apply activity (idempotent by change id) → `applied`; 5. with `openQuotaAdjustment` the
 *    suggested quota adjustment is recorded (audit + result) for the quota sign-off to pick up.
 *
 * Changing this file: wrap changed steps in `patched('<id>')` so running histories replay, and
 * record new histories under `__histories__` (the replay spec replays every file there).
 */
import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  currentUpdateInfo,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { routeTerritoryChange, type ApprovalStage, type TerritoryImpact } from '@quotaflow/domain';
import { ApprovalRun, refuse, type ApprovalAuditEntry, type ApprovalEvent, type ApprovalOutcome } from './run-stages';
import { MAIL_WORK } from '../../approval/activity-options';
import type { TerritoryChangeWorkflowActivities } from './territory-change.activities';
import {
  TERRITORY_CHANGE_CODES,
  territoryCancelUpdate,
  territoryDecideUpdate,
  territoryStatusQuery,
  type TerritoryCancelRequest,
  type TerritoryChangeHistoryEntry,
  type TerritoryChangeInput,
  type TerritoryChangeStageView,
  type TerritoryChangeState,
  type TerritoryChangeStatus,
  type TerritoryDecisionRequest,
} from './territory-change.messages';

// Database work and notices (SMTP) through one proxy: the mail bound (../../approval/activity-options.ts),
// the larger of the two; a killed worker's attempt is noticed by the heartbeat timeout. Options only
// (replay compares activity types and ids): the recorded generation-1 histories still replay.
const acts = proxyActivities<TerritoryChangeWorkflowActivities>(MAIL_WORK);

const STAGE_ROLE: Record<string, string> = { 'territory-managers': 'manager', ops: 'ops', finance: 'finance' };

export function stageView(stage: ApprovalStage): TerritoryChangeStageView {
  return { id: stage.id, label: stage.label, approverIds: [...stage.approverIds], mode: stage.mode, ...(stage.step !== undefined ? { step: stage.step } : {}) };
}

export async function gen1TerritoryChangeWorkflow(input: TerritoryChangeInput): Promise<TerritoryChangeStatus> {
  const { workflowId, runId } = workflowInfo();
  const subject = `territory-change:${input.changeId}`;
  const history: TerritoryChangeHistoryEntry[] = [];
  let state: TerritoryChangeState = 'requested';
  let impact: TerritoryImpact | undefined;
  let stages: ApprovalStage[] = [];
  let run: ApprovalRun | undefined = undefined;
  let cancelRequest: (TerritoryCancelRequest & { role: string }) | undefined;
  let applying = false;
  let comment: string | undefined;
  let appliedAt: string | undefined = undefined;
  let scheduledFor: string | undefined = undefined;
  let quotaAdjustment: TerritoryChangeStatus['quotaAdjustment'];
  let finished = false;

  const now = () => new Date().toISOString();
  const note = (event: string, actorId?: string, detail?: string) => history.push({ at: now(), event, actorId, detail });
  const moving = `${input.accountIds.length} account${input.accountIds.length === 1 ? '' : 's'}`;
  const route = `${input.fromTerritoryName ?? input.fromTerritoryId} → ${input.toTerritoryName ?? input.toTerritoryId}`;
  const link = `/api/v1/territory-changes/${input.changeId}`;

  const audit = async (action: string, key: string, extra: Omit<Partial<Parameters<typeof acts.recordAudit>[0]>, 'action'> = {}) => {
    await acts.recordAudit({ ...extra, dedupeKey: `${subject}:${key}`, action: `territory-change.${action}`, subject, workflowId, runId, occurredAt: now() });
  };
  const setState = async (next: TerritoryChangeState, extra: Omit<Parameters<typeof acts.setTerritoryChangeState>[0], 'changeId' | 'status'> = {}) => {
    state = next;
    await acts.setTerritoryChangeState({ changeId: input.changeId, status: next, ...extra });
  };
  const notice = async (key: string, recipientIds: string[], title: string, text: string) => {
    const unique = [...new Set(recipientIds)];
    if (unique.length > 0) await acts.sendNotice({ purpose: `${workflowId}:${key}`, recipientIds: unique, subject: title, text, link });
  };

  const status = (): TerritoryChangeStatus => {
    const snap = run?.snapshot();
    const nextDeadline = state === 'scheduled' ? scheduledFor : state === 'in_review' ? snap?.nextDeadline : undefined;
    return {
      state,
      effectiveDate: input.effectiveDate,
      ...(impact ? { impact } : {}),
      stages: stages.map(stageView),
      openStageIds: state === 'in_review' && run ? run.openStages.map((s) => s.id) : [],
      decisions: (snap?.decisions ?? []).map((d) => ({ stageId: d.stageId, actorId: d.actorId, decision: d.decision, comment: d.comment, at: d.at, visit: d.visit })),
      ...(nextDeadline ? { nextDeadline } : {}),
      ...(comment !== undefined ? { comment } : {}),
      ...(appliedAt ? { appliedAt } : {}),
      ...(cancelRequest && state === 'cancelled' ? { cancelledById: cancelRequest.actorId } : {}),
      ...(quotaAdjustment ? { quotaAdjustment } : {}),
      history: [...history],
    };
  };

  const hooks = {
    async audit(entry: ApprovalAuditEntry, event: ApprovalEvent): Promise<void> {
      const decision = event.kind === 'decision' ? event.decision : undefined;
      const role = STAGE_ROLE[event.stage.id] ?? event.stage.id;
      await acts.recordAudit({
        dedupeKey: entry.dedupeKey,
        action: `territory-change.${entry.action}`,
        subject,
        workflowId,
        runId,
        actorId: entry.actorId,
        actorRole: decision ? role : undefined,
        comment: entry.comment,
        data: entry.data,
        occurredAt: now(),
        approvalDecision: decision && {
          stage: event.stage.id,
          approverId: decision.actorId,
          approverRole: role,
          decision: decision.decision,
          comment: decision.comment,
          idempotencyKey: typeof decision.data?.idempotencyKey === 'string' ? decision.data.idempotencyKey : entry.dedupeKey,
          decidedAt: decision.at,
        },
      });
      note(entry.action, entry.actorId, entry.comment);
      if (!decision) return;
      const own = { workflowId, stageId: event.stage.id, visit: event.visit, decision: decision.decision, decidedById: decision.actorId };
      if (decision.decision === 'reject') {
        // The rejecting approver's task is done; the others of that visit have nothing left to decide.
        await acts.closeApprovalTasks({ ...own, approverId: decision.actorId, status: 'done' });
        await acts.closeApprovalTasks({ workflowId, stageId: event.stage.id, visit: event.visit, status: 'cancelled' });
      } else if (event.stage.mode === 'any') {
        await acts.closeApprovalTasks({ ...own, status: 'done' });
      } else {
        await acts.closeApprovalTasks({ ...own, approverId: decision.actorId, status: 'done' });
      }
    },
    async notify(event: ApprovalEvent): Promise<void> {
      const { stage, visit } = event;
      switch (event.kind) {
        case 'stage-opened':
          await acts.openApprovalTasks({
            subject,
            subjectType: 'territory-change',
            workflowId,
            stageId: stage.id,
            stageLabel: stage.label,
            visit,
            approverIds: stage.approverIds,
            // `deadline` is set by ApprovalRun for stages with a deadline (none in the default territory route).
            ...((event as { deadline?: string }).deadline ? { deadline: (event as { deadline?: string }).deadline } : {}),
            summary: `Territory change ${route}: ${moving}, revenue moved ${impact?.revenueMoved ?? '?'}, effective ${input.effectiveDate}`,
          });
          note('stage-opened', undefined, `${stage.id}:${visit}`);
          return;
        case 'returned':
          await notice(`${stage.id}:${visit}:returned`, stage.approverIds, `Territory change ${route} returned to you`,
            `The territory change ${route} was rejected at "${event.from?.label ?? 'a later stage'}" and comes back to you: ${event.decision?.comment ?? ''}`);
          return;
        case 'reminder':
          await notice(`${stage.id}:${visit}:reminder:${event.reminder ?? 0}`, stage.approverIds, `Reminder: territory change ${route}`,
            `The territory change ${route} still waits for your decision (${stage.label}).`);
          return;
        case 'escalation':
          await notice(`${stage.id}:${visit}:escalation`, stage.escalateToIds, `Escalation: territory change ${route}`,
            `The territory change ${route} has waited ${stage.escalateAfterDays ?? '?'} days for ${stage.label}.`);
          return;
        default:
          return;
      }
    },
  };

  setHandler(territoryStatusQuery, status);

  const refuseUnlessPending = () => {
    if (applying || state === 'applied') refuse(TERRITORY_CHANGE_CODES.alreadyApplied, 'This territory change has already been applied.');
    if (state === 'cancelled' || cancelRequest) refuse(TERRITORY_CHANGE_CODES.alreadyCancelled, 'This territory change has been cancelled.');
    if (state === 'rejected') refuse(TERRITORY_CHANGE_CODES.notPending, 'This territory change was returned to the requester.');
  };

  setHandler(
    territoryDecideUpdate,
    async (request) => {
      await run!.decide(toStageDecision(request, currentUpdateInfo()?.id));
      if (run!.outcome) await condition(() => state !== 'in_review');
      return status();
    },
    {
      validator: (request) => {
        validateActor(request);
        if (request.decision !== 'approve' && request.decision !== 'reject') refuse('VALIDATION.FAILED', 'decision must be approve or reject.', 'decision');
        refuseUnlessPending();
        if (!run || state !== 'in_review') refuse(TERRITORY_CHANGE_CODES.notPending, 'This territory change is not in review.');
        // Separation of duties first, so the reason is the real one (the requester is no approver at all).
        if (request.actorId === input.requesterId) refuse('AUTH.SELF_DECISION', 'You requested this change; others decide on it.', 'actorId');
        if (impact?.repsAffected.includes(request.actorId)) refuse('AUTH.SELF_DECISION', 'This change moves your own accounts; others decide on it.', 'actorId');
        if (request.stageId !== undefined && !run.openStages.some((s) => s.id === request.stageId)) {
          refuse('APPROVAL.WRONG_STAGE', `Stage ${request.stageId} is not open for decisions.`, 'stageId');
        }
        run.validate(toStageDecision(request));
        if (request.decision === 'reject' && !(request.comment ?? request.reason)?.trim()) {
          refuse('VALIDATION.FAILED', 'A rejection needs a comment.', 'comment');
        }
      },
    },
  );

  setHandler(
    territoryCancelUpdate,
    async (request) => {
      cancelRequest = { ...request, role: request.actorId === input.requesterId ? (input.requesterRole ?? 'requester') : 'ops' };
      run?.cancel();
      // A rejection processed just before the cancel ends the change without it.
      await condition(() => state === 'cancelled' || finished);
      return status();
    },
    {
      validator: (request) => {
        validateActor(request);
        if (request.actorId !== input.requesterId && !request.actorRoles?.includes('ops')) {
          refuse('AUTH.FORBIDDEN', 'Only the requester or sales operations may cancel a territory change.', 'actorId');
        }
        refuseUnlessPending();
      },
    },
  );

  const cancel = async (): Promise<void> => {
    const by = cancelRequest!;
    await setState('cancelled', { cancelledById: by.actorId, cancelledAt: now(), nextDeadline: null });
    await audit('cancelled', 'cancelled', { actorId: by.actorId, actorRole: by.role, comment: by.comment });
    note('cancelled', by.actorId, by.comment);
    if (by.actorId !== input.requesterId) {
      await notice('cancelled', [input.requesterId], `Territory change ${route} cancelled`, `Sales operations cancelled the territory change ${route}. ${by.comment ?? ''}`);
    }
  };

  const end = async (): Promise<TerritoryChangeStatus> => {
    finished = true;
    await acts.closeApprovalTasks({ workflowId, status: 'cancelled' });
    await condition(allHandlersFinished);
    return status();
  };

  const returnToRequester = async (why: string, key: string, data?: Record<string, unknown>): Promise<void> => {
    comment = why;
    await setState('rejected', { comment: why, decidedAt: now(), nextDeadline: null });
    await audit('returned-to-requester', key, { comment: why, data });
    note('returned-to-requester', undefined, why);
    await notice(key, [input.requesterId], `Territory change ${route} returned`, `Your territory change ${route} came back to you: ${why}`);
  };

  // 1. Impact and routing.
  await audit('requested', 'requested', {
    actorId: input.requesterId,
    actorRole: input.requesterRole,
    comment: input.reason,
    data: { fromTerritoryId: input.fromTerritoryId, toTerritoryId: input.toTerritoryId, accountIds: input.accountIds, effectiveDate: input.effectiveDate, financeThreshold: input.financeThreshold ?? null },
  });
  note('requested', input.requesterId, input.reason);
  try {
    const computed = await acts.computeTerritoryChangeImpact({ changeId: input.changeId, asOf: now().slice(0, 10) });
    impact = computed.impact;
    stages = routeTerritoryChange(
      {
        subject,
        requesterId: input.requesterId,
        subjectPersonIds: impact.repsAffected,
        losingTerritoryIds: impact.losingTerritoryIds,
        gainingTerritoryIds: impact.gainingTerritoryIds,
        impact: { revenueMoved: impact.revenueMoved, pipelineMoved: impact.pipelineMoved },
        ...(input.financeThreshold !== undefined ? { thresholds: { financeAbove: input.financeThreshold } } : {}),
      },
      computed.organisation,
    );
  } catch (e) {
    const failure = e instanceof ActivityFailure ? e.cause : e;
    const code = failure instanceof ApplicationFailure ? failure.type : (failure as { code?: string }).code;
    if (!code) throw e;
    await returnToRequester(`${code}: ${(failure as Error).message}`, 'not-routed', { code, details: (failure as { details?: unknown }).details ?? null });
    return end();
  }
  await audit('impact-computed', 'impact', { data: { ...impact } });
  await audit('routed', 'routed', { data: { stages: stages.map(stageView) } });
  note('routed', undefined, stages.map((s) => s.id).join(' → '));
  if (cancelRequest) {
    await cancel();
    return end();
  }

  // 2. Approval stages.
  run = new ApprovalRun(subject, stages, hooks, { request: { requesterId: input.requesterId, subjectPersonIds: impact.repsAffected } });
  await setState('in_review', { impact, stages: stages.map(stageView) });
  const outcome: ApprovalOutcome = await run.run();
  if (outcome.kind === 'cancelled') {
    await cancel();
    return end();
  }
  if (outcome.kind !== 'approved') {
    const decision = outcome.kind === 'rejected' || outcome.kind === 'declined' ? outcome.decision : undefined;
    await returnToRequester(decision?.comment ?? `ended ${outcome.kind}`, 'returned', { stageId: decision?.stageId, actorId: decision?.actorId });
    return end();
  }

  // 3. Approved: wait durably for the effective date, cancellable until then.
  await setState('approved', { decidedAt: now(), nextDeadline: null });
  await audit('approval-complete', 'approval-complete', { data: { stages: stages.map((s) => s.id) } });
  note('approval-complete');
  await acts.closeApprovalTasks({ workflowId, status: 'cancelled' });
  const effectiveAt = Date.parse(`${input.effectiveDate}T00:00:00.000Z`);
  scheduledFor = new Date(effectiveAt).toISOString();
  await setState('scheduled', { nextDeadline: scheduledFor });
  await audit('scheduled', 'scheduled', { data: { effectiveAt: scheduledFor } });
  note('scheduled', undefined, scheduledFor);
  // Workflow time: deterministic on replay.
  const wait = effectiveAt - new Date().getTime();
  if (wait > 0) await condition(() => cancelRequest !== undefined, wait);
  if (cancelRequest) {
    await cancel();
    return end();
  }

  // 4. Apply (from here on, no cancel).
  applying = true;
  const applied = await acts.applyTerritoryChange({ changeId: input.changeId, appliedAt: now() });
  appliedAt = now();
  state = 'applied';
  await audit('applied', 'applied', { data: { effectiveDate: input.effectiveDate, accountsMoved: applied.accountsMoved, alreadyApplied: applied.alreadyApplied } });
  note('applied', undefined, `${applied.accountsMoved} accounts`);
  await notice('applied', [input.requesterId, ...impact.managersAffected], `Territory change ${route} applied`,
    `From ${input.effectiveDate}, ${moving} belong to ${input.toTerritoryName ?? input.toTerritoryId}; their credits go to the new owner.`);

  // 5. The suggested quota adjustment, for the quota sign-off (a separate process) to pick up.
  if (input.openQuotaAdjustment) {
    quotaAdjustment = { suggested: impact.quotaAdjustments };
    await audit('quota-adjustment-suggested', 'quota-adjustment', { data: { adjustments: impact.quotaAdjustments } });
    note('quota-adjustment-suggested', undefined, impact.quotaAdjustments.map((q) => `${q.personId} ${q.suggestedChange}`).join(', '));
  }
  return end();
}

function validateActor(request: { actorId?: unknown; actorRoles?: unknown } | undefined): void {
  if (!request || typeof request.actorId !== 'string' || request.actorId.length === 0) refuse('VALIDATION.FAILED', 'actorId is required.', 'actorId');
  if (!Array.isArray(request.actorRoles)) refuse('VALIDATION.FAILED', 'actorRoles is required.', 'actorRoles');
}

function toStageDecision(request: TerritoryDecisionRequest, updateId?: string) {
  return {
    actorId: request.actorId,
    decision: request.decision,
    comment: request.comment ?? request.reason,
    data: { actorRoles: request.actorRoles, ip: request.ip, userAgent: request.userAgent, idempotencyKey: request.idempotencyKey ?? updateId },
  };
}
