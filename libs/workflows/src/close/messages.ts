// Input, Query and result of the monthly close workflow, id `close:<periodId>`.
// Decisions of its approval stages arrive through the shared `decide` Update (approval/messages.ts).
import { defineQuery } from '@temporalio/workflow';

export type CloseState = 'freezing' | 'validating' | 'calculating' | 'in_review' | 'statements' | 'closed' | 'blocked' | 'failed';

/** Ids only: the period's inputs are frozen and read by activities. */
export interface CloseInput {
  periodId: string;
  /** The finance person who started the close (separation of duties keeps them off the approvals). */
  requesterId: string;
}

export interface CloseTotals {
  version: number;
  reps: number;
  payoutTotal: string;
  earningsTotal: string;
  negativeCount: number;
}

export interface CloseStatus {
  state: CloseState;
  /** The calculation version under way or in review (0 before the first). */
  version: number;
  round: number;
  snapshot?: { id: string; hash: string; reps: number; deals: number };
  exceptions: { blocking: number; warnings: number };
  progress: { repsDone: number; repsTotal: number; step: string };
  /** Totals of every calculation version so far, oldest first. */
  versions: CloseTotals[];
  openStages: { id: string; label: string; approverIds: string[] }[];
  returned?: { byId: string; stageId: string; comment?: string; at: string; version: number }[];
  statementsSent: number;
  failure?: { code: string; reason: string };
}

export const closeWorkflowId = (periodId: string): string => `close:${periodId}`;

export const closeStatusQuery = defineQuery<CloseStatus>('closeStatus');
