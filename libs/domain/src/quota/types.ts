// A quota set for one period: company target, team targets, per-rep quotas (exact decimal strings).

export interface TeamTarget {
  teamId: string;
  target: string;
}

export interface RepQuota {
  personId: string;
  teamId: string;
  amount: string;
}

export interface QuotaSet {
  id?: string;
  periodLabel: string;
  /** Every revision is a new version; nothing is overwritten. */
  version?: number;
  companyTarget: string;
  teams: TeamTarget[];
  quotas: RepQuota[];
}

export interface QuotaReviewOptions {
  /** Last period's quotas, to flag large changes. */
  previous?: { personId: string; amount: string }[];
  /** A change above this percent of last period's quota is flagged, e.g. '20'. */
  maxChangePercent: string;
}

export type TeamTotalStatus = 'under' | 'matched' | 'over';

export interface TeamTotalCheck {
  teamId: string;
  target: string;
  total: string;
  /** total − target */
  difference: string;
  status: TeamTotalStatus;
}

export interface RepQuotaChange {
  personId: string;
  current: string;
  previous?: string;
  change?: string;
  /** Rounded to 2 places for display; the flag is decided exactly. */
  changePercent?: string;
  flagged: boolean;
}

export interface QuotaReview {
  teams: TeamTotalCheck[];
  companyTarget: string;
  /** Sum of the per-rep quotas. */
  companyTotal: string;
  teamTargetsTotal: string;
  /** How far the rep quotas fall short of the company target ('0.00' when they cover it). */
  shortfall: string;
  shortfallFlag: boolean;
  repChanges: RepQuotaChange[];
}

export interface QuotaAdjustment {
  teamId: string;
  /** The manager making it (may not change their own quota). */
  managerId: string;
  changes: { personId: string; amount: string }[];
}
