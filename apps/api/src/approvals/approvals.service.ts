import { Injectable } from '@nestjs/common';
import { Client } from '@temporalio/client';
import { DomainError } from '@quotaflow/domain';
import { ApprovalDecisionEntity, ApprovalTaskEntity } from '@quotaflow/persistence';
import type { DecisionRequest } from '@quotaflow/workflows';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { READ_ALL, type Principal } from '../auth/principal';
import type { RequestContext } from '../common/request-context';
import { toDomainError } from '../plan-assignments/plan-assignments.service';

export type InboxDecision = 'approve' | 'reject' | 'accept' | 'decline' | 'acknowledge';

/** Where a person looks at the thing a task is about. */
export function subjectHref(subject: string): string | null {
  const [type, id] = subject.split(/:(.*)/s);
  switch (type) {
    case 'plan-assignment': return `/api/v1/plan-assignments/${id}`;
    case 'quota-set': return `/api/v1/quota-sets/${id}`;
    case 'territory-change': return `/api/v1/territory-changes/${id}`;
    default: return null;
  }
}

function present(t: ApprovalTaskEntity) {
  return {
    id: t.id, subject: t.subject, subjectType: t.subjectType, summary: t.summary,
    stage: { id: t.stageId, label: t.stageLabel, visit: t.visit },
    status: t.status, deadline: t.deadline, createdAt: t.createdAt, closedAt: t.closedAt, decision: t.decision, decidedById: t.decidedById,
    workflowId: t.workflowId,
    links: { self: `/api/v1/approvals/${t.id}`, decisions: `/api/v1/approvals/${t.id}/decisions`, subject: subjectHref(t.subject) },
  };
}

@Injectable()
export class ApprovalsService {
  constructor(private readonly dataSource: DataSource, private readonly temporal: Client) {}

  async inbox(actor: Principal) {
    const tasks = await this.dataSource.getRepository(ApprovalTaskEntity).createQueryBuilder('t')
      .where('t.approver_id = :me AND t.status = :open', { me: actor.id, open: 'open' })
      .orderBy('t.deadline', 'ASC', 'NULLS LAST').addOrderBy('t.created_at', 'ASC').getMany();
    return { count: tasks.length, tasks: tasks.map(present) };
  }

  private async load(id: string): Promise<ApprovalTaskEntity> {
    const task = await this.dataSource.getRepository(ApprovalTaskEntity).findOne({ where: { id } });
    if (!task) throw new DomainError('APPROVAL.NOT_FOUND', `No approval task with id ${id}.`, { field: 'id', value: id });
    return task;
  }

  async get(actor: Principal, id: string) {
    const task = await this.load(id);
    if (task.approverId !== actor.id && !actor.roles.some((r) => READ_ALL.includes(r))) {
      throw new DomainError('AUTH.FORBIDDEN', 'This approval task is not yours.');
    }
    const siblings = await this.dataSource.getRepository(ApprovalTaskEntity).find({ where: { workflowId: task.workflowId }, order: { createdAt: 'ASC' } });
    return { ...present(task), stages: siblings.map(present) };
  }

  /** One decision, sent as the workflow's validated `decide` Update; the Idempotency-Key is the update id. */
  async decide(actor: Principal, id: string, decision: InboxDecision, comment: string | undefined, ctx: RequestContext) {
    const task = await this.load(id);
    if (task.approverId !== actor.id) throw new DomainError('AUTH.NOT_AN_APPROVER', 'This approval task is not yours to decide.');
    if (ctx.idempotencyKey) {
      const prior = await this.dataSource.getRepository(ApprovalDecisionEntity).findOne({ where: { idempotencyKey: ctx.idempotencyKey } });
      if (prior) {
        if (prior.approverId !== actor.id || prior.subject !== task.subject) {
          throw new DomainError('IDEMPOTENCY.KEY_REUSED', 'This Idempotency-Key was used for another request.', { field: 'Idempotency-Key' });
        }
        return { task: present(await this.load(id)), decision: prior.decision, replayed: true };
      }
    }
    if (task.status !== 'open') {
      throw new DomainError('APPROVAL.ALREADY_DECIDED', `This approval task is ${task.status}.`, { status: task.status, decision: task.decision });
    }
    const request: DecisionRequest & { stageId: string } = {
      actorId: actor.id, actorRoles: actor.roles, decision: decision as DecisionRequest['decision'], comment, reason: comment,
      stageId: task.stageId, idempotencyKey: ctx.idempotencyKey, ip: ctx.ip, userAgent: ctx.userAgent,
    };
    try {
      await this.temporal.workflow.getHandle(task.workflowId).executeUpdate('decide', { args: [request], updateId: ctx.idempotencyKey ?? randomUUID() });
    } catch (e) {
      throw toDomainError(e);
    }
    return { task: present(await this.load(id)), decision, replayed: false };
  }
}
