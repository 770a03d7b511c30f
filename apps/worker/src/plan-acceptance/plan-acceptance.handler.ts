import { Inject, Injectable } from '@nestjs/common';
import { ApplicationFailure } from '@temporalio/common';
import type { AppConfig } from '@quotaflow/config';
import { formatAmount } from '@quotaflow/domain/plan-text';
import {
  AuditLog,
  OrganisationRepository,
  PlanAssignmentRepository,
  type ApprovalTaskEntity,
  type AssignmentContext,
  type EmailOutboxEntity,
  type EmailOutboxInput,
  type PersonEntity,
} from '@quotaflow/persistence';
import {
  MANAGER_STAGE_ID,
  type ApprovalPosition,
  REP_STAGE_ID,
  type NotifyApprovalStageInput,
  type OpenApprovalStepInput,
  type RecordApprovalDecisionInput,
} from '@quotaflow/workflows';
import { DataSource, type EntityManager } from 'typeorm';
import { render } from '../templates/message';
import { planEmail, type PlanEmailFacts, type PlanEmailTemplate } from '../templates/plan.templates';
import { APP_CONFIG } from '../worker.tokens';
import { subjectId, type SubjectFacts, type SubjectHandler } from '../approvals/subject-handler';

/** Plan acceptance's part of the approval kernel: its emails, the assignment's state, the acceptance record. */
@Injectable()
export class PlanAcceptanceHandler implements SubjectHandler {
  readonly type = 'plan-assignment' as const;
  readonly auditPrefix = 'plan-assignment';
  private readonly assignments: PlanAssignmentRepository;
  private readonly organisation: OrganisationRepository;
  /** What `facts` read for a step being opened, kept for that transaction's `stepMessages`. */
  private readonly opening = new WeakMap<EntityManager, AssignmentContext>();

  constructor(
    dataSource: DataSource,
    private readonly audit: AuditLog,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.assignments = new PlanAssignmentRepository(dataSource);
    this.organisation = new OrganisationRepository(dataSource);
  }

  async load(m: EntityManager, assignmentId: string): Promise<AssignmentContext> {
    const context = await this.assignments.context(assignmentId, m);
    if (!context) throw ApplicationFailure.nonRetryable(`No plan assignment ${assignmentId}.`, 'PLAN_ASSIGNMENT.NOT_FOUND');
    return context;
  }

  async facts(m: EntityManager, subject: string, _about: { personIds: readonly string[]; stageIds: readonly string[] }): Promise<SubjectFacts> {
    const context = await this.load(m, subjectId(subject));
    this.opening.set(m, context);
    const { plan, version, rep } = context;
    return { summary: `${plan.name} version ${version.version} (${version.periodLabel}) for ${rep.name}` };
  }

  /** The facts every plan email is written from, greeting `recipient`. */
  emailFacts(context: AssignmentContext, recipient: PersonEntity, extra: Partial<PlanEmailFacts> = {}): PlanEmailFacts {
    const { assignment, version, plan, rep } = context;
    return {
      recipientName: recipient.name,
      repName: rep.name,
      planName: plan.name,
      version: version.version,
      periodLabel: version.periodLabel,
      periodStart: version.effectiveFrom,
      periodEnd: version.effectiveTo,
      companyName: this.config.organisation.name,
      ...(assignment.quota !== null ? { quota: formatAmount(assignment.quota, this.config.organisation.currency) } : {}),
      assignmentId: assignment.id,
      baseUrl: this.config.http.publicBaseUrl,
      ...extra,
    };
  }

  email(purpose: string, to: PersonEntity, template: PlanEmailTemplate, facts: PlanEmailFacts, options: { attachPlan?: boolean } = {}): EmailOutboxInput {
    const message = render(planEmail(template, facts));
    return {
      purpose,
      toAddress: to.email,
      subject: message.subject,
      text: message.text,
      html: message.html,
      ...(options.attachPlan
        ? { attachments: [{ filename: `${facts.planName.replace(/[^A-Za-z0-9.-]+/g, '-')}-v${facts.version}.pdf`, contentType: 'application/pdf', source: { kind: 'plan-document' as const, assignmentId: facts.assignmentId } }] }
        : {}),
    };
  }

  async onStepOpened(m: EntityManager, input: OpenApprovalStepInput): Promise<void> {
    const stage = input.stages[0]!;
    await this.assignments.setState(m, subjectId(input.subject), {
      status: stage.id === MANAGER_STAGE_ID ? 'pending_manager' : 'pending_rep',
      nextDeadline: stage.deadline ? new Date(stage.deadline) : null,
    });
  }

