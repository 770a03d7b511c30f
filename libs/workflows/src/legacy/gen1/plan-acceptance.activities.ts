// FROZEN: generation 1 (before the approval kernel). Replays and finishes workflows started
// before `approval-kernel` was patched in; never edit, only delete once no such run is left.
// Activity interfaces of plan acceptance (types only: implementations live in apps/worker).
import type { PlanAssignmentStatus } from './plan-acceptance.messages';

export type EmailRecipient = 'rep' | 'manager' | 'ops';

export type PlanEmailTemplate =
  | 'plan-invite'
  | 'plan-reminder'
  | 'plan-escalation'
  | 'manager-preapproval'
  | 'manager-reminder'
  | 'manager-escalation'
  | 'plan-declined'
  | 'plan-rejected-by-manager'
  | 'plan-expired';

export interface RenderPlanDocumentInput {
  assignmentId: string;
}

export interface RenderPlanDocumentResult {
  sha256: string;
  pages: number;
}

export interface SendEmailInput {
  /** Business key of the message, unique in `email_outbox` (e.g. `plan-acceptance:<id>:invite`). */
  purpose: string;
  assignmentId: string;
  template: PlanEmailTemplate;
  to: EmailRecipient;
  /** Explicit recipients (person ids); without them the activity resolves `to` from the assignment. */
  recipientIds?: string[];
  /** Facts for the template: reminder number, the decline reason, the manager's comment, a deadline. */
  data?: { reminder?: number; reason?: string; comment?: string; deadline?: string };
}

export interface SendEmailResult {
  outboxId: string;
  status: 'sent' | 'pending';
  messageId: string;
}

export interface RecordAuditInput {
  dedupeKey: string;
  action: string;
  subject: string;
  actorId?: string;
  actorRole?: string;
  workflowId: string;
  runId: string;
  comment?: string;
  data?: Record<string, unknown>;
  /** Workflow time of the step (the activity may run later, e.g. after a retry). */
  occurredAt?: string;
  /** A decision also gets its `approval_decisions` row, in the same transaction. */
  approvalDecision?: ApprovalDecisionRecord;
}

export interface ApprovalDecisionRecord {
  stage: string;
  approverId: string;
  approverRole: string;
  decision: 'approve' | 'reject' | 'accept' | 'decline' | 'acknowledge';
  comment?: string;
  idempotencyKey: string;
  decidedAt: string;
}

export interface AssignmentDecision {
  personId: string;
  decision: 'accepted' | 'declined';
  reason?: string;
  decidedAt: string;
  ip?: string;
  userAgent?: string;
  documentHash: string;
}

export interface SetAssignmentStateInput {
  assignmentId: string;
  status: PlanAssignmentStatus;
  /** The rep's own decision: written to `acceptances` in the same transaction. */
  decision?: AssignmentDecision;
  /** `null` clears it. */
  nextDeadline?: string | null;
  decidedAt?: string;
  /** Accepted plans: the plan is effective from the later of this and the version's effectiveFrom. */
  effectiveAt?: string;
  supersededById?: string;
}

export interface PlanAcceptanceActivities {
  renderPlanDocument(input: RenderPlanDocumentInput): Promise<RenderPlanDocumentResult>;
  sendEmail(input: SendEmailInput): Promise<SendEmailResult>;
  recordAudit(input: RecordAuditInput): Promise<void>;
  setAssignmentState(input: SetAssignmentStateInput): Promise<void>;
}
