// Territories, account ownership and the inputs/outputs of a territory change's impact.
import type { TerritoryRef } from '../approvals/types';

export interface Territory extends TerritoryRef {
  name?: string;
}

export interface AccountOwnership {
  accountId: string;
  territoryId: string;
}

/** A transaction on an account: won revenue counts in the trailing year, open is pipeline. */
export interface AccountTransaction {
  accountId: string;
  amount: string;
  /** YYYY-MM-DD (UTC). */
  date: string;
  status: 'won' | 'open' | 'lost';
}

export interface AccountMove {
  accountId: string;
  toTerritoryId: string;
}

export interface TerritoryImpactInput {
  territories: Territory[];
  ownership: AccountOwnership[];
  moves: AccountMove[];
  transactions: AccountTransaction[];
  /** The trailing twelve months end on this day (inclusive), YYYY-MM-DD. */
  asOf: string;
  /** Current quotas of the reps who own territories. */
  quotas: { personId: string; amount: string }[];
  /** To name the managers affected (territory → team → owner's manager). */
  people?: { id: string; teamId?: string; managerId?: string }[];
  teams?: { id: string; managerId?: string; parentTeamId?: string }[];
}

export interface AccountMoveImpact {
  accountId: string;
  fromTerritoryId: string;
  toTerritoryId: string;
  fromOwnerId?: string;
  toOwnerId?: string;
  trailingRevenue: string;
  openPipeline: string;
}

export interface QuotaAdjustmentSuggestion {
  personId: string;
  quota?: string;
  /** The rep's trailing-twelve-month revenue before the change. */
  trailingRevenue: string;
  /** Revenue leaving (negative) or arriving (positive). */
  revenueMoved: string;
  /** Losing rep: −(revenue moved ÷ their trailing revenue) × their quota; the gaining rep takes the same amount. */
  suggestedChange: string;
}

export interface TerritoryImpact {
  accountsMoving: AccountMoveImpact[];
  revenueMoved: string;
  pipelineMoved: string;
  losingTerritoryIds: string[];
  gainingTerritoryIds: string[];
  repsAffected: string[];
  managersAffected: string[];
  quotaAdjustments: QuotaAdjustmentSuggestion[];
}
