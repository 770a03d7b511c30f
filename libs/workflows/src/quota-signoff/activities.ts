// Activity interfaces of quota sign-off (types only: the worker implements them). Ids in, ids
// and counts out: the lines of a 20,000-rep set never travel through the workflow.
import type { RecordedDecision } from '@quotaflow/domain';
import type { RoutedApproval } from '../approval/activities';

export interface QuotaPosition {
  quotaSetId: string;
  workflowId: string;
  runId: string;
  /** Workflow time. */
  at: string;
}

export interface BeginQuotaSignoffInput extends QuotaPosition {
  version: number;
  requesterId: string;
  midPeriod: boolean;
}

export interface RouteQuotaSignoffInput extends QuotaPosition {
  version: number;
  requesterId: string;
  round: number;
}

export interface ReturnQuotaSetInput extends QuotaPosition {
  round: number;
  /** Who submitted this round (ops): the set comes back to them. */
  requesterId: string;
  decision: RecordedDecision;
}

export interface AcceptQuotaRevisionInput extends QuotaPosition {
  version: number;
  actorId: string;
  comment: string;
  round: number;
}

export interface LockQuotaSetInput extends QuotaPosition {
  /** Who submitted the version that locks (told, with every rep). */
  requesterId: string;
  /** Some rep did not acknowledge by the deadline. */
  flagged: boolean;
  flaggedCount: number;
}

export interface AdjustQuotaTeamInput {
  quotaSetId: string;
  teamId: string;
  actorId: string;
  changes: { personId: string; amount: string }[];
  comment: string;
  at: string;
  workflowId: string;
  runId: string;
}

export interface QuotaSignoffActivities {
  /** Audit `submitted`, the set in review. */
  beginQuotaSignoff(input: BeginQuotaSignoffInput): Promise<void>;
  /** The stages of one round, routed by the policy over the organisation read now. */
  routeQuotaSignoff(input: RouteQuotaSignoffInput): Promise<RoutedApproval>;
  /** Rejected at the team stage: back to ops (state, audit, email). */
  returnQuotaSet(input: ReturnQuotaSetInput): Promise<void>;
  /** A revision stored by the API becomes the version under review. */
  acceptQuotaRevision(input: AcceptQuotaRevisionInput): Promise<void>;
  /** The current version is in force and immutable; the requester and every rep are told. */
  lockQuotaVersion(input: LockQuotaSetInput): Promise<{ version: number; notified: number }>;
  /** A team manager's new split (a new version), checked against the stored one. */
  adjustQuotaTeam(input: AdjustQuotaTeamInput): Promise<{ version: number; teamId: string }>;
}
