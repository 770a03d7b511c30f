// Activity interfaces of the territory change (types only: the worker implements them).
import type { RecordedDecision } from '@quotaflow/domain';
import type { RoutedApproval } from '../approval/activities';
import type { TerritoryChangeState } from './messages';

export interface TerritoryPosition {
  changeId: string;
  workflowId: string;
  runId: string;
  /** Workflow time. */
  at: string;
}

export type RoutedTerritoryChange =
  | { kind: 'routed'; route: RoutedApproval; effectiveDate: string }
  /** Nobody may approve it (e.g. no eligible finance person): back to the requester with the reason. */
  | { kind: 'refused'; code: string; message: string; effectiveDate: string };

export interface FinishTerritoryChangeInput extends TerritoryPosition {
  state: Extract<TerritoryChangeState, 'rejected' | 'cancelled'>;
  /** rejected: the rejecting decision, or the routing refusal's reason. */
  decision?: RecordedDecision;
  reason?: string;
  cancelledById?: string;
  cancelComment?: string;
}

export interface TerritoryChangeActivities {
  /** Audit `requested`, the impact over the database rows (SQL), and the stages by the policy. */
  routeTerritoryChange(input: TerritoryPosition): Promise<RoutedTerritoryChange>;
  /** Approved: waits for its effective date. */
  scheduleTerritoryChange(input: TerritoryPosition): Promise<{ scheduledFor: string }>;
  /** Idempotent by change id: splits the ownership history at the date; audit, notices, quota suggestion. */
  applyTerritoryMoves(input: TerritoryPosition): Promise<{ accountsMoved: number; alreadyApplied: boolean }>;
  /** Returned to the requester, or cancelled: state, audit, notices, open tasks closed. */
  finishTerritoryChange(input: FinishTerritoryChangeInput): Promise<void>;
}
