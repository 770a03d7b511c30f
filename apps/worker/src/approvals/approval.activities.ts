import { Inject, Injectable } from '@nestjs/common';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { faultPoint, type AppConfig } from '@quotaflow/config';
import {
  ApprovalRepository,
  AuditLog,
  OrganisationRepository,
  ApprovalTaskEntity,
  EmailOutboxEntity,
  type EmailOutboxInput,
} from '@quotaflow/persistence';
import type {
  ApprovalActivities,
  ApprovalSlice,
  ApprovalSubjectType,
  CancelOpenApprovalTasksInput,
  LoadApprovalSliceInput,
  NotifyApprovalStageInput,
  OpenApprovalStepInput,
  RecordApprovalDecisionInput,
  RecordApprovalDecisionsInput,
  DeliverApprovalMessagesInput,
  RecordAuditInput,
  ReportWorkflowFailureInput,
} from '@quotaflow/workflows';
import { DataSource, In, type EntityManager } from 'typeorm';
import { OutboxDelivery } from '../activities/outbox-delivery';
import { deadlineFlagged, taskEscalation, taskReminder, taskRequest } from '../templates/approval.templates';
import { render, whereToRead, type Message } from '../templates/message';
import { workflowFailed } from '../templates/operations.templates';
import { APP_CONFIG } from '../worker.tokens';
import { SUBJECT_HANDLERS, type SubjectFacts, type SubjectHandler } from './subject-handler';

const PAST_TENSE: Record<string, string> = {
  approve: 'approved',
  reject: 'rejected',
  accept: 'accepted',
  decline: 'declined',
  acknowledge: 'acknowledged',
  'request-adjustment': 'adjustment-requested',
};

/** Where a subject is read by people with a token (until the portal exists). */
export function subjectPath(subject: string): string {
  const [type, id] = [subject.slice(0, subject.indexOf(':')), subject.slice(subject.indexOf(':') + 1)];
  switch (type) {
    case 'plan-assignment':
      return `/api/v1/plan-assignments/${id}`;
    case 'quota-set':
      return `/api/v1/quota-sets/${id}`;
    case 'territory-change':
      return `/api/v1/territory-changes/${id}`;
    case 'close':
      return `/api/v1/periods/${id}/close`;
    default:
      return `/api/v1/audit/trace/${subject}`;
  }
}

/**
 * The approval kernel's activities (libs/workflows/src/approval/activities.ts): one transaction
 * each for the records (inbox tasks, the decision with its audit event, the subject's own
 * record), then the emails it owes, each from an outbox row unique on its purpose.
 */
