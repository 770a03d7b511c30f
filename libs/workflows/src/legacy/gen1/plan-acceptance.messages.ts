// FROZEN: generation 1 (before the approval kernel). Replays and finishes workflows started
// before `approval-kernel` was patched in; never edit, only delete once no such run is left.
// Input, Update, Signal and Query of the plan-acceptance workflow (CONTRACTS.md "Temporal").
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';

export type PlanAssignmentStatus = 'pending_manager' | 'pending_rep' | 'accepted' | 'declined' | 'expired' | 'superseded';

export interface PlanAcceptanceSettings {
  managerPreApproval: boolean;
  reminderEveryDays: number;
  escalateAfterDays: number;
  expireAfterDays: number;
}

export const DEFAULT_PLAN_ACCEPTANCE_SETTINGS: PlanAcceptanceSettings = {
  managerPreApproval: false,
  reminderEveryDays: 3,
  escalateAfterDays: 7,
  expireAfterDays: 14,
};

export interface PlanAcceptanceInput {
  assignmentId: string;
  personId: string;
  managerId?: string;
  opsIds: string[];
  planVersionId: string;
  publishedById: string;
  settings: Partial<PlanAcceptanceSettings>;
  /** For people reading the inbox, e.g. "Account Executive 2026 v1" and the rep's name. */
  planLabel?: string;
  personName?: string;
}

export interface DecisionRequest {
  actorId: string;
  actorRoles: string[];
  decision: 'accept' | 'decline' | 'approve' | 'reject';
  reason?: string;
  comment?: string;
  ip?: string;
  userAgent?: string;
  /** Written to `approval_decisions`; defaults to the Update id. */
  idempotencyKey?: string;
}

export interface PlanAcceptanceHistoryEntry {
  at: string;
  event: string;
  actorId?: string;
  detail?: string;
}

export interface PlanAcceptanceStatus {
  state: PlanAssignmentStatus;
  history: PlanAcceptanceHistoryEntry[];
  nextDeadline?: string;
  remindersSent: number;
  escalated: boolean;
  documentHash?: string;
}

export const planAcceptanceWorkflowId = (assignmentId: string): string => `plan-acceptance:${assignmentId}`;

export const decideUpdate = defineUpdate<PlanAcceptanceStatus, [DecisionRequest]>('decide');
export const supersedeSignal = defineSignal<[{ byAssignmentId: string }]>('supersede');
export const statusQuery = defineQuery<PlanAcceptanceStatus>('status');
