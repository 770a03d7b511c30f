// The approval policy's shape: routes of stage templates, bound to a request by the resolver
// (policy.ts). The data itself is in policy.data.ts.
import type { ApprovalImpact, ApprovalThresholds, ApprovalRequestKind, ApproverRef, OnDeadline, Role, StageDecisions } from './types';

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
  /** In what capacity the approvers act (recorded with every decision). */
  actingRole: Role;
  mode: 'any' | 'all';
  decisions: StageDecisions;
  when?: StageCondition;
  timing?: StageTiming;
  /** Which request setting overrides which timing field. */
  timingFromSettings?: Partial<Record<keyof StageTiming, TimingSetting>>;
  escalateTo?: ApproverTemplate[];
  /** Whom to escalate to when `escalateTo` designates nobody (e.g. a rep without a manager). */
  escalateToFallback?: ApproverTemplate[];
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

