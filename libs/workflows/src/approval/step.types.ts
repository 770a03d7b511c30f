// Input and result of `approvalStepWorkflow`, the child that runs one slice of a delegated step.
import type { RecordedDecision } from '@quotaflow/domain';
import type { ApprovalSubjectType, ReturnedBy } from './activities';

export interface ApprovalStepInput {
  subject: string;
  subjectType: ApprovalSubjectType;
  parentWorkflowId: string;
  /** Where the routed stages are stored (`approval_route_stages`). */
  routeKey: string;
  round: number;
  /** The parent's step and its visit this slice belongs to. */
  step: number;
  visit: number;
  /** The slice: stages `offset … offset + limit - 1` of the step, in routing order. */
  offset: number;
  limit: number;
  /** Report who signed (a later step's separation of duties needs it). */
  withSigners: boolean;
  /** The step was reopened by a rejection further on: approvers read why. */
  returnedBy?: ReturnedBy;
}

export type ApprovalStepResult =
  | { kind: 'approved'; signerIds: string[]; flaggedCount: number }
  | { kind: 'rejected' | 'declined' | 'adjustment-requested'; decision: RecordedDecision; stageLabel: string }
  | { kind: 'expired'; stageId: string }
  | { kind: 'cancelled' };

/** The step child's signature, for starting it by name without importing its module. */
export type ApprovalStepWorkflow = (input: ApprovalStepInput) => Promise<ApprovalStepResult>;
