// The approval policy resolver: binds a route's stage templates to one request and one
// organisation snapshot and applies separation of duties. The routes are data (policy.data.ts).
import { DomainError } from '../errors';
import { decAbs, decCmp, isDecimalString } from '../quota/decimal';
import { OrgIndex } from './organisation';
import { DEFAULT_APPROVAL_POLICY } from './policy.data';
import type { ApprovalPolicy, ApproverSelector, ApproverTemplate, StageCondition, StageTemplate, StageTiming, TimingSetting } from './policy.types';
import type { ApprovalRequest, ApprovalRequestKind, ApprovalSettings, ApprovalStage, ApprovalThresholds, ApproverRef, Organisation } from './types';

export * from './policy.types';
export { DEFAULT_APPROVAL_POLICY } from './policy.data';

/** Why a person was left out of a stage (carried in the error details). */
export interface ApproverExclusion {
  personId: string;
  reason: 'requester' | 'subject' | 'earlier-stage' | 'inactive';
}

const REQUEST_KINDS: readonly ApprovalRequestKind[] = ['plan-acceptance', 'quota-signoff', 'territory-change', 'commission-close'];
const TIMING_SETTINGS: readonly TimingSetting[] = ['reminderEveryDays', 'escalateAfterDays', 'expireAfterDays'];

function invalid(field: string, message: string): DomainError {
  return new DomainError('VALIDATION.FAILED', message, { field });
}

/**
 * A request may make routing stricter, never looser: its own threshold counts only when it is
 * lower than the policy's (the organisation's configuration). validateRequest refuses a higher one.
 */
function effectiveThreshold(key: keyof ApprovalThresholds, request: ApprovalRequest, policy: ApprovalPolicy): string | undefined {
  const own = request.thresholds?.[key];
  const organisation = policy.thresholds[key];
  if (own === undefined) return organisation;
  if (organisation === undefined) return own;
  return decCmp(own, organisation) < 0 ? own : organisation;
}

/** The policy with the organisation's configured thresholds (APPROVAL_FINANCE_THRESHOLD). */
export function withThresholds(policy: ApprovalPolicy, thresholds: ApprovalThresholds): ApprovalPolicy {
  return { ...policy, thresholds: { ...policy.thresholds, ...thresholds } };
}

function validateRequest(request: ApprovalRequest, policy: ApprovalPolicy): void {
  if (!REQUEST_KINDS.includes(request.kind)) throw invalid('kind', `unknown request kind ${String(request.kind)}`);
  if (typeof request.requesterId !== 'string' || request.requesterId.length === 0) {
    throw invalid('requesterId', 'a request needs its requester');
  }
  for (const [key, value] of Object.entries(request.impact ?? {})) {
    if (value !== undefined && !isDecimalString(value)) throw invalid(`impact.${key}`, 'must be a decimal string');
  }
  for (const [key, value] of Object.entries(request.thresholds ?? {}) as [keyof ApprovalThresholds, string | undefined][]) {
    if (value === undefined) continue;
    if (!isDecimalString(value)) throw invalid(`thresholds.${key}`, 'must be a decimal string');
    const organisation = policy.thresholds[key];
    if (organisation !== undefined && decCmp(value, organisation) > 0) {
      throw new DomainError('VALIDATION.LOOSER_THAN_POLICY', `thresholds.${key} ${value} is above the organisation's ${organisation}: a request may make routing stricter, never looser`, {
        field: `thresholds.${key}`,
        value,
        limit: organisation,
      });
    }
  }
  const settings: ApprovalSettings = request.settings ?? {};
  for (const key of TIMING_SETTINGS) {
    const value = settings[key];
    if (value !== undefined && !(Number.isInteger(value) && value > 0)) {
      throw invalid(`settings.${key}`, 'must be a whole number of days above zero');
    }
  }
}

function holds(condition: StageCondition, request: ApprovalRequest, policy: ApprovalPolicy): boolean {
  switch (condition.kind) {
    case 'setting':
      return request.settings?.[condition.setting] === true;
    case 'amount-above': {
      const amount = request.impact?.[condition.amount];
      const threshold = effectiveThreshold(condition.threshold, request, policy);
      if (amount === undefined || threshold === undefined) return true;
      return decCmp(decAbs(amount), threshold) > 0;
    }
    case 'not':
      return !holds(condition.condition, request, policy);
  }
}

interface Item {
  kind: 'person' | 'team' | 'territory';
  id: string;
}

