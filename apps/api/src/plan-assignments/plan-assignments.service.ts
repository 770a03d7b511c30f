import { Injectable } from '@nestjs/common';
import { Client, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { DomainError } from '@quotaflow/domain';
import {
  AcceptanceEntity, ApprovalDecisionEntity, AuditLog, PersonEntity, PlanAssignmentEntity, PlanDocumentEntity, PlanEntity, PlanVersionEntity,
} from '@quotaflow/persistence';
import type { DecisionRequest, PlanAcceptanceStatus } from '@quotaflow/workflows';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { READ_ALL, type Principal } from '../auth/principal';
import { liveStatus } from '../common/live-status';

export interface DecisionContext { idempotencyKey?: string; ip?: string; userAgent?: string }

const PENDING = ['pending_manager', 'pending_rep'];


@Injectable()
export class PlanAssignmentsService {
  constructor(private readonly dataSource: DataSource, private readonly temporal: Client, private readonly audit: AuditLog) {}

  private async load(id: string): Promise<{ assignment: PlanAssignmentEntity; person: PersonEntity }> {
    const assignment = await this.dataSource.getRepository(PlanAssignmentEntity).findOne({ where: { id } });
    if (!assignment) throw new DomainError('PLAN_ASSIGNMENT.NOT_FOUND', `No plan assignment with id ${id}.`, { field: 'id', value: id });
    const person = await this.dataSource.getRepository(PersonEntity).findOneOrFail({ where: { id: assignment.personId } });
    return { assignment, person };
  }

  private canRead(actor: Principal, person: PersonEntity): boolean {
    return actor.id === person.id || actor.id === person.managerId || actor.roles.some((r) => READ_ALL.includes(r));
  }

  async view(actor: Principal, id: string) {
    const { assignment, person } = await this.load(id);
    if (!this.canRead(actor, person)) throw new DomainError('AUTH.FORBIDDEN', 'You may not read this plan assignment.');
    return this.render(assignment, person);
  }

  async listMine(actor: Principal) {
    const rows = await this.dataSource.getRepository(PlanAssignmentEntity).find({ where: { personId: actor.id }, order: { publishedAt: 'DESC' } });
    const me = await this.dataSource.getRepository(PersonEntity).findOneOrFail({ where: { id: actor.id } });
    return Promise.all(rows.map((a) => this.render(a, me, false)));
  }

  async document(actor: Principal, id: string): Promise<PlanDocumentEntity> {
    const { person } = await this.load(id);
    if (!this.canRead(actor, person)) throw new DomainError('AUTH.FORBIDDEN', 'You may not read this plan document.');
    const doc = await this.dataSource.getRepository(PlanDocumentEntity).findOne({ where: { assignmentId: id } });
    if (!doc) throw new DomainError('PLAN_DOCUMENT.NOT_FOUND', 'The plan document has not been rendered yet.');
    return doc;
  }

  private async render(assignment: PlanAssignmentEntity, person: PersonEntity, withLive = true) {
    const version = await this.dataSource.getRepository(PlanVersionEntity).findOneOrFail({ where: { id: assignment.planVersionId } });
    const plan = await this.dataSource.getRepository(PlanEntity).findOneOrFail({ where: { id: version.planId } });
    const acceptance = await this.dataSource.getRepository(AcceptanceEntity).findOne({ where: { assignmentId: assignment.id } });
    const doc = await this.dataSource.getRepository(PlanDocumentEntity).findOne({ where: { assignmentId: assignment.id }, select: { sha256: true, pages: true, createdAt: true, id: true, assignmentId: true } });
    const events = await this.audit.list({ subject: `plan-assignment:${assignment.id}`, limit: 500 });
    let live: PlanAcceptanceStatus | undefined;
    if (withLive && PENDING.includes(assignment.status)) {
      live = await liveStatus<PlanAcceptanceStatus>(this.temporal, assignment.workflowId);
    }
    return {
      id: assignment.id,
      status: assignment.status,
      person: { id: person.id, name: person.name, email: person.email },
      plan: { id: plan.id, key: plan.key, name: plan.name, versionId: version.id, version: version.version, periodLabel: version.periodLabel, effectiveFrom: version.effectiveFrom },
      quota: assignment.quota,
      settings: assignment.settings,
      publishedAt: assignment.publishedAt,
      decidedAt: assignment.decidedAt ?? null,
      effectiveAt: assignment.effectiveAt ?? null,
      supersededById: assignment.supersededById ?? null,
      nextDeadline: live?.nextDeadline ?? assignment.nextDeadline ?? null,
      workflowId: assignment.workflowId,
      document: doc ? { sha256: doc.sha256, pages: doc.pages, href: `/api/v1/plan-assignments/${assignment.id}/document` } : null,
      decision: acceptance ? { decision: acceptance.decision, reason: acceptance.reason ?? null, decidedAt: acceptance.decidedAt, ip: acceptance.ip, userAgent: acceptance.userAgent, documentHash: acceptance.documentHash } : null,
      workflow: live ?? null,
      history: events.map((e) => ({ at: e.occurredAt, action: e.action, actorId: e.actorId ?? null, actorRole: e.actorRole ?? null, comment: e.comment ?? null, runId: e.runId ?? null })),
    };
  }

  /** Accept, decline (the rep) or approve/reject (the manager's pre-approval): a validated workflow Update. */
  async decide(actor: Principal, id: string, decision: DecisionRequest['decision'], text: { reason?: string; comment?: string }, ctx: DecisionContext) {
    const { assignment, person } = await this.load(id);
    const repDecision = decision === 'accept' || decision === 'decline';
    // Domain rules first (the workflow's validator checks them again).
    if (repDecision && actor.id !== person.id) {
      throw new DomainError('AUTH.FORBIDDEN', 'Only the rep the plan was published to may accept or decline it.');
    }
    if (!repDecision) {
      if (actor.id !== person.managerId) throw new DomainError('AUTH.FORBIDDEN', "Only the rep's manager may pre-approve this plan.");
      if (actor.id === assignment.publishedById) throw new DomainError('AUTH.SELF_DECISION', 'You published this plan; someone else must pre-approve it.');
    }
    if (ctx.idempotencyKey) {
      const prior = await this.dataSource.getRepository(ApprovalDecisionEntity).findOne({ where: { idempotencyKey: ctx.idempotencyKey } });
      if (prior) {
        if (prior.subject !== `plan-assignment:${id}` || prior.approverId !== actor.id) {
          throw new DomainError('IDEMPOTENCY.KEY_REUSED', 'This Idempotency-Key was used for another request.', { field: 'Idempotency-Key' });
        }
        const current = await this.load(id);
        return {
          id, status: current.assignment.status, decision: prior.decision, workflowId: assignment.workflowId, documentHash: null,
          nextDeadline: current.assignment.nextDeadline, links: { self: `/api/v1/plan-assignments/${id}` }, replayed: true,
        };
      }
    }
    if (!PENDING.includes(assignment.status)) {
      const code = assignment.status === 'accepted' || assignment.status === 'declined' ? 'PLAN_ASSIGNMENT.ALREADY_DECIDED' : 'PLAN_ASSIGNMENT.NOT_PENDING';
      throw new DomainError(code, `This plan assignment is ${assignment.status}.`, { status: assignment.status });
    }
    if (repDecision && assignment.status === 'pending_manager') {
      throw new DomainError('PLAN_ASSIGNMENT.NOT_PENDING', 'This plan awaits the manager’s pre-approval.', { status: assignment.status });
    }
    if (!repDecision && assignment.status !== 'pending_manager') {
      throw new DomainError('PLAN_ASSIGNMENT.NOT_PENDING', 'This plan does not await a pre-approval.', { status: assignment.status });
    }
    const request: DecisionRequest = {
      actorId: actor.id, actorRoles: actor.roles, decision, reason: text.reason, comment: text.comment, ip: ctx.ip, userAgent: ctx.userAgent,
      idempotencyKey: ctx.idempotencyKey,
    };
    let result: PlanAcceptanceStatus;
    try {
      result = await this.temporal.workflow.getHandle(assignment.workflowId).executeUpdate<PlanAcceptanceStatus, [DecisionRequest]>('decide', {
        args: [request], updateId: ctx.idempotencyKey ?? randomUUID(),
      });
    } catch (e) {
      throw toDomainError(e);
    }
    // The Update answers with the workflow's own state once the decision is recorded: no re-read needed.
    return {
      id, status: result.state, decision, workflowId: assignment.workflowId, documentHash: result.documentHash ?? null,
      nextDeadline: result.nextDeadline ?? null, links: { self: `/api/v1/plan-assignments/${id}` },
    };
  }
}

/** A refused Update carries the stable code as its ApplicationFailure type. */
export function toDomainError(e: unknown): DomainError {
  if (e instanceof WorkflowUpdateFailedError && e.cause instanceof ApplicationFailure) {
    return new DomainError(e.cause.type ?? 'APPROVAL.REFUSED', e.cause.message, e.cause.details?.[0]);
  }
  if (e instanceof WorkflowNotFoundError || (e instanceof Error && /already completed/i.test(e.message))) {
    return new DomainError('PLAN_ASSIGNMENT.NOT_PENDING', 'The acceptance process has already ended.');
  }
  if (e instanceof DomainError) return e;
  return new DomainError('TEMPORAL.UNAVAILABLE', `The workflow service could not take the decision: ${(e as Error).message}`);
}
