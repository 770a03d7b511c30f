// The approval policy: routing is data. A route is an ordered list of stage templates; the
// resolver binds them to a request and an organisation and applies separation of duties.
import { DomainError } from '../errors';
import { decAbs, decCmp, isDecimalString } from '../quota/decimal';
import { OrgIndex } from './organisation';
import {
  ACCEPT_DECLINE,
  ACKNOWLEDGE,
  APPROVE_REJECT,
  type ApprovalImpact,
  type ApprovalRequest,
  type ApprovalRequestKind,
  type ApprovalSettings,
  type ApprovalStage,
  type ApprovalThresholds,
  type ApproverRef,
  type OnDeadline,
  type Organisation,
  type StageDecisions,
} from './types';

/** What a template reference points at in the request; 'each' is the item of a fan-out stage. */
export type ApproverSelector =
  | 'requester'
  | 'subject-people'
  | 'subject-teams'
  | 'losing-territories'
  | 'gaining-territories'
  | 'each';

export type ApproverTemplate =
  | ApproverRef
  /** The people themselves (territories: their owners). */
  | { kind: 'people-of'; of: ApproverSelector }
  /** The managers of the people, teams or territories selected. */
  | { kind: 'managers-of'; of: ApproverSelector };

export type StageCondition =
  | { kind: 'setting'; setting: 'managerPreApproval' }
  /** Unknown amount or threshold counts as above: finance looks rather than being skipped. */
  | { kind: 'amount-above'; amount: keyof ApprovalImpact; threshold: keyof ApprovalThresholds }
  | { kind: 'not'; condition: StageCondition };

export interface StageTiming {
  reminderEveryDays?: number;
  escalateAfterDays?: number;
  deadlineDays?: number;
}

export type TimingSetting = 'reminderEveryDays' | 'escalateAfterDays' | 'expireAfterDays';

export interface StageTemplate {
  /** Stage id; a fan-out stage gets `<id>:<itemId>`. */
  id: string;
  /** `{item}` is replaced by the fan-out item id. */
  label: string;
  /** One parallel stage per subject team / subject person, all in the same step. */
  forEach?: 'subject-team' | 'subject-person';
  approvers: ApproverTemplate[];
  mode: 'any' | 'all';
  decisions: StageDecisions;
  when?: StageCondition;
  timing?: StageTiming;
  /** Which request setting overrides which timing field. */
  timingFromSettings?: Partial<Record<keyof StageTiming, TimingSetting>>;
  escalateTo?: ApproverTemplate[];
  onDeadline: OnDeadline;
  notifyOnDeadline?: ApproverTemplate[];
  /** Drop the stage instead of failing when nobody is eligible. */
  skipIfEmpty?: boolean;
}

export interface ApprovalPolicy {
  version: string;
  thresholds: ApprovalThresholds;
  routes: Record<ApprovalRequestKind, StageTemplate[]>;
}

