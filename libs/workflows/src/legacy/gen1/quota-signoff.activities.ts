// FROZEN: generation 1 (before the approval kernel). Replays and finishes workflows started
// before `approval-kernel` was patched in; never edit, only delete once no such run is left.
// Activity interfaces of quota sign-off (types only: implementations live in apps/worker).
import type { RepQuota, TeamTarget } from '@quotaflow/domain';

export type QuotaVersionReason = 'submission' | 'manager-adjustment' | 'revision' | 'mid-period-change';
export type QuotaSetState = 'draft' | 'in_review' | 'returned' | 'locked' | 'superseded';

export interface SaveQuotaVersionInput {
  quotaSetId: string;
  version: number;
  reason: QuotaVersionReason;
  createdById: string;
  comment?: string;
  /** Workflow time of the revision. */
  createdAt: string;
  companyTarget: string;
  teams: TeamTarget[];
  quotas: RepQuota[];
  /** Last period's locked quota per rep (stored on the lines for the change flag). */
  previous?: { personId: string; amount: string }[];
}

export interface SetQuotaSetStateInput {
  quotaSetId: string;
  status: QuotaSetState;
  currentVersion: number;
  workflowId: string;
}

export interface AcknowledgeQuotaInput {
  quotaSetId: string;
  version: number;
  personId: string;
  acknowledgedAt: string;
}

export interface LockQuotaSetInput {
  quotaSetId: string;
  version: number;
  /** Some rep did not acknowledge by the deadline. */
  flagged: boolean;
  lockedAt: string;
  workflowId: string;
}

export interface QuotaSignoffActivities {
  saveQuotaVersion(input: SaveQuotaVersionInput): Promise<{ created: boolean }>;
  setQuotaSetState(input: SetQuotaSetStateInput): Promise<void>;
  acknowledgeQuota(input: AcknowledgeQuotaInput): Promise<void>;
  lockQuotaSet(input: LockQuotaSetInput): Promise<void>;
}
