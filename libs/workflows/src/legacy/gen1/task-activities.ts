// FROZEN: generation 1 (before the approval kernel). Replays and finishes workflows started
// before `approval-kernel` was patched in; never edit, only delete once no such run is left.
// The approval inbox read model, kept current by every workflow that runs approval stages
// (CONTRACTS.md "Approval inbox"). Types only: the worker implements them.

export interface OpenApprovalTasksInput {
  /** e.g. `quota-set:<id>`, `territory-change:<id>`, `plan-assignment:<id>` */
  subject: string;
  subjectType: string;
  workflowId: string;
  stageId: string;
  stageLabel: string;
  /** How many times the stage has been opened (a rejection reopens the stage before). */
  visit: number;
  approverIds: string[];
  /** ISO date-time of the stage's deadline, if any. */
  deadline?: string;
  /** One line for the inbox and the email ("Quota set 2026-Q1: approve team West"). */
  summary: string;
  /** Email each approver that something waits (default true; false when the workflow sends its own). */
  notify?: boolean;
}

export interface CloseApprovalTasksInput {
  workflowId: string;
  /** Without stageId: every open task of the workflow (the workflow ended). */
  stageId?: string;
  visit?: number;
  /** Without approverId: every approver of the stage (mode `any`, or the stage ended). */
  approverId?: string;
  status: 'done' | 'cancelled';
  decision?: string;
  decidedById?: string;
}

/** A plain notice by email (reminders, escalations, "the set locked flagged"), sent once per purpose. */
export interface SendNoticeInput {
  /** Unique business key of this email, e.g. `quota-signoff:<id>:escalation:finance:1`. */
  purpose: string;
  recipientIds: string[];
  subject: string;
  text: string;
  /** Path under the public base URL, e.g. `/api/v1/quota-sets/<id>`. */
  link?: string;
}

export interface ApprovalTaskActivities {
  openApprovalTasks(input: OpenApprovalTasksInput): Promise<{ opened: number }>;
  closeApprovalTasks(input: CloseApprovalTasksInput): Promise<{ closed: number }>;
  sendNotice(input: SendNoticeInput): Promise<{ sent: number }>;
}