export const DEFAULT_APPROVAL_POLICY: ApprovalPolicy = {
  version: '2026-1',
  thresholds: { financeAbove: '50000.00' },
  routes: {
    'plan-acceptance': [
      {
        id: 'manager-preapproval',
        label: 'Manager pre-approval',
        when: { kind: 'setting', setting: 'managerPreApproval' },
        approvers: [{ kind: 'managers-of', of: 'subject-people' }],
        mode: 'any',
        decisions: APPROVE_REJECT,
        timing: { reminderEveryDays: 3 },
        timingFromSettings: { reminderEveryDays: 'reminderEveryDays' },
        escalateTo: [{ kind: 'role', role: 'ops' }],
        onDeadline: 'escalate-only',
      },
      {
        id: 'rep-acceptance',
        label: 'Rep acceptance',
        approvers: [{ kind: 'people-of', of: 'subject-people' }],
        mode: 'any',
        decisions: ACCEPT_DECLINE,
        timing: { reminderEveryDays: 3, escalateAfterDays: 7, deadlineDays: 14 },
        timingFromSettings: {
          reminderEveryDays: 'reminderEveryDays',
          escalateAfterDays: 'escalateAfterDays',
          deadlineDays: 'expireAfterDays',
        },
        escalateTo: [{ kind: 'managers-of', of: 'subject-people' }],
        onDeadline: 'expire',
        notifyOnDeadline: [{ kind: 'role', role: 'ops' }],
      },
    ],
    'quota-signoff': [
      {
        id: 'team',
        label: 'Team {item} manager approval',
        forEach: 'subject-team',
        approvers: [{ kind: 'managers-of', of: 'each' }],
        mode: 'any',
        decisions: APPROVE_REJECT,
        timing: { reminderEveryDays: 2, escalateAfterDays: 5 },
        escalateTo: [{ kind: 'role', role: 'ops' }],
        onDeadline: 'escalate-only',
      },
      {
        id: 'finance',
        label: 'Finance approval of the quota set',
        approvers: [{ kind: 'role', role: 'finance' }],
        mode: 'any',
        decisions: APPROVE_REJECT,
        timing: { reminderEveryDays: 2 },
        onDeadline: 'escalate-only',
      },
      {
        id: 'acknowledge',
        label: 'Quota acknowledgement by {item}',
        forEach: 'subject-person',
        approvers: [{ kind: 'people-of', of: 'each' }],
        mode: 'any',
        decisions: ACKNOWLEDGE,
        timing: { reminderEveryDays: 3, escalateAfterDays: 5, deadlineDays: 10 },
        escalateTo: [{ kind: 'managers-of', of: 'each' }],
        onDeadline: 'proceed-flagged',
      },
    ],
    'territory-change': [
      {
        id: 'territory-managers',
        label: 'Managers of the losing and gaining territories',
        approvers: [
          { kind: 'managers-of', of: 'losing-territories' },
          { kind: 'managers-of', of: 'gaining-territories' },
        ],
        mode: 'all',
        decisions: APPROVE_REJECT,
        timing: { reminderEveryDays: 2, escalateAfterDays: 5 },
        escalateTo: [{ kind: 'role', role: 'ops' }],
        onDeadline: 'escalate-only',
      },
      {
        id: 'ops',
        label: 'Sales operations approval',
        approvers: [{ kind: 'role', role: 'ops' }],
        mode: 'any',
        decisions: APPROVE_REJECT,
        timing: { reminderEveryDays: 2 },
        onDeadline: 'escalate-only',
      },
      {
        id: 'finance',
        label: 'Finance approval of the money impact',
        when: { kind: 'amount-above', amount: 'revenueMoved', threshold: 'financeAbove' },
        approvers: [{ kind: 'role', role: 'finance' }],
        mode: 'any',
        decisions: APPROVE_REJECT,
        timing: { reminderEveryDays: 2 },
        onDeadline: 'escalate-only',
      },
    ],
  },
};

/** Why a person was left out of a stage (carried in the error details). */
export interface ApproverExclusion {
  personId: string;
  reason: 'requester' | 'subject' | 'earlier-stage' | 'inactive';
}

const REQUEST_KINDS: readonly ApprovalRequestKind[] = ['plan-acceptance', 'quota-signoff', 'territory-change'];
const TIMING_SETTINGS: readonly TimingSetting[] = ['reminderEveryDays', 'escalateAfterDays', 'expireAfterDays'];

function invalid(field: string, message: string): DomainError {
  return new DomainError('VALIDATION.FAILED', message, { field });
}

function validateRequest(request: ApprovalRequest): void {
  if (!REQUEST_KINDS.includes(request.kind)) throw invalid('kind', `unknown request kind ${String(request.kind)}`);
  if (typeof request.requesterId !== 'string' || request.requesterId.length === 0) {
    throw invalid('requesterId', 'a request needs its requester');
  }
  for (const [key, value] of Object.entries(request.impact ?? {})) {
    if (value !== undefined && !isDecimalString(value)) throw invalid(`impact.${key}`, 'must be a decimal string');
  }
  for (const [key, value] of Object.entries(request.thresholds ?? {})) {
    if (value !== undefined && !isDecimalString(value)) throw invalid(`thresholds.${key}`, 'must be a decimal string');
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
      const threshold = request.thresholds?.[condition.threshold] ?? policy.thresholds[condition.threshold];
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
  validateRequest(request);
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
      const escalateToIds = unique(
        (template.escalateTo ?? []).flatMap((t) => bind(t, request, index, item)).flatMap((ref) => index.resolve(ref)),
      ).filter((personId) => !approverIds.includes(personId));
      const deadlineNotifyIds = unique(
        (template.notifyOnDeadline ?? []).flatMap((t) => bind(t, request, index, item)).flatMap((ref) => index.resolve(ref)),
      );
      stepStages.push({
        id,
        label: template.label.replace('{item}', item ? (names.get(item.id) ?? item.id) : ''),
        approvers,
        approverIds,
        mode: template.mode,
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

/** Plan acceptance of one assignment: `request.subjectPersonIds` is the rep. */
export function routePlanAcceptance(
  request: Omit<ApprovalRequest, 'kind' | 'settings'>,
  org: Organisation,
  settings: ApprovalSettings = {},
  policy: ApprovalPolicy = DEFAULT_APPROVAL_POLICY,
): ApprovalStage[] {
  return resolveStages(policy, { ...request, kind: 'plan-acceptance', settings }, org);
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
