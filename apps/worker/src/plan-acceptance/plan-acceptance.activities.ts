import { Inject, Injectable, Logger } from '@nestjs/common';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { faultPoint, type AppConfig } from '@quotaflow/config';
import {
  DEFAULT_APPROVAL_POLICY,
  groupIntoSteps,
  isDomainError,
  resolveStages,
  withThresholds,
  type PlanInput,
} from '@quotaflow/domain';
import { ApprovalRepository, AuditLog, OrganisationRepository, PlanAssignmentRepository, type EmailOutboxEntity, type PersonEntity } from '@quotaflow/persistence';
import type {
  FinishPlanAcceptanceInput,
  PlanAcceptanceActivities,
  PreparePlanAcceptanceInput,
  PreparedPlanAcceptance,
} from '@quotaflow/workflows';
import { DataSource } from 'typeorm';
import { OutboxDelivery } from '../activities/outbox-delivery';
import { APP_CONFIG } from '../worker.tokens';
import { PlanAcceptanceHandler } from './plan-acceptance.handler';
import { renderPlanPdf } from './plan-document.renderer';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Plan acceptance's own activities: preparing the request (PDF, route) and finishing it. */
@Injectable()
export class PlanAcceptanceActivitiesService implements PlanAcceptanceActivities {
  private readonly logger = new Logger(PlanAcceptanceActivitiesService.name);
  private readonly assignments: PlanAssignmentRepository;
  private readonly organisation: OrganisationRepository;
  private readonly approvals: ApprovalRepository;

  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditLog,
    private readonly handler: PlanAcceptanceHandler,
    private readonly delivery: OutboxDelivery,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.assignments = new PlanAssignmentRepository(dataSource);
    this.organisation = new OrganisationRepository(dataSource);
    this.approvals = new ApprovalRepository(dataSource);
  }

  async preparePlanAcceptance(input: PreparePlanAcceptanceInput): Promise<PreparedPlanAcceptance> {
    const context = await this.handler.load(this.dataSource.manager, input.assignmentId);
    const { assignment, version, plan, rep } = context;
    const subject = `plan-assignment:${assignment.id}`;
    await this.audit.append({
      dedupeKey: `${subject}:published`,
      action: 'plan-assignment.published',
      subject,
      actorId: assignment.publishedById,
      actorRole: 'ops',
      workflowId: input.workflowId,
      runId: input.runId,
      data: { planVersionId: version.id, settings: assignment.settings },
      occurredAt: new Date(input.at),
    });

    let stored: { sha256: string; pages: number } | null = await this.assignments.documentInfo(assignment.id);
    if (!stored) {
      const rendered = await renderPlanPdf({
        assignmentId: assignment.id,
        companyName: this.config.organisation.name,
        currency: this.config.organisation.currency,
        repName: rep.name,
        planName: plan.name,
        planKey: plan.key,
        version: version.version,
        periodLabel: version.periodLabel,
        effectiveFrom: version.effectiveFrom,
        effectiveTo: version.effectiveTo,
        quota: assignment.quota,
        publishedAt: assignment.publishedAt,
        acceptBy: assignment.settings.managerPreApproval
          ? { days: assignment.settings.expireAfterDays }
          : { date: new Date(Date.parse(input.at) + assignment.settings.expireAfterDays * DAY_MS).toISOString().slice(0, 10) },
        plan: version.document as unknown as PlanInput,
        planVersionHash: version.documentHash,
      });
      heartbeat('rendered');
      await faultPoint('pdf-rendered', subject);
      const written = await this.assignments.storeDocument(assignment.id, rendered.pdf, rendered.sha256, rendered.pages);
      if (written.stored) this.delivery.rememberPlanDocument(assignment.id, rendered.pdf);
      stored = written;
      this.logger.log(`rendered plan document for ${assignment.id}: ${rendered.pages} pages, ${rendered.sha256}`);
    }
    const document = stored;
    await this.audit.append({
      dedupeKey: `${subject}:document-rendered`,
      action: 'plan-assignment.document-rendered',
      subject,
      workflowId: input.workflowId,
      runId: input.runId,
      data: { documentHash: document.sha256, pages: document.pages, rulesFingerprint: version.documentHash },
      occurredAt: new Date(input.at),
    });

    const org = await this.organisation.around([rep.id], ['ops']);
    try {
      const stages = resolveStages(
        withThresholds(DEFAULT_APPROVAL_POLICY, { financeAbove: this.config.approvals.financeThreshold }),
        {
          kind: 'plan-acceptance',
          subject,
          requesterId: assignment.publishedById,
          subjectPersonIds: [rep.id],
          settings: assignment.settings,
        },
        org,
      );
      return {
        documentHash: document.sha256,
        pages: document.pages,
        route: {
          request: { requesterId: assignment.publishedById, subjectPersonIds: [rep.id] },
          steps: groupIntoSteps(stages).map((s) => ({ kind: 'inline', stages: s })),
        },
      };
    } catch (e) {
      // Nobody may decide (the rep left, the manager is the publisher): retrying will not help.
      if (isDomainError(e)) throw ApplicationFailure.create({ type: e.code, message: e.message, nonRetryable: true, details: [e.details ?? null] });
      throw e;
    }
  }

  async finishPlanAcceptance(input: FinishPlanAcceptanceInput): Promise<void> {
    const subject = `plan-assignment:${input.assignmentId}`;
    const rows = await this.dataSource.transaction(async (m) => {
      const context = await this.handler.load(m, input.assignmentId);
      const base = `plan-acceptance:${input.assignmentId}`;
      const at = new Date(input.at);
      const out: EmailOutboxEntity[] = [];
      const send = async (purpose: string, template: Parameters<PlanAcceptanceHandler['email']>[2], recipients: PersonEntity[], extra: { reason?: string; comment?: string } = {}) => {
        for (const person of recipients) {
          const facts = this.handler.emailFacts(context, person, extra);
          out.push(await this.delivery.outbox.enqueue(this.handler.email(`${purpose}:${person.id}`, person, template, facts), m));
        }
      };
      const ops = await this.organisation.withRole('ops', m);
      const manager = context.rep.managerId ? await this.organisation.person(context.rep.managerId, m) : null;
      switch (input.outcome) {
        case 'declined':
          if (manager) await send(`${base}:declined:manager`, 'plan-declined', [manager], { reason: input.decision?.comment });
          await send(`${base}:declined:ops`, 'plan-declined', ops, { reason: input.decision?.comment });
          break;
        case 'returned':
          await send(`${base}:rejected-by-manager:ops`, 'plan-rejected-by-manager', ops, { comment: input.decision?.comment });
          break;
        case 'expired':
          await this.assignments.setState(m, input.assignmentId, { status: 'expired', nextDeadline: null });
          await this.audit.append({
            dedupeKey: `${subject}:expired`, action: 'plan-assignment.expired', subject, workflowId: input.workflowId, runId: input.runId,
            data: { expireAfterDays: context.assignment.settings.expireAfterDays }, occurredAt: at,
          }, m);
          await send(`${base}:expired:ops`, 'plan-expired', ops);
          break;
        case 'cancelled':
          await this.assignments.setState(m, input.assignmentId, { status: 'superseded', nextDeadline: null, ...(input.supersededById ? { supersededById: input.supersededById } : {}) });
          await this.audit.append({
            dedupeKey: `${subject}:superseded`, action: 'plan-assignment.superseded', subject, workflowId: input.workflowId, runId: input.runId,
            data: { byAssignmentId: input.supersededById ?? null }, occurredAt: at,
          }, m);
          break;
        case 'approved':
          break;
      }
      await this.approvals.closeOpen({ workflowId: input.workflowId }, m);
      return out;
    });
    for (const row of rows) await this.delivery.deliver(row);
  }
}

function heartbeat(details: unknown): void {
  try {
    const context = Context.current();
    // A local activity has no heartbeat on the server (core logs a warning for each one): its
    // workflow task's own heartbeat keeps it alive.
    if (!context.info.isLocal) context.heartbeat(details);
  } catch {
    // outside an activity
  }
}
