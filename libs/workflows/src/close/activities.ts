// Activity interfaces of the monthly close (types only: the worker implements them). Ids, counts
// and totals in and out: the payouts of 10,000 reps never travel through the workflow.
import type { CloseChanges, RecordedDecision } from '@quotaflow/domain';
import type { RoutedApproval } from '../approval/activities';
import type { CloseTotals } from './messages';

export interface ClosePosition {
  periodId: string;
  workflowId: string;
  runId: string;
  /** Workflow time. */
  at: string;
}

export interface FreezeCloseResult {
  snapshotId: string;
  hash: string;
  reps: number;
  deals: number;
  blocking: number;
  warnings: number;
}

export interface CalculateBatchInput extends ClosePosition {
  snapshotId: string;
  version: number;
  /** Reps of the snapshot, in its order: [offset, offset + limit). */
  offset: number;
  limit: number;
}

export interface CloseActivities {
  /** The period becomes `closing`; audit `period.close-started`. */
  beginClose(input: ClosePosition & { requesterId: string }): Promise<void>;
  /** Snapshot of the period's inputs (deals, credits, plans, quotas, carried state) with its hash, and the validation's exceptions. */
  freezeClose(input: ClosePosition): Promise<FreezeCloseResult>;
  /** Blocking exceptions: the period goes back to `open`; audit `period.close-blocked`. */
  blockClose(input: ClosePosition & { snapshotId: string; blocking: number }): Promise<void>;
  /** One batch of reps through the engine; payouts stored (unique per period, rep and version). */
  calculateCloseBatch(input: CalculateBatchInput): Promise<{ reps: number }>;
  /** The version is complete: its totals, the period's current version; audit `period.calculated`. */
  finishCalculation(input: ClosePosition & { snapshotId: string; version: number; requesterId: string }): Promise<CloseTotals>;
  /**
   * The approval stages of the version: team managers in parallel, finance, ops (payroll export).
   * `review`: the team managers may also ask for adjustments and holds (request-adjustment).
   */
  routeCloseApproval(input: ClosePosition & { version: number; round: number; requesterId: string; review?: boolean }): Promise<RoutedApproval>;
  /** A manager's adjustments and holds on `version`, stored (effective from the next version) with an audit event each. */
  recordCloseChanges(input: ClosePosition & { version: number; round: number; decision: RecordedDecision; changes: CloseChanges }): Promise<{ adjustments: number; holds: number }>;
  /** Version `version` from `fromVersion`: the reps a change names recalculated, every other payout copied unchanged. */
  recalculateCloseVersion(input: ClosePosition & { snapshotId: string; fromVersion: number; version: number }): Promise<{ copied: number; recalculated: number }>;
  /** What the finance approval of the version waits for: its negative payouts (not held), by rep. */
  prepareCloseReview(input: ClosePosition & { version: number }): Promise<{ negativePersonIds: string[] }>;
  /** Finance acknowledges one negative payout of the version: stored once (by period, version, rep) with its audit event. */
  acknowledgeNegativePayout(input: ClosePosition & { version: number; personId: string; actorId: string; actorRoles: string[]; comment?: string; idempotencyKey: string }): Promise<{ payout: string; acknowledgedAt: string }>;
  /** A reject: audit `period.returned`; the next version is calculated. */
  returnClose(input: ClosePosition & { version: number; round: number; decision: RecordedDecision }): Promise<void>;
  /** Statements of a batch of reps (final version): rendered once, emailed once each. */
  sendStatementBatch(input: ClosePosition & { version: number; offset: number; limit: number }): Promise<{ sent: number }>;
  /** The period is `closed` (immutable from here on); audit `period.closed`. */
  completeClose(input: ClosePosition & { version: number }): Promise<void>;
}
