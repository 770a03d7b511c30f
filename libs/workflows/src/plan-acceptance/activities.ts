// Activity interfaces of plan acceptance (types only: the worker implements them).
import type { ApprovalStatus, RecordedDecision } from '@quotaflow/domain';
import type { RoutedApproval } from '../approval/activities';

export interface PreparePlanAcceptanceInput {
  assignmentId: string;
  workflowId: string;
  runId: string;
  at: string;
}

export interface PreparedPlanAcceptance {
  /** SHA-256 of the PDF the rep is sent: what the acceptance records and the PDF names. */
  documentHash: string;
  pages: number;
  route: RoutedApproval;
}

export interface FinishPlanAcceptanceInput {
  assignmentId: string;
  workflowId: string;
  runId: string;
  at: string;
  outcome: Exclude<ApprovalStatus, 'pending' | 'adjustment-requested'>;
  /** The decision that ended it (decline, the manager's rejection). */
  decision?: RecordedDecision;
  supersededById?: string;
}

export interface PlanAcceptanceActivities {
  /** Audit `published`, render and store the plan PDF once, route the stages by the policy. */
  preparePlanAcceptance(input: PreparePlanAcceptanceInput): Promise<PreparedPlanAcceptance>;
  /** The final state (expired, superseded, declined), its audit event and the emails it owes. */
  finishPlanAcceptance(input: FinishPlanAcceptanceInput): Promise<void>;
}