function select(selector: ApproverSelector, request: ApprovalRequest, each: Item | undefined): Item[] {
  switch (selector) {
    case 'requester':
      return [{ kind: 'person', id: request.requesterId }];
    case 'subject-people':
      return (request.subjectPersonIds ?? []).map((id) => ({ kind: 'person', id }));
    case 'subject-teams':
      return (request.subjectTeamIds ?? []).map((id) => ({ kind: 'team', id }));
    case 'losing-territories':
      return (request.losingTerritoryIds ?? []).map((id) => ({ kind: 'territory', id }));
    case 'gaining-territories':
      return (request.gainingTerritoryIds ?? []).map((id) => ({ kind: 'territory', id }));
    case 'each':
      if (!each) throw new DomainError('APPROVAL.INVALID_POLICY', "'each' is only meaningful in a forEach stage");
      return [each];
  }
}

/** Binds a template reference to concrete references (as recorded on the stage). */
function bind(template: ApproverTemplate, request: ApprovalRequest, org: OrgIndex, each: Item | undefined): ApproverRef[] {
  if (template.kind === 'people-of') {
    return select(template.of, request, each).flatMap((item): ApproverRef[] => {
      if (item.kind === 'person') return [{ kind: 'person', personId: item.id }];
      if (item.kind === 'territory') {
        const ownerId = org.territory(item.id)?.ownerId;
        return ownerId ? [{ kind: 'person', personId: ownerId }] : [];
      }
      throw new DomainError('APPROVAL.INVALID_POLICY', 'people-of a team is ambiguous; use a role with teamId');
    });
  }
  if (template.kind === 'managers-of') {
    return select(template.of, request, each).map((item): ApproverRef => {
      if (item.kind === 'person') return { kind: 'manager-of', personId: item.id };
      if (item.kind === 'team') return { kind: 'manager-of', teamId: item.id };
      return { kind: 'manager-of', territoryId: item.id };
    });
  }
  return [template];
}

function unique(ids: Iterable<string>): string[] {
  return [...new Set(ids)];
}

function timingOf(template: StageTemplate, settings: ApprovalSettings): StageTiming {
  const timing: StageTiming = { ...template.timing };
  for (const [field, setting] of Object.entries(template.timingFromSettings ?? {}) as [keyof StageTiming, TimingSetting][]) {
    const value = settings[setting];
    if (value !== undefined) timing[field] = value;
  }
  return timing;
}

function fanOut(template: StageTemplate, request: ApprovalRequest): (Item | undefined)[] {
  if (template.forEach === 'subject-team') return unique(request.subjectTeamIds ?? []).map((id) => ({ kind: 'team', id }));
  if (template.forEach === 'subject-person') {
    return unique(request.subjectPersonIds ?? []).map((id) => ({ kind: 'person', id }));
  }
  return [undefined];
}

/**
 * Turns a request into concrete stages. Separation of duties: the requester never decides; the
 * subject people never approve or reject (accepting or acknowledging is their own act); someone
 * who must sign an earlier step (the only approver, or one of an 'all' stage) is left out of later
 * steps. Whoever merely *could* sign two steps stays, and checkDecision refuses the second signature.
 */
