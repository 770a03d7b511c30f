// Input, Update and Query of the territory-change workflow, id `territory-change:<changeId>`.
// Decisions arrive through the shared `decide` Update (approval/messages.ts).
import { defineQuery, defineUpdate } from '@temporalio/workflow';

export type TerritoryChangeState = 'requested' | 'in_review' | 'approved' | 'scheduled' | 'applied' | 'cancelled' | 'rejected' | 'failed';

/** Ids only: the accounts, territories, effective date and reason are on the change's row. */
export interface TerritoryChangeInput {
  changeId: string;
  requesterId: string;
}

export interface TerritoryCancelRequest {
  actorId: string;
  actorRoles: string[];
  comment?: string;
}

export interface TerritoryCancelResult {
  state: TerritoryChangeState;
  cancelledById: string;
}

export interface TerritoryChangeStatus {
  state: TerritoryChangeState;
  effectiveDate?: string;
  step?: number;
  openStages: { id: string; label: string; approverIds: string[] }[];
  decisions: { stageId: string; actorId: string; decision: string; comment?: string; at: string; visit: number }[];
  /** The next approval deadline while in review; the effective date (00:00 UTC) while scheduled. */
  nextDeadline?: string;
  /** Why it was returned to the requester (the rejecting comment) or could not be routed. */
  comment?: string;
  appliedAt?: string;
  cancelledById?: string;
  failure?: { code: string; reason: string };
}

export const territoryChangeWorkflowId = (changeId: string): string => `territory-change:${changeId}`;

export const TERRITORY_CHANGE_CODES = {
  alreadyApplied: 'TERRITORY_CHANGE.ALREADY_APPLIED',
  alreadyCancelled: 'TERRITORY_CHANGE.ALREADY_CANCELLED',
  notPending: 'TERRITORY_CHANGE.NOT_PENDING',
} as const;

export const territoryCancelUpdate = defineUpdate<TerritoryCancelResult, [TerritoryCancelRequest]>('cancel');
export const territoryStatusQuery = defineQuery<TerritoryChangeStatus>('status');
