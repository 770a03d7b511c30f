// The shared activity contracts of every approval workflow (types only: the worker implements
// them in apps/worker/src/approvals). Each is idempotent by business key; none takes or returns
// a list that grows with the organisation beyond one step slice.
import type { ApprovalDecision, ApprovalRequestRef, ApprovalStage, ApprovalStep, OnDeadline, Role } from '@quotaflow/domain';

/** What kind of thing an approval is about; the worker picks templates and side effects by it. */
export type ApprovalSubjectType = 'plan-assignment' | 'quota-set' | 'territory-change' | 'close';

/** Where a request's stages were routed: inline steps carry their stages, delegated ones are stored. */
export interface RoutedApproval {
  request: ApprovalRequestRef;
  steps: ApprovalStep[];
  /** Key of the stored stages of delegated steps (`approval_route_stages.route_key`). */
  routeKey?: string;
}

/** Where in a request something happened: the round (a resubmission), the step and its visit. */
export interface ApprovalPosition {
  subject: string;
  subjectType: ApprovalSubjectType;
  /** The workflow hosting the stage (inbox tasks point at it: the API sends decisions there). */
  workflowId: string;
  runId: string;
  round: number;
  step: number;
  visit: number;
}

export interface StageBrief {
  id: string;
  label: string;
  approverIds: string[];
  mode: 'any' | 'all';
  decisions: readonly ApprovalDecision[];
  actingRole?: Role;
  /** ISO time the stage's deadline passes, if it has one. */
  deadline?: string;
}

export interface ReturnedBy {
  actorId: string;
  stageLabel: string;
  comment?: string;
}

export interface OpenApprovalStepInput extends ApprovalPosition {
  stages: StageBrief[];
  returnedBy?: ReturnedBy;
}

/** The outbox rows of one step (at most one slice: STAGE_SLICE_SIZE approvers). */
export interface DeliverApprovalMessagesInput extends ApprovalPosition {
  outboxIds: string[];
}

/** At most DECISION_BATCH_LIMIT decisions of one workflow, oldest first. */
export interface RecordApprovalDecisionsInput {
  decisions: RecordApprovalDecisionInput[];
}

export interface RecordApprovalDecisionInput extends ApprovalPosition {
  stage: StageBrief;
  decision: {
    actorId: string;
    actorRoles: string[];
    decision: ApprovalDecision;
    comment?: string;
    decidedAt: string;
    idempotencyKey: string;
    ip?: string;
    userAgent?: string;
  };
  /** The decision satisfied its stage ('any': everyone's task closes as done). */
  stageCompleted: boolean;
  /** The decision ended the step's visit (completed, rejected, declined, adjustment): other open tasks close. */
  stepEnded: boolean;
  /** Plan acceptance: the document the rep decided on (the acceptance record carries its hash). */
  documentHash?: string;
}

export type StageNotice = 'reminder' | 'escalation' | 'deadline';

export interface NotifyApprovalStageInput extends ApprovalPosition {
  event: StageNotice;
  stage: StageBrief & { escalateToIds: string[]; deadlineNotifyIds?: string[]; onDeadline: OnDeadline; escalateAfterDays?: number };
  /** Reminder number within the visit (1, 2, …). */
  reminder?: number;
}

export interface CancelOpenApprovalTasksInput {
  workflowId: string;
  /** Without a round: every open task of the workflow (it ended). */
  round?: number;
  step?: number;
  visit?: number;
  status: 'cancelled';
}

export interface LoadApprovalSliceInput {
  subject: string;
  routeKey: string;
  round: number;
  step: number;
  offset: number;
  limit: number;
}

export interface ApprovalSlice {
  request: ApprovalRequestRef;
  stages: ApprovalStage[];
  /** People who signed earlier steps of this round and are approvers of this slice (separation of duties). */
  priorSigners: string[];
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
}

export interface ReportWorkflowFailureInput {
  subject: string;
  subjectType: ApprovalSubjectType;
  workflowId: string;
  runId: string;
  /** The stable code of the permanent failure, e.g. `DATABASE.INVALID_DATA`. */
  code: string;
  reason: string;
  occurredAt: string;
}

export interface ApprovalActivities {
  openApprovalStep(input: OpenApprovalStepInput): Promise<{ opened: number }>;
  /**
   * A large step's inbox tasks and their request emails' outbox rows, in one transaction, without
   * sending: the emails go out by deliverApprovalMessages while decisions are already recorded.
   */
  openApprovalStepTasks(input: OpenApprovalStepInput): Promise<{ opened: number; outboxIds: string[] }>;
  /** Sends the outbox rows a step opened (each once: a row already sent is skipped). */
  deliverApprovalMessages(input: DeliverApprovalMessagesInput): Promise<{ sent: number }>;
  /** The decision record, its audit event and the inbox change, in one transaction. */
  recordApprovalDecision(input: RecordApprovalDecisionInput): Promise<{ recorded: boolean }>;
  /**
   * Decisions that queued up while the previous one was being recorded (many reps acknowledging at
   * once), in order, in one transaction: each exactly as recordApprovalDecision records it.
   */
  recordApprovalDecisions(input: RecordApprovalDecisionsInput): Promise<{ recorded: number }>;
  notifyApprovalStage(input: NotifyApprovalStageInput): Promise<{ notified: number }>;
  cancelOpenApprovalTasks(input: CancelOpenApprovalTasksInput): Promise<{ closed: number }>;
  loadApprovalSlice(input: LoadApprovalSliceInput): Promise<ApprovalSlice>;
  recordAudit(input: RecordAuditInput): Promise<void>;
  /** The subject's state becomes `failed` with the reason, an audit event, and ops are alerted. */
  reportWorkflowFailure(input: ReportWorkflowFailureInput): Promise<void>;
}