export function resolveStages(policy: ApprovalPolicy, request: ApprovalRequest, org: Organisation): ApprovalStage[] {
  validateRequest(request, policy);
  const route = policy.routes[request.kind];
  if (!Array.isArray(route)) throw new DomainError('APPROVAL.INVALID_POLICY', `policy ${policy.version} has no route for ${request.kind}`);
  const index = new OrgIndex(org);
  // Stage labels name the team or person a fanned-out stage is for, when the organisation knows the name.
  const names = new Map<string, string>();
  for (const ref of [...org.teams, ...org.people]) if (ref.name) names.set(ref.id, ref.name);
  const subjects = new Set(request.subjectPersonIds ?? []);
  const boundEarlier = new Set<string>();
  const stages: ApprovalStage[] = [];
  let step = 0;

  for (const template of route) {
    if (template.when && !holds(template.when, request, policy)) continue;
    const items = fanOut(template, request);
    if (items.length === 0) {
      if (template.skipIfEmpty) continue;
      const field = template.forEach === 'subject-team' ? 'subjectTeamIds' : 'subjectPersonIds';
      throw invalid(field, `stage '${template.id}' has one stage per ${template.forEach ?? 'item'} but the request names none`);
    }
    const timing = timingOf(template, request.settings ?? {});
    if (timing.escalateAfterDays !== undefined && timing.deadlineDays !== undefined && timing.escalateAfterDays > timing.deadlineDays) {
      throw invalid('settings.escalateAfterDays', `stage '${template.id}' would escalate after its deadline`);
    }
    const approvesAboutSubjects = template.decisions[0] === 'approve';
    const stepStages: ApprovalStage[] = [];

    for (const item of items) {
      const id = item ? `${template.id}:${item.id}` : template.id;
      const approvers = template.approvers.flatMap((t) => bind(t, request, index, item));
      const excluded: ApproverExclusion[] = [];
      const candidates = unique(approvers.flatMap((ref) => index.resolve(ref)));
      const approverIds = candidates.filter((personId) => {
        const reason: ApproverExclusion['reason'] | undefined =
          personId === request.requesterId
            ? 'requester'
            : approvesAboutSubjects && subjects.has(personId)
              ? 'subject'
              : boundEarlier.has(personId)
                ? 'earlier-stage'
                : undefined;
        if (reason) excluded.push({ personId, reason });
        return reason === undefined;
      });
      if (approverIds.length === 0) {
        if (template.skipIfEmpty) continue;
        throw new DomainError('APPROVAL.NO_ELIGIBLE_APPROVER', `nobody may decide stage '${id}'`, {
          stageId: id,
          approvers,
          excluded,
        });
      }
      const resolveAll = (templates: ApproverTemplate[] | undefined) =>
        unique((templates ?? []).flatMap((t) => bind(t, request, index, item)).flatMap((ref) => index.resolve(ref))).filter(
          (personId) => !approverIds.includes(personId),
        );
      const primaryEscalation = resolveAll(template.escalateTo);
      const escalateToIds = primaryEscalation.length > 0 ? primaryEscalation : resolveAll(template.escalateToFallback);
      const deadlineNotifyIds = unique(
        (template.notifyOnDeadline ?? []).flatMap((t) => bind(t, request, index, item)).flatMap((ref) => index.resolve(ref)),
      );
      stepStages.push({
        id,
        label: template.label.replace('{item}', item ? (names.get(item.id) ?? item.id) : ''),
        approvers,
        approverIds,
        mode: template.mode,
        actingRole: template.actingRole,
        decisions: template.decisions,
        ...(timing.reminderEveryDays !== undefined ? { reminderEveryDays: timing.reminderEveryDays } : {}),
        ...(timing.escalateAfterDays !== undefined ? { escalateAfterDays: timing.escalateAfterDays } : {}),
        escalateToIds,
        ...(timing.deadlineDays !== undefined ? { deadlineDays: timing.deadlineDays } : {}),
        onDeadline: template.onDeadline,
        step,
        ...(deadlineNotifyIds.length > 0 ? { deadlineNotifyIds } : {}),
      });
    }
    if (stepStages.length === 0) continue;
    for (const stage of stepStages) {
      const bound = stage.mode === 'all' || stage.approverIds.length === 1 ? stage.approverIds : [];
      for (const personId of bound) boundEarlier.add(personId);
    }
    stages.push(...stepStages);
    step += 1;
  }
  return reserveForLaterSteps(stages);
}

function requiredSigners(stage: ApprovalStage): readonly string[] {
  return stage.mode === 'all' || stage.approverIds.length === 1 ? stage.approverIds : [];
}

/**
 * Someone who is the only possible signer of a later step is taken out of an earlier 'any' stage
 * that has others, so signing early cannot leave the later step without anyone. Taking them out
 * can make another person the only signer of the earlier step, who then leaves the later steps:
 * repeat until nothing changes (people are only ever removed, so it ends).
 */
function reserveForLaterSteps(stages: ApprovalStage[]): ApprovalStage[] {
  const result = stages.map((stage) => ({ ...stage, approverIds: [...stage.approverIds] }));
  let changed = true;
  while (changed) {
    changed = false;
    for (const later of result) {
      for (const earlier of result.filter((s) => (s.step as number) < (later.step as number))) {
        for (const personId of requiredSigners(later)) {
          if (earlier.mode === 'any' && earlier.approverIds.length > 1 && earlier.approverIds.includes(personId)) {
            earlier.approverIds = earlier.approverIds.filter((id) => id !== personId);
            changed = true;
          }
        }
        for (const personId of requiredSigners(earlier)) {
          if (!later.approverIds.includes(personId)) continue;
          later.approverIds = later.approverIds.filter((id) => id !== personId);
          changed = true;
          if (later.approverIds.length === 0) {
            throw new DomainError('APPROVAL.NO_ELIGIBLE_APPROVER', `nobody may decide stage '${later.id}'`, {
              stageId: later.id,
              approvers: later.approvers,
              excluded: [{ personId, reason: 'earlier-stage' }],
            });
          }
        }
      }
    }
  }
  return result;
}

/** Quota sign-off: subject teams get a manager stage each, subject people acknowledge. */
export function routeQuotaSignoff(
  request: Omit<ApprovalRequest, 'kind'>,
  org: Organisation,
  policy: ApprovalPolicy = DEFAULT_APPROVAL_POLICY,
): ApprovalStage[] {
  return resolveStages(policy, { ...request, kind: 'quota-signoff' }, org);
}

/** Territory change: losing/gaining territory managers, ops, finance above the threshold. */
export function routeTerritoryChange(
  request: Omit<ApprovalRequest, 'kind'>,
  org: Organisation,
  policy: ApprovalPolicy = DEFAULT_APPROVAL_POLICY,
): ApprovalStage[] {
  return resolveStages(policy, { ...request, kind: 'territory-change' }, org);
}