  async stepMessages(m: EntityManager, input: OpenApprovalStepInput, _facts: SubjectFacts, tasks: ApprovalTaskEntity[]): Promise<EmailOutboxInput[]> {
    const assignmentId = subjectId(input.subject);
    // Read by `facts` in the same transaction (only the assignment's state has moved since).
    const read = this.opening.get(m);
    this.opening.delete(m);
    const context = read && read.assignment.id === assignmentId ? read : await this.load(m, assignmentId);
    const stage = input.stages[0]!;
    const visit = input.visit > 1 ? `:v${input.visit}` : '';
    const base = `plan-acceptance:${context.assignment.id}`;
    const deadline = stage.deadline ? { deadline: stage.deadline } : {};
    if (stage.id === REP_STAGE_ID) {
      return [this.email(`${base}:invite${visit}`, context.rep, 'plan-invite', this.emailFacts(context, context.rep, deadline), { attachPlan: true })];
    }
    const managers = await this.organisation.people(tasks.map((t) => t.approverId), m);
    return [...managers.values()].map((manager) =>
      this.email(`${base}:manager-preapproval${visit}`, manager, 'manager-preapproval', this.emailFacts(context, manager, { ...deadline, ...(tasks[0] ? { taskId: tasks[0].id } : {}) })),
    );
  }

  async noticeMessages(m: EntityManager, input: NotifyApprovalStageInput): Promise<EmailOutboxInput[]> {
    const context = await this.load(m, subjectId(input.subject));
    const { stage } = input;
    const manager = stage.id === MANAGER_STAGE_ID;
    const suffix = `${stage.id}${input.visit > 1 ? `:v${input.visit}` : ''}`;
    const base = `plan-acceptance:${context.assignment.id}:${suffix}`;
    const deadline = stage.deadline ? { deadline: stage.deadline } : {};
    if (input.event === 'reminder') {
      const approvers = await this.organisation.people(stage.approverIds, m);
      return [...approvers.values()].map((person) =>
        this.email(`${base}:reminder:${input.reminder}`, person, manager ? 'manager-reminder' : 'plan-reminder', this.emailFacts(context, person, { ...deadline, reminder: input.reminder ?? 1 })),
      );
    }
    if (input.event === 'escalation') {
      const recipients = await this.organisation.people(stage.escalateToIds, m);
      return [...recipients.values()].map((person) =>
        this.email(`${base}:escalation:${person.id}`, person, manager ? 'manager-escalation' : 'plan-escalation', this.emailFacts(context, person, deadline)),
      );
    }
    // Expiry: ops hear of it when the workflow finishes (finishPlanAcceptance).
    return [];
  }

  async onDecision(m: EntityManager, input: RecordApprovalDecisionInput): Promise<void> {
    const assignmentId = subjectId(input.subject);
    const { decision } = input;
    const at = new Date(decision.decidedAt);
    if (input.stage.id === REP_STAGE_ID) {
      const { assignment, version } = await this.load(m, assignmentId);
      if (decision.decision !== 'accept' && decision.decision !== 'decline') return;
      await this.assignments.recordAcceptance(m, {
        assignmentId,
        personId: assignment.personId,
        decision: decision.decision === 'accept' ? 'accepted' : 'declined',
        reason: decision.decision === 'decline' ? (decision.comment ?? null) : null,
        decidedAt: at,
        ip: decision.ip ?? null,
        userAgent: decision.userAgent ?? null,
        documentHash: input.documentHash ?? '',
        rulesFingerprint: version.documentHash,
      });
      await this.assignments.setState(m, assignmentId, {
        status: decision.decision === 'accept' ? 'accepted' : 'declined',
        decidedAt: at,
        nextDeadline: null,
        ...(decision.decision === 'accept' ? { effectiveAt: at } : {}),
      });
    } else if (decision.decision === 'reject') {
      // The manager's rejection ends it: the rep is never asked.
      await this.assignments.setState(m, assignmentId, { status: 'declined', decidedAt: at, nextDeadline: null });
    }
  }

  /** The invite is part of the acceptance's evidence: when it went out, and to whom. */
  async delivered(row: EmailOutboxEntity, position: ApprovalPosition): Promise<void> {
    if (!/:invite(:v\d+)?$/.test(row.purpose)) return;
    await this.audit.append({
      dedupeKey: `${position.subject}:emailed:${row.purpose}`,
      action: 'plan-assignment.emailed',
      subject: position.subject,
      workflowId: position.workflowId,
      runId: position.runId,
      data: { purpose: row.purpose, template: 'plan-invite', to: row.toAddress, messageId: row.messageId },
    });
  }

  async onFailure(m: EntityManager, subject: string): Promise<void> {
    await this.assignments.setState(m, subjectId(subject), { status: 'failed', nextDeadline: null });
  }
}
