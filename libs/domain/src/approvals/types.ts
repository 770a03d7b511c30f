// Types of CONTRACTS.md "Approvals". Additions beyond the contract are optional fields or
// new types only, so code written against the contract keeps compiling.

export type Role = 'rep' | 'manager' | 'finance' | 'ops' | 'auditor' | 'admin';

export type ApproverRef =
  | { kind: 'person'; personId: string }
  | { kind: 'role'; role: Role; teamId?: string }
  | { kind: 'manager-of'; personId?: string; teamId?: string; territoryId?: string };

export const APPROVE_REJECT = ['approve', 'reject'] as const;
export const ACCEPT_DECLINE = ['accept', 'decline'] as const;
export const ACKNOWLEDGE = ['acknowledge'] as const;
/** A reviewer approves, or asks for an adjustment (the owner changes something and asks again), or rejects. */
export const APPROVE_ADJUST_REJECT = ['approve', 'request-adjustment', 'reject'] as const;

export type StageDecisions = typeof APPROVE_REJECT | typeof ACCEPT_DECLINE | typeof ACKNOWLEDGE | typeof APPROVE_ADJUST_REJECT;
export type ApprovalDecision = 'approve' | 'reject' | 'accept' | 'decline' | 'acknowledge' | 'request-adjustment';
export const APPROVAL_DECISIONS: readonly ApprovalDecision[] = ['approve', 'reject', 'accept', 'decline', 'acknowledge', 'request-adjustment'];
export type OnDeadline = 'expire' | 'escalate-only' | 'proceed-flagged';

export interface ApprovalStage {
  /** 'manager-preapproval', 'rep-acceptance', 'team:<teamId>', 'finance', 'ops', 'acknowledge:<personId>' */
  id: string;
  label: string;
  /** As declared by the policy, bound to the request (e.g. manager-of team t1). */
  approvers: ApproverRef[];
  /** Resolved person ids, separation of duties already applied. */
  approverIds: string[];
  mode: 'any' | 'all';
  decisions: StageDecisions;
  reminderEveryDays?: number;
  escalateAfterDays?: number;
  escalateToIds: string[];
  deadlineDays?: number;
  onDeadline: OnDeadline;
  /**
   * Extension: stages sharing a step run in parallel (one per team, one per rep); steps run in
   * order. Absent means each stage is its own step, in list order.
   */
  step?: number;
  /** Extension: who is told when the deadline passes (e.g. ops when an acceptance expires). */
  deadlineNotifyIds?: string[];
  /** In what capacity its approvers act (recorded with each decision): `manager`, `finance`, `rep`… */
  actingRole?: Role;
}

export interface PersonRef {
  id: string;
  /** For people reading stage labels; routing never keys on it. */
  name?: string;
  roles: Role[];
  teamId?: string;
  managerId?: string;
  active: boolean;
}

export interface TeamRef {
  id: string;
  /** For people reading stage labels; routing never keys on it. */
  name?: string;
  managerId?: string;
  parentTeamId?: string;
}

/** A territory as far as routing needs it; the full hierarchy rules live in territory/. */
export interface TerritoryRef {
  id: string;
  parentId?: string;
  /** The rep who owns the territory's accounts. */
  ownerId?: string;
  teamId?: string;
  /** Explicit manager; otherwise the team's manager, the owner's manager, then the parent's. */
  managerId?: string;
}

export interface Organisation {
  people: PersonRef[];
  teams: TeamRef[];
  territories?: TerritoryRef[];
}

export type ApprovalRequestKind = 'plan-acceptance' | 'quota-signoff' | 'territory-change' | 'commission-close';

/** Money impact of a request, exact decimal strings. */
export interface ApprovalImpact {
  revenueMoved?: string;
  pipelineMoved?: string;
  quotaChange?: string;
}

export interface ApprovalThresholds {
  /** Finance signs off when the revenue moved is above this amount. */
  financeAbove?: string;
}

/** Per-request timing overrides (plan acceptance: the assignment's settings). */
export interface ApprovalSettings {
  managerPreApproval?: boolean;
  reminderEveryDays?: number;
  escalateAfterDays?: number;
  expireAfterDays?: number;
}

export interface ApprovalRequest {
  kind: ApprovalRequestKind;
  /** Business subject, e.g. `plan-assignment:<id>`, `quota-set:<id>`. */
  subject?: string;
  requesterId: string;
  /** People the request is about (the rep of a plan, the reps with a quota, reps moving accounts). */
  subjectPersonIds?: string[];
  /** Teams the request is about (quota sign-off: one stage each). */
  subjectTeamIds?: string[];
  losingTerritoryIds?: string[];
  gainingTerritoryIds?: string[];
  impact?: ApprovalImpact;
  thresholds?: ApprovalThresholds;
  settings?: ApprovalSettings;
}

/** A decision already taken on the request (effective ones: a step back discards the undone ones). */
export interface DecisionRecord {
  stageId: string;
  actorId: string;
  decision: ApprovalDecision;
  /** Step of the stage; decisions in the same step (parallel stages) may share a person. */
  step?: number;
  comment?: string;
  at?: string;
}

export interface ApprovalActor {
  id: string;
  roles?: Role[];
}

export type DecisionCheckCode =
  | 'AUTH.NOT_AN_APPROVER'
  | 'AUTH.SELF_DECISION'
  | 'AUTH.SECOND_STAGE_SAME_PERSON'
  | 'APPROVAL.ALREADY_DECIDED'
  | 'APPROVAL.WRONG_STAGE'
  | 'APPROVAL.NOT_PENDING'
  | 'VALIDATION.FAILED';

export type DecisionCheckResult = { ok: true } | { ok: false; code: DecisionCheckCode; reason: string; field?: string };
