// FROZEN: generation 1 (before the approval kernel). Replays and finishes workflows started
// before `approval-kernel` was patched in; never edit, only delete once no such run is left.
/**
 * Quota sign-off, id `quota-signoff:<quotaSetId>` (a mid-period change of a locked set:
 * `quota-signoff:<quotaSetId>:v<version>`, a new workflow, so each locked version has its own history).
 *
 * 1. route the stages with the domain's `routeQuotaSignoff` (requester and subjects excluded):
 *    `team:<teamId>` for every team in parallel → `finance` → `acknowledge:<personId>` per rep;
 * 2. run them with `ApprovalRun`; Update `decide` (approve/reject/acknowledge), Update `adjust`
 *    (a team's manager moves quota inside the team during their stage: a new version);
 * 3. a reject steps back one step; from the first step the set returns to ops, who sends a new
 *    version through Update `revise` (a new round, same workflow);
 * 4. acknowledgements past their deadline: the manager is told, the set locks anyway, flagged;
 * 5. lock (activity): the version is in force for the period and immutable.
 * Every step is audited under `quota-set:<id>` with a dedupe key based on the workflow id.
 */
import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  currentUpdateInfo,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import {
  applyManagerAdjustment,
  isDomainError,
  reviewQuotaSet,
  routeQuotaSignoff,
  validateQuotaSet,
  type Organisation,
  type QuotaReview,
  type QuotaSet,
} from '@quotaflow/domain';
import { ApprovalRun, refuse, type ApprovalAuditEntry, type ApprovalEvent, type ApprovalOutcome, type StageDecisionInput } from './run-stages';
import { DATABASE_WORK, MAIL_WORK } from '../../approval/activity-options';
import type { ApprovalTaskActivities } from './task-activities';
import type { ApprovalStage } from './approval-types';
import type { ApprovalDecisionRecord, PlanAcceptanceActivities } from './plan-acceptance.activities';
import type { QuotaSetState, QuotaSignoffActivities, QuotaVersionReason } from './quota-signoff.activities';
import {
  DEFAULT_CHANGE_PERCENT_FLAG,
  quotaAdjustUpdate,
  quotaDecideUpdate,
  quotaReviseUpdate,
  quotaStatusQuery,
  type QuotaDecisionRequest,
  type QuotaHistoryEntry,
  type QuotaSignoffInput,
  type QuotaSignoffStatus,
  type QuotaStageStatus,
} from './quota-signoff.messages';

// Today's production timeouts (../../approval/activity-options.ts, each with its reason): database
// work, and the mail bound for what sends notices (task emails, lock notices to a whole team).
// Options only (replay compares activity types and ids): the generation-1 histories still replay.
const { recordAudit } = proxyActivities<Pick<PlanAcceptanceActivities, 'recordAudit'>>(DATABASE_WORK);
const { openApprovalTasks, closeApprovalTasks, sendNotice } = proxyActivities<ApprovalTaskActivities>(MAIL_WORK);
const quota = proxyActivities<QuotaSignoffActivities>(MAIL_WORK);

const DAY_MS = 24 * 60 * 60 * 1000;

export function approverRoleOf(stageId: string): 'manager' | 'finance' | 'rep' {
  if (stageId.startsWith('team:')) return 'manager';
  if (stageId.startsWith('acknowledge:')) return 'rep';
  return 'finance';
}

/** The stages of one round; a routing refusal (nobody may sign a stage) becomes its stable code. */
function route(set: QuotaSet, requesterId: string, org: Organisation, subject: string): ApprovalStage[] {
  try {
    return routeQuotaSignoff(
      {
        subject,
        requesterId,
        subjectPersonIds: set.quotas.map((q) => q.personId),
        subjectTeamIds: set.teams.map((t) => t.teamId),
      },
      org,
    );
  } catch (e) {
    if (isDomainError(e)) {
      throw ApplicationFailure.create({ type: e.code, message: e.message, nonRetryable: true, details: [e.details] });
    }
    throw e;
  }
}

