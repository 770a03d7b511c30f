// Input, Signal and Query of the plan-acceptance workflow, id `plan-acceptance:<assignmentId>`.
// Decisions (the rep's accept/decline, the manager's pre-approval) arrive through the shared
// `decide` Update (approval/messages.ts).
import { defineQuery, defineUpdate } from '@temporalio/workflow';

export type PlanAssignmentStatus = 'pending_manager' | 'pending_rep' | 'accepted' | 'declined' | 'expired' | 'superseded' | 'failed';

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

/** Ids only: the rep, the manager, the settings and the plan are read by the activities. */
export interface PlanAcceptanceInput {
  assignmentId: string;
}

export interface PlanAcceptanceStatus {
  state: PlanAssignmentStatus;
  nextDeadline?: string;
  remindersSent: number;
  escalated: boolean;
  documentHash?: string;
  failure?: { code: string; reason: string };
}

export const planAcceptanceWorkflowId = (assignmentId: string): string => `plan-acceptance:${assignmentId}`;

/**
 * A newer version of the plan was published to the rep: this one ends `superseded`. An Update
 * (not a Signal) so a malformed request is refused by its validator before it enters history.
 */
export const supersedeUpdate = defineUpdate<{ state: PlanAssignmentStatus }, [{ byAssignmentId: string }]>('supersede');
export const planAcceptanceStatusQuery = defineQuery<PlanAcceptanceStatus>('status');