@Injectable()
export class ApprovalActivitiesService implements ApprovalActivities {
  private readonly approvals: ApprovalRepository;
  private readonly organisation: OrganisationRepository;
  private readonly handlers: Map<ApprovalSubjectType, SubjectHandler>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditLog,
    private readonly delivery: OutboxDelivery,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(SUBJECT_HANDLERS) handlers: SubjectHandler[],
  ) {
    this.approvals = new ApprovalRepository(dataSource);
    this.organisation = new OrganisationRepository(dataSource);
    this.handlers = new Map(handlers.map((h) => [h.type, h]));
  }

  private handler(type: ApprovalSubjectType): SubjectHandler {
    const handler = this.handlers.get(type);
    if (!handler) throw ApplicationFailure.nonRetryable(`No subject handler for ${type}.`, 'APPROVAL.UNKNOWN_SUBJECT');
    return handler;
  }

  async openApprovalStep(input: OpenApprovalStepInput): Promise<{ opened: number }> {
    const handler = this.handler(input.subjectType);
    const { tasks, rows } = await this.openTasksAndOutbox(input);
    await this.deliverAll(rows, (row) => handler.delivered?.(row, input));
    return { opened: tasks.length };
  }

  async openApprovalStepTasks(input: OpenApprovalStepInput): Promise<{ opened: number; outboxIds: string[] }> {
    const { tasks, rows } = await this.openTasksAndOutbox(input);
    return { opened: tasks.length, outboxIds: rows.filter((r) => r.status !== 'sent').map((r) => r.id) };
  }

  async deliverApprovalMessages(input: DeliverApprovalMessagesInput): Promise<{ sent: number }> {
    const handler = this.handler(input.subjectType);
    if (input.outboxIds.length === 0) return { sent: 0 };
    const rows = await this.dataSource.manager.find(EmailOutboxEntity, { where: { id: In(input.outboxIds) }, order: { purpose: 'ASC' } });
    await this.deliverAll(rows, (row) => handler.delivered?.(row, input));
    return { sent: rows.length };
  }

  /** The step's inbox tasks, the subject's own record of it and its request emails' outbox rows, in one transaction. */
  private async openTasksAndOutbox(input: OpenApprovalStepInput): Promise<{ tasks: ApprovalTaskEntity[]; rows: EmailOutboxEntity[] }> {
    const handler = this.handler(input.subjectType);
    const approverIds = input.stages.flatMap((s) => s.approverIds);
    return this.dataSource.transaction(async (m) => {
      const facts = await handler.facts(m, input.subject, { personIds: approverIds, stageIds: input.stages.map((s) => s.id) });
      const tasks = await this.approvals.openTasks(
        input,
        input.stages.map((s) => ({ id: s.id, label: s.label, approverIds: s.approverIds, ...(s.deadline ? { deadline: s.deadline } : {}), summary: facts.summary })),
        m,
      );
      await handler.onStepOpened?.(m, input);
      const messages = (await handler.stepMessages?.(m, input, facts, tasks)) ?? (await this.taskRequests(m, input, facts, tasks));
      return { tasks, rows: await this.enqueue(messages, m) };
    });
  }

  private async taskRequests(m: EntityManager, input: OpenApprovalStepInput, facts: SubjectFacts, tasks: ApprovalTaskEntity[]): Promise<EmailOutboxInput[]> {
    const people = await this.organisation.people(tasks.map((t) => t.approverId), m);
    const returner = input.returnedBy ? (await this.organisation.person(input.returnedBy.actorId, m))?.name ?? 'Someone' : undefined;
    return tasks
      .filter((t) => t.status === 'open')
      .map((task) => {
        const person = people.get(task.approverId)!;
        const stage = input.stages.find((s) => s.id === task.stageId)!;
        const detail = facts.detail?.(stage.id, person.id);
        return this.message(`approval:${input.workflowId}:r${input.round}:${task.stageId}:${input.visit}:${person.id}`, person.email, taskRequest({
          personName: person.name,
          summary: facts.summary,
          stageLabel: stage.label,
          decisions: stage.decisions,
          ...(stage.deadline ? { deadline: stage.deadline } : {}),
          taskId: task.id,
          baseUrl: this.config.http.publicBaseUrl,
          ...(input.returnedBy && returner ? { returnedBy: { name: returner, stageLabel: input.returnedBy.stageLabel, ...(input.returnedBy.comment ? { comment: input.returnedBy.comment } : {}) } } : {}),
          ...(detail ? { detail } : {}),
        }));
      });
  }

  async recordApprovalDecision(input: RecordApprovalDecisionInput): Promise<{ recorded: boolean }> {
    const { recorded } = await this.recordApprovalDecisions({ decisions: [input] });
    return { recorded: recorded === 1 };
  }

  async recordApprovalDecisions(input: RecordApprovalDecisionsInput): Promise<{ recorded: number }> {
    const first = input.decisions[0];
    if (!first) return { recorded: 0 };
    const recorded = await this.dataSource.transaction(async (m) => {
      let count = 0;
      for (const decision of input.decisions) if (await this.recordDecision(m, decision)) count += 1;
      return count;
    });
    await faultPoint('decision-committed', first.subject);
    return { recorded };
  }

  /** One decision: its row (unique on its idempotency key), its audit event and the inbox change. */
  private async recordDecision(m: EntityManager, input: RecordApprovalDecisionInput): Promise<boolean> {
    const handler = this.handler(input.subjectType);
    const { decision, stage } = input;
    const role = stage.actingRole ?? decision.actorRoles[0] ?? 'unknown';
    const inserted = await this.approvals.insertDecision(
      {
        subject: input.subject,
        stage: stage.id,
        approverId: decision.actorId,
        approverRole: role,
        decision: decision.decision,
        comment: decision.comment ?? null,
        idempotencyKey: decision.idempotencyKey,
        workflowId: input.workflowId,
        runId: input.runId,
        decidedAt: new Date(decision.decidedAt),
        round: input.round,
        step: input.step,
        visit: input.visit,
      },
      m,
    );
    await this.audit.append(
      {
        dedupeKey: `${input.workflowId}:r${input.round}:s${input.step}:v${input.visit}:${stage.id}:decision:${decision.actorId}`,
        action: `${handler.auditPrefix}.${PAST_TENSE[decision.decision] ?? decision.decision}`,
        subject: input.subject,
        actorId: decision.actorId,
        actorRole: role,
        workflowId: input.workflowId,
        runId: input.runId,
        comment: decision.comment ?? null,
        data: {
          stageId: stage.id,
          stage: stage.label,
          decision: decision.decision,
          round: input.round,
          step: input.step,
          visit: input.visit,
          idempotencyKey: decision.idempotencyKey,
          ...(decision.ip !== undefined ? { ip: decision.ip } : {}),
          ...(decision.userAgent !== undefined ? { userAgent: decision.userAgent } : {}),
          ...(input.documentHash ? { documentHash: input.documentHash } : {}),
        },
        occurredAt: new Date(decision.decidedAt),
      },
      m,
    );
    await this.approvals.closeForDecision(
      {
        workflowId: input.workflowId,
        round: input.round,
        step: input.step,
        visit: input.visit,
        stageId: stage.id,
        approverId: decision.actorId,
        decision: decision.decision,
        stageCompleted: input.stageCompleted,
        mode: stage.mode,
        stepEnded: input.stepEnded,
      },
      m,
    );
    await handler.onDecision?.(m, input);
    return inserted;
  }

  async notifyApprovalStage(input: NotifyApprovalStageInput): Promise<{ notified: number }> {
    const handler = this.handler(input.subjectType);
    const { stage } = input;
    const rows = await this.dataSource.transaction(async (m) => {
      const action = input.event === 'reminder' ? 'reminded' : input.event === 'escalation' ? 'escalated' : 'deadline-passed';
      await this.audit.append(
        {
          dedupeKey: `${input.workflowId}:r${input.round}:s${input.step}:v${input.visit}:${stage.id}:${input.event}${input.reminder !== undefined ? `:${input.reminder}` : ''}`,
          action: `${handler.auditPrefix}.${action}`,
          subject: input.subject,
          workflowId: input.workflowId,
          runId: input.runId,
          data: {
            stageId: stage.id,
            round: input.round,
            step: input.step,
            visit: input.visit,
            ...(input.reminder !== undefined ? { reminder: input.reminder } : {}),
            ...(input.event === 'escalation' ? { escalateToIds: stage.escalateToIds } : {}),
            ...(input.event === 'deadline' ? { onDeadline: stage.onDeadline } : {}),
          },
        },
        m,
      );
      const open = await m.find(ApprovalTaskEntity, {
        where: { workflowId: input.workflowId, round: input.round, visit: input.visit, stageId: stage.id, status: 'open' },
      });
      if (input.event === 'deadline' && (stage.onDeadline === 'expire' || stage.onDeadline === 'proceed-flagged')) {
        await this.approvals.closeOpen({ workflowId: input.workflowId, round: input.round, visit: input.visit, stageId: stage.id }, m);
      }
      const facts = await handler.facts(m, input.subject, { personIds: open.map((t) => t.approverId), stageIds: [stage.id] });
      const messages = (await handler.noticeMessages?.(m, input, facts, open)) ?? (await this.notices(m, input, facts, open));
      return this.enqueue(messages, m);
    });
    await this.deliverAll(rows);
    return { notified: rows.length };
  }

  private async notices(m: EntityManager, input: NotifyApprovalStageInput, facts: SubjectFacts, open: ApprovalTaskEntity[]): Promise<EmailOutboxInput[]> {
    const { stage } = input;
    const base = `${input.workflowId}:r${input.round}:${stage.id}:${input.visit}`;
    if (input.event === 'reminder') {
      const people = await this.organisation.people(open.map((t) => t.approverId), m);
      return open.map((task) => {
        const person = people.get(task.approverId)!;
        const detail = facts.detail?.(stage.id, person.id);
        return this.message(`${base}:reminder:${input.reminder}:${person.id}`, person.email, taskReminder({
          personName: person.name, summary: facts.summary, stageLabel: stage.label, decisions: stage.decisions,
          ...(stage.deadline ? { deadline: stage.deadline } : {}), taskId: task.id, baseUrl: this.config.http.publicBaseUrl,
          reminder: input.reminder ?? 1, ...(detail ? { detail } : {}),
        }));
      });
    }
    const flagged = input.event === 'deadline' && stage.onDeadline === 'proceed-flagged';
    if (input.event === 'deadline' && !flagged) return [];
    const waiting = await this.organisation.people(open.map((t) => t.approverId), m);
    const recipients = await this.organisation.people([...stage.escalateToIds, ...(flagged ? (stage.deadlineNotifyIds ?? []) : [])], m);
    const facts2 = {
      summary: facts.summary,
      stageLabel: stage.label,
      waitingFor: [...waiting.values()].map((p) => p.name),
      ...(stage.escalateAfterDays !== undefined ? { days: stage.escalateAfterDays } : {}),
      reference: whereToRead(this.config.http.publicBaseUrl, subjectPath(input.subject)),
    };
    return [...recipients.values()].map((person) =>
      this.message(`${base}:${input.event}:${person.id}`, person.email, (flagged ? deadlineFlagged : taskEscalation)({ ...facts2, personName: person.name })),
    );
  }

  async cancelOpenApprovalTasks(input: CancelOpenApprovalTasksInput): Promise<{ closed: number }> {
    const closed = await this.approvals.closeOpen({
      workflowId: input.workflowId,
      ...(input.round !== undefined ? { round: input.round } : {}),
      ...(input.step !== undefined ? { step: input.step } : {}),
      ...(input.visit !== undefined ? { visit: input.visit } : {}),
    });
    return { closed };
  }

  async loadApprovalSlice(input: LoadApprovalSliceInput): Promise<ApprovalSlice> {
    const route = await this.approvals.routeRequest(input.routeKey);
    if (!route) throw ApplicationFailure.nonRetryable(`No stored route ${input.routeKey}.`, 'APPROVAL.ROUTE_NOT_FOUND');
    const stages = await this.approvals.loadSlice(input.routeKey, input.step, input.offset, input.limit);
    if (stages.length === 0) throw ApplicationFailure.nonRetryable(`Route ${input.routeKey} has no stages at ${input.step}/${input.offset}.`, 'APPROVAL.ROUTE_NOT_FOUND');
    const approvers = new Set(stages.flatMap((s) => s.approverIds));
    const priorSigners = await this.approvals.priorSigners(input.subject, input.round, input.step, [...approvers]);
    return {
      request: { requesterId: route.request.requesterId, subjectPersonIds: route.request.subjectPersonIds.filter((id) => approvers.has(id)) },
      stages,
      priorSigners,
    };
  }

  async recordAudit(input: RecordAuditInput): Promise<void> {
    await this.audit.append({
      dedupeKey: input.dedupeKey,
      action: input.action,
      subject: input.subject,
      actorId: input.actorId ?? null,
      actorRole: input.actorRole ?? null,
      workflowId: input.workflowId,
      runId: input.runId,
      comment: input.comment ?? null,
      data: input.data ?? null,
      ...(input.occurredAt ? { occurredAt: new Date(input.occurredAt) } : {}),
    });
  }

  async reportWorkflowFailure(input: ReportWorkflowFailureInput): Promise<void> {
    const handler = this.handler(input.subjectType);
    const rows = await this.dataSource.transaction(async (m) => {
      await this.approvals.recordFailure(
        { subject: input.subject, workflowId: input.workflowId, runId: input.runId, code: input.code, reason: input.reason.slice(0, 4000), occurredAt: new Date(input.occurredAt) },
        m,
      );
      await this.audit.append(
        {
          dedupeKey: `${input.workflowId}:${input.runId}:failed`,
          action: `${handler.auditPrefix}.failed`,
          subject: input.subject,
          workflowId: input.workflowId,
          runId: input.runId,
          data: { code: input.code, reason: input.reason.slice(0, 4000) },
          occurredAt: new Date(input.occurredAt),
        },
        m,
      );
      await handler.onFailure(m, input.subject);
      await this.approvals.closeOpen({ workflowId: input.workflowId }, m);
      const ops = await this.organisation.withRole('ops', m);
      return this.enqueue(
        ops.map((person) =>
          this.message(`${input.workflowId}:${input.runId}:failed:${person.id}`, person.email, workflowFailed({
            personName: person.name, subject: input.subject, workflowId: input.workflowId, code: input.code, reason: input.reason,
            reference: whereToRead(this.config.http.publicBaseUrl, subjectPath(input.subject)),
          })),
        ),
        m,
      );
    });
    await this.deliverAll(rows);
  }

  private message(purpose: string, toAddress: string, message: Message): EmailOutboxInput {
    const rendered = render(message);
    return { purpose, toAddress, subject: rendered.subject, text: rendered.text, html: rendered.html };
  }

  private async enqueue(messages: EmailOutboxInput[], m: EntityManager): Promise<EmailOutboxEntity[]> {
    const rows: EmailOutboxEntity[] = [];
    for (const message of messages) rows.push(await this.delivery.outbox.enqueue(message, m));
    return rows;
  }

  /** Sends each row not sent yet (a retried attempt sends only what is missing), heartbeating progress. */
  private async deliverAll(rows: EmailOutboxEntity[], delivered?: (row: EmailOutboxEntity) => Promise<void> | undefined): Promise<void> {
    let sent = 0;
    for (const row of rows) {
      if ((await this.delivery.deliver(row)) === 'sent') await delivered?.(row);
      sent += 1;
      heartbeat({ sent, of: rows.length });
    }
  }
}

function heartbeat(details: unknown): void {
  try {
    const context = Context.current();
    // A local activity has no heartbeat on the server (core logs a warning for each one): its
    // workflow task's own heartbeat keeps it alive.
    if (!context.info.isLocal) context.heartbeat(details);
  } catch {
    // Called outside an activity (a unit test): nothing to heartbeat.
  }
}