/** A domain refusal inside a validator: the same code as an ApplicationFailure, field in details. */
function refuseDomain(e: unknown): never {
  if (isDomainError(e)) {
    const field = (e.details as { field?: string } | undefined)?.field;
    refuse(e.code, e.message, field);
  }
  throw e;
}

export async function gen1QuotaSignoffWorkflow(input: QuotaSignoffInput): Promise<QuotaSignoffStatus> {
  const { workflowId, runId } = workflowInfo();
  const subject = `quota-set:${input.quotaSetId}`;
  const maxChangePercent = input.changePercentFlag ?? DEFAULT_CHANGE_PERCENT_FLAG;
  let set: QuotaSet = input.set;
  let version = input.version;
  let previous = input.previous;
  let org = input.org;
  let requesterId = input.requesterId;
  let state: QuotaSetState | 'failed' = 'in_review';
  let round = 0;
  let run: ApprovalRun | undefined;
  let stages: ApprovalStage[] = [];
  let flagged = false;
  let flaggedStageIds: string[] = [];
  let returned: QuotaSignoffStatus['returned'];
  let revisionSaved = false;
  const history: QuotaHistoryEntry[] = [];
  // Inbox rows are unique per (workflow, stage, visit, approver): later rounds continue the count.
  const visitBase = new Map<string, number>();
  const visitsThisRound = new Map<string, number>();
  const taskVisit = (stageId: string, visit: number) => {
    visitsThisRound.set(stageId, Math.max(visitsThisRound.get(stageId) ?? 0, visit));
    return (visitBase.get(stageId) ?? 0) + visit;
  };

  const now = () => new Date().toISOString();
  const note = (event: string, extra: Omit<QuotaHistoryEntry, 'at' | 'event'> = {}) => history.push({ at: now(), event, version, ...extra });
  const subjectPersonIds = () => set.quotas.map((q) => q.personId);
  const review = (): QuotaReview => reviewQuotaSet(set, { previous, maxChangePercent });

  const audit = async (
    action: string,
    dedupeKey: string,
    extra: { actorId?: string; actorRole?: string; comment?: string; data?: Record<string, unknown>; approvalDecision?: ApprovalDecisionRecord } = {},
  ) => {
    await recordAudit({
      dedupeKey,
      action: `quota-set.${action}`,
      subject,
      workflowId,
      runId,
      actorId: extra.actorId,
      actorRole: extra.actorRole,
      comment: extra.comment,
      data: { version, round, ...extra.data },
      occurredAt: now(),
      approvalDecision: extra.approvalDecision,
    });
  };

  /** A plain notice (reminder, escalation, overdue, returned, locked), sent once per purpose. */
  const email = async (suffix: string, recipientIds: string[], subjectLine: string, text: string) => {
    if (recipientIds.length === 0) return;
    await sendNotice({
      purpose: `${workflowId}:${suffix}`,
      recipientIds,
      subject: `Quota set ${input.periodId}: ${subjectLine}`,
      text,
      link: `/api/v1/quota-sets/${input.quotaSetId}`,
    });
  };

  const summaryOf = (stage: ApprovalStage, rejection?: { comment?: string; by: string }) => {
    const base = `Quota set ${input.periodId} v${version}: ${stage.label}`;
    let extra = '';
    if (stage.id === 'finance') {
      const r = review();
      const changed = r.repChanges.filter((c) => c.flagged).length;
      const flags = [
        r.shortfallFlag ? `short of the company target by ${r.shortfall}` : undefined,
        changed > 0 ? `${changed} rep quota(s) changed more than ${maxChangePercent}% from last period` : undefined,
      ].filter((x) => x !== undefined);
      extra = ` (total ${r.companyTotal} vs target ${r.companyTarget}${flags.length > 0 ? `; flags: ${flags.join('; ')}` : ''})`;
    }
    const back = rejection ? ` — returned by ${rejection.by}${rejection.comment ? `: ${rejection.comment}` : ''}` : '';
    return `${base}${extra}${back}`;
  };

  // ApprovalRun drains decisions between hook calls; one arriving while a hook runs (e.g. the
  // step just moved back) could be filed under the old step. Decisions wait for the hooks.
  let hooksBusy = 0;
  const busy = async (fn: () => Promise<void>) => {
    hooksBusy += 1;
    try {
      await fn();
    } finally {
      hooksBusy -= 1;
    }
  };

  const steps = {
    async audit(entry: ApprovalAuditEntry, event: ApprovalEvent): Promise<void> {
      const decision = event.kind === 'decision' ? event.decision : undefined;
      const role = approverRoleOf(event.stage.id);
      if (decision?.decision === 'acknowledge') {
        await quota.acknowledgeQuota({ quotaSetId: input.quotaSetId, version, personId: decision.actorId, acknowledgedAt: decision.at });
      }
      await audit(entry.action, entry.dedupeKey, {
        actorId: entry.actorId,
        actorRole: decision ? role : undefined,
        comment: entry.comment,
        data: event.stage.id === 'finance' && decision ? { ...entry.data, review: review() } : entry.data,
        approvalDecision:
          decision && decision.decision !== 'acknowledge'
            ? {
                stage: event.stage.id,
                approverId: decision.actorId,
                approverRole: role,
                decision: decision.decision,
                comment: decision.comment,
                idempotencyKey: stringField(decision.data, 'idempotencyKey') ?? entry.dedupeKey,
                decidedAt: decision.at,
              }
            : undefined,
      });
      if (decision) {
        note(entry.action, { actorId: decision.actorId, stageId: event.stage.id, comment: decision.comment });
        await closeApprovalTasks({
          workflowId,
          stageId: event.stage.id,
          visit: taskVisit(event.stage.id, event.visit),
          ...(event.stage.mode === 'all' ? { approverId: decision.actorId } : {}),
          status: 'done',
          decision: decision.decision,
          decidedById: decision.actorId,
        });
      } else {
        note(entry.action, { stageId: event.stage.id });
      }
    },
    async notify(event: ApprovalEvent): Promise<void> {
      const { stage } = event;
      const visit = taskVisit(stage.id, event.visit);
      const suffix = `r${round}:${stage.id}:${event.visit}`;
      switch (event.kind) {
        case 'returned':
        case 'stage-opened': {
          const rejection =
            event.kind === 'returned' && event.decision ? { comment: event.decision.comment, by: event.from?.label ?? 'the next stage' } : undefined;
          await openApprovalTasks({
            subject,
            subjectType: 'quota-set',
            workflowId,
            stageId: stage.id,
            stageLabel: stage.label,
            visit,
            approverIds: stage.approverIds,
            ...(stage.deadlineDays !== undefined ? { deadline: new Date(Date.parse(event.at) + stage.deadlineDays * DAY_MS).toISOString() } : {}),
            summary: summaryOf(stage, rejection),
          });
          return;
        }
        case 'reminder':
          await email(`${suffix}:reminder:${event.reminder}`, stage.approverIds, `reminder ${event.reminder ?? ''} — ${stage.label}`,
            `${summaryOf(stage)} still waits for you (reminder ${event.reminder ?? ''}).`);
          return;
        case 'escalation':
          await email(`${suffix}:escalation`, stage.escalateToIds, `overdue — ${stage.label}`,
            `${summaryOf(stage)} is overdue (${stage.escalateAfterDays ?? 0} days without a decision); please follow up.`);
          return;
        case 'deadline':
          if (stage.onDeadline === 'proceed-flagged') {
            await closeApprovalTasks({ workflowId, stageId: stage.id, visit, status: 'cancelled' });
            await email(`${suffix}:deadline`, stage.escalateToIds, `not acknowledged — ${stage.label}`,
              `${stage.label}: the deadline passed without an acknowledgement. The quota set locks anyway and is flagged.`);
            note('acknowledgement-overdue', { stageId: stage.id });
          }
          return;
        default:
          return;
      }
    },
  };

  const hooks = {
    audit: (entry: ApprovalAuditEntry, event: ApprovalEvent) => busy(() => steps.audit(entry, event)),
    notify: (event: ApprovalEvent) => busy(() => steps.notify(event)),
  };

  const stageStatus = (): QuotaStageStatus[] => {
    const open = new Set((run?.openStages ?? []).map((s) => s.id));
    const current = run?.snapshot();
    const decided = new Set((current?.decisions ?? []).filter((d) => d.decision !== 'reject').map((d) => d.stageId));
    return stages.map((s) => ({
      id: s.id,
      label: s.label,
      step: s.step ?? 0,
      approverIds: s.approverIds,
      state: flaggedStageIds.includes(s.id)
        ? 'flagged'
        : open.has(s.id)
          ? 'open'
          : decided.has(s.id) || state === 'locked'
            ? 'done'
            : 'waiting',
    }));
  };

  const status = (): QuotaSignoffStatus => {
    const snap = run?.snapshot();
    return {
      state,
      version,
      round,
      stages: stageStatus(),
      openStageIds: state === 'in_review' ? (snap?.openStageIds ?? []) : [],
      review: review(),
      flagged,
      flaggedStageIds,
      ...(returned ? { returned } : {}),
      ...(state === 'in_review' && snap?.nextDeadline ? { nextDeadline: snap.nextDeadline } : {}),
      history: [...history],
    };
  };

  const toStageDecision = (request: QuotaDecisionRequest, updateId?: string): StageDecisionInput => ({
    actorId: request.actorId,
    decision: request.decision,
    comment: request.comment ?? request.reason,
    data: { actorRoles: request.actorRoles, ip: request.ip, userAgent: request.userAgent, idempotencyKey: request.idempotencyKey ?? updateId },
  });

  setHandler(quotaStatusQuery, status);

  setHandler(
    quotaDecideUpdate,
    async (request) => {
      await condition(() => hooksBusy === 0);
      const current = run!;
      await current.decide(toStageDecision(request, currentUpdateInfo()?.id));
      // A decision that ends the round answers with what followed (locked or returned).
      if (current.outcome) await condition(() => state !== 'in_review' || run !== current);
      return status();
    },
    {
      validator: (request) => {
        if (!request || typeof request.actorId !== 'string' || request.actorId.length === 0) refuse('VALIDATION.FAILED', 'actorId is required.', 'actorId');
        if (!['approve', 'reject', 'acknowledge'].includes(request.decision)) {
          refuse('VALIDATION.FAILED', 'decision must be approve, reject or acknowledge.', 'decision');
        }
        if (!run || state !== 'in_review') refuse('APPROVAL.NOT_PENDING', `The quota set is ${state}, not in review.`);
        // Separation of duties first, with its own codes: the requester and the people the set is about.
        if (request.actorId === requesterId) refuse('AUTH.SELF_DECISION', 'You submitted this quota set; others sign it off.', 'actorId');
        if (request.decision !== 'acknowledge' && subjectPersonIds().includes(request.actorId)) {
          refuse('AUTH.SELF_DECISION', 'Nobody approves a quota set that sets their own quota.', 'actorId');
        }
        run.validate(toStageDecision(request));
        if (request.stageId !== undefined && !run.openStages.some((s) => s.id === request.stageId && s.approverIds.includes(request.actorId))) {
          refuse('APPROVAL.WRONG_STAGE', `Stage '${request.stageId}' is not waiting for you.`, 'stageId');
        }
        if (request.decision === 'reject' && !(request.comment ?? request.reason)?.trim()) {
          refuse('VALIDATION.FAILED', 'A rejection needs a comment.', 'comment');
        }
      },
    },
  );

  setHandler(
    quotaAdjustUpdate,
    async (request) => {
      // Applied synchronously, so a second adjustment validates against this one.
      const before = set.quotas.filter((q) => q.teamId === request.teamId).map((q) => ({ personId: q.personId, amount: q.amount }));
      set = applyManagerAdjustment(set, { teamId: request.teamId, managerId: request.actorId, changes: request.changes });
      version += 1;
      const saved = version;
      note('adjusted', { actorId: request.actorId, stageId: `team:${request.teamId}`, comment: request.comment });
      await saveVersion('manager-adjustment', request.actorId, saved, set, request.comment);
      await audit('adjusted', `${workflowId}:adjusted:v${saved}`, {
        actorId: request.actorId,
        actorRole: 'manager',
        comment: request.comment,
        data: { version: saved, teamId: request.teamId, before, changes: request.changes },
      });
      return status();
    },
    {
      validator: (request) => {
        if (!request || typeof request.actorId !== 'string' || request.actorId.length === 0) refuse('VALIDATION.FAILED', 'actorId is required.', 'actorId');
        if (typeof request.teamId !== 'string' || request.teamId.length === 0) refuse('VALIDATION.FAILED', 'teamId is required.', 'teamId');
        if (!Array.isArray(request.changes) || request.changes.length === 0) refuse('VALIDATION.FAILED', 'changes must list at least one rep.', 'changes');
        if (typeof request.comment !== 'string' || request.comment.trim() === '') refuse('VALIDATION.FAILED', 'An adjustment needs a comment.', 'comment');
        if (!run || state !== 'in_review') refuse('APPROVAL.NOT_PENDING', `The quota set is ${state}, not in review.`);
        const stageId = `team:${request.teamId}`;
        const stage = stages.find((s) => s.id === stageId);
        if (!stage || !stage.approverIds.includes(request.actorId)) {
          refuse('AUTH.NOT_AN_APPROVER', `Only the manager signing off team ${request.teamId} may adjust its split.`, 'actorId');
        }
        if (!run.openStages.some((s) => s.id === stageId)) {
          refuse('APPROVAL.WRONG_STAGE', `Team ${request.teamId}'s stage is not open: adjustments happen during it.`, 'teamId');
        }
        try {
          applyManagerAdjustment(set, { teamId: request.teamId, managerId: request.actorId, changes: request.changes });
        } catch (e) {
          refuseDomain(e);
        }
      },
    },
  );

  setHandler(
    quotaReviseUpdate,
    async (request) => {
      set = request.set;
      previous = request.previous ?? previous;
      org = request.org ?? org;
      requesterId = request.actorId;
      version += 1;
      const saved = version;
      returned = undefined;
      state = 'in_review';
      note('revised', { actorId: request.actorId, comment: request.comment });
      await saveVersion('revision', request.actorId, saved, set, request.comment);
      await audit('revised', `${workflowId}:revised:v${saved}`, { actorId: request.actorId, actorRole: 'ops', comment: request.comment, data: { version: saved } });
      revisionSaved = true;
      return status();
    },
    {
      validator: (request) => {
        if (!request || typeof request.actorId !== 'string' || request.actorId.length === 0) refuse('VALIDATION.FAILED', 'actorId is required.', 'actorId');
        if (!request.actorRoles?.includes('ops')) refuse('AUTH.FORBIDDEN', 'Sales operations revise a returned quota set.', 'actorId');
        if (state !== 'returned') refuse('QUOTA_SET.NOT_PENDING', `The quota set is ${state}; only a returned set takes a revision.`);
        try {
          validateQuotaSet(request.set);
        } catch (e) {
          refuseDomain(e);
        }
        // The new round must be routable (someone eligible for every stage).
        try {
          routeQuotaSignoff(
            { subject, requesterId: request.actorId, subjectPersonIds: request.set.quotas.map((q: { personId: string }) => q.personId), subjectTeamIds: request.set.teams.map((t: { teamId: string }) => t.teamId) },
            request.org ?? org,
          );
        } catch (e) {
          refuseDomain(e);
        }
      },
    },
  );

  async function saveVersion(reason: QuotaVersionReason, createdById: string, v: number, s: QuotaSet, comment?: string): Promise<void> {
    await quota.saveQuotaVersion({
      quotaSetId: input.quotaSetId,
      version: v,
      reason,
      createdById,
      comment,
      createdAt: now(),
      companyTarget: s.companyTarget,
      teams: s.teams,
      quotas: s.quotas,
      previous,
    });
  }

  await audit(input.midPeriod ? 'change-submitted' : 'submitted', `${workflowId}:submitted`, {
    actorId: input.requesterId,
    actorRole: 'ops',
    data: { periodId: input.periodId, review: review() },
  });
  note(input.midPeriod ? 'change-submitted' : 'submitted', { actorId: input.requesterId });

  let outcome: ApprovalOutcome;
  for (;;) {
    round += 1;
    visitsThisRound.clear();
    stages = route(set, requesterId, org, subject);
    run = new ApprovalRun(`${workflowId}:r${round}`, stages, hooks, { request: { requesterId, subjectPersonIds: subjectPersonIds() } });
    await quota.setQuotaSetState({ quotaSetId: input.quotaSetId, status: 'in_review', currentVersion: version, workflowId });
    outcome = await run.run();
    for (const [stageId, visits] of visitsThisRound) visitBase.set(stageId, (visitBase.get(stageId) ?? 0) + visits);
    await closeApprovalTasks({ workflowId, status: 'cancelled' });
    if (outcome.kind !== 'rejected') break;

    // Rejected at the first step: back to ops with the comment; a revision opens the next round.
    const rejected = outcome.decision;
    state = 'returned';
    returned = { byId: rejected.actorId, stageId: rejected.stageId, comment: rejected.comment, at: rejected.at };
    revisionSaved = false;
    await quota.setQuotaSetState({ quotaSetId: input.quotaSetId, status: 'returned', currentVersion: version, workflowId });
    await audit('returned', `${workflowId}:r${round}:returned`, { actorId: rejected.actorId, comment: rejected.comment, data: { stageId: rejected.stageId } });
    note('returned', { actorId: rejected.actorId, stageId: rejected.stageId, comment: rejected.comment });
    const by = stages.find((s) => s.id === rejected.stageId)?.label ?? rejected.stageId;
    await email(`r${round}:returned`, [requesterId], `returned — ${by}`,
      `Version ${version} of the quota set was rejected (${by}): ${rejected.comment ?? ''}\nRevise it to send a new version through sign-off.`);
    await condition(() => revisionSaved);
  }

  if (outcome.kind === 'approved') {
    flaggedStageIds = outcome.flaggedStageIds;
    flagged = flaggedStageIds.length > 0;
    const lockedAt = now();
    await quota.lockQuotaSet({ quotaSetId: input.quotaSetId, version, flagged, lockedAt, workflowId });
    state = 'locked';
    await audit('locked', `${workflowId}:locked`, { data: { flagged, flaggedStageIds, lockedAt } });
    note('locked');
    await email('locked', [requesterId, ...subjectPersonIds()], `locked${flagged ? ' (flagged)' : ''}`,
      `Version ${version} of the quota set for ${input.periodId} is locked and in force.` +
        (flagged ? ' Some reps did not acknowledge their quota by the deadline; the set is flagged.' : ''));
  } else {
    // Quota stages neither expire nor take a decline; kept explicit should the policy change.
    state = 'failed';
    await audit('ended', `${workflowId}:ended:${outcome.kind}`, { data: { outcome: outcome.kind } });
    note(`ended-${outcome.kind}`);
  }
  await condition(allHandlersFinished);
  return status();
}

function stringField(data: Record<string, unknown> | undefined, key: string): string | undefined {
  const value = data?.[key];
  return typeof value === 'string' ? value : undefined;
}
