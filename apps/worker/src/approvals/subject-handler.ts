import type { EmailOutboxEntity, EmailOutboxInput } from '@quotaflow/persistence';
import type {
  ApprovalPosition,
  ApprovalSubjectType,
  NotifyApprovalStageInput,
  OpenApprovalStepInput,
  RecordApprovalDecisionInput,
} from '@quotaflow/workflows';
import type { ApprovalTaskEntity } from '@quotaflow/persistence';
import type { EntityManager } from 'typeorm';

/** What a request is, for the inbox and for emails. */
export interface SubjectFacts {
  /** One sentence naming the request, without the stage ("Quota set 2026-Q1 (…), version 2"). */
  summary: string;
  /** Per stage and person, a sentence of their own ("Your quota for 2026-Q1 is USD 300,000.00."). */
  detail?(stageId: string, personId: string): string | undefined;
}

/**
 * The parts of the approval kernel's activities that depend on what is being approved: plan
 * acceptance, quota sign-off, territory change (and the close). Everything runs inside the
 * kernel activity's transaction (`m`); messages returned are enqueued there and sent after it.
 */
export interface SubjectHandler {
  readonly type: ApprovalSubjectType;
  /** Audit actions are `<prefix>.<what>` (e.g. `quota-set.approved`). */
  readonly auditPrefix: string;
  /** Facts for the people and stages at hand (a step child reads only its slice's people). */
  facts(m: EntityManager, subject: string, about: { personIds: readonly string[]; stageIds: readonly string[] }): Promise<SubjectFacts>;
  /** The subject's own state when a step opens (a plan assignment becomes `pending_rep`). */
  onStepOpened?(m: EntityManager, input: OpenApprovalStepInput): Promise<void>;
  /** Messages when a step opens; undefined: the kernel's request to every approver. */
  stepMessages?(m: EntityManager, input: OpenApprovalStepInput, facts: SubjectFacts, tasks: ApprovalTaskEntity[]): Promise<EmailOutboxInput[] | undefined>;
  /** The subject's own record of a decision (the acceptance, a quota acknowledgement). */
  onDecision?(m: EntityManager, input: RecordApprovalDecisionInput): Promise<void>;
  /** Messages of a reminder, escalation or missed deadline; undefined: the kernel's. */
  noticeMessages?(m: EntityManager, input: NotifyApprovalStageInput, facts: SubjectFacts, openTasks: ApprovalTaskEntity[]): Promise<EmailOutboxInput[] | undefined>;
  /** After an email of this subject went out (e.g. the plan invite is audited as `emailed`). */
  delivered?(row: EmailOutboxEntity, position: ApprovalPosition): Promise<void>;
  /** The subject's state becomes `failed`. */
  onFailure(m: EntityManager, subject: string): Promise<void>;
}

export const SUBJECT_HANDLERS = Symbol('SUBJECT_HANDLERS');

export function subjectId(subject: string): string {
  return subject.slice(subject.indexOf(':') + 1);
}
