import { Injectable } from '@nestjs/common';
import { Client } from '@temporalio/client';
import { faultPoint } from '@quotaflow/config';
import { approvalTaskAccess, DomainError, type ApprovalDecision, type ErrorArea } from '@quotaflow/domain';
import { ApprovalRepository, IdempotencyRepository, type ApprovalTaskEntity, type IdempotencyClaim } from '@quotaflow/persistence';
import { decideUpdate, decisionRequestForEveryGeneration, receiptOfAnyGeneration, type ApprovalDecisionRequest, type DecisionReceipt } from '@quotaflow/workflows';
import { randomUUID } from 'node:crypto';
import type { Principal } from '../auth/principal';
import { AccessService } from '../common/access.service';
import { type RequestContext, timed } from '../common/request-context';
import { toDomainError } from '../common/temporal-errors';
import { toTaskView, type ApprovalTaskDetail, type DecisionResult, type InboxPage } from './approvals.dto';

export interface WorkflowDecision {
  actor: Principal;
  workflowId: string;
  /** What the Idempotency-Key is bound to (a task, an assignment). */
  target: string;
  scope: string;
  area: ErrorArea;
  decision: ApprovalDecision;
  comment?: string;
  stageId?: string;
  /** A request-adjustment's proposal (a close: the adjustments and holds). */
  data?: Record<string, unknown>;
  ctx: RequestContext;
}

/** What an Idempotency-Key is bound to: known before anything is loaded. */
export type DecisionClaimRequest = Pick<WorkflowDecision, 'actor' | 'target' | 'scope' | 'decision' | 'comment' | 'data' | 'ctx'>;

/** A replay answers with exactly the first answer; the caller can tell by this flag. */
export type Replayable<T> = { body: T; replayed: boolean };

interface InboxCursor {
  d: string | null;
  c: string;
  i: string;
}

function encodeCursor(t: ApprovalTaskEntity): string {
  const cursor: InboxCursor = { d: t.deadline ? t.deadline.toISOString() : null, c: t.createdAt.toISOString(), i: t.id };
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

/** A timestamp exactly as this API writes it (ISO, milliseconds, UTC) in years 1970 to 9999: no impossible day, no year zero. */
function cursorTime(value: unknown): Date {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(value)) throw new Error('time');
  const time = new Date(value);
  if (Number.isNaN(time.getTime()) || time.toISOString() !== value || time.getUTCFullYear() < 1970) throw new Error('time');
  return time;
}

/** A cursor this API returned: exactly its three keys, times that round-trip, a UUID; anything else is 400. */
function decodeCursor(value: string): { deadline: Date | null; createdAt: Date; id: string } {
  try {
    const c = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as InboxCursor;
    if (!c || typeof c !== 'object' || Array.isArray(c) || Object.keys(c).sort().join() !== 'c,d,i') throw new Error('shape');
    if (typeof c.i !== 'string' || !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(c.i)) throw new Error('id');
    return { deadline: c.d === null ? null : cursorTime(c.d), createdAt: cursorTime(c.c), id: c.i };
  } catch {
    throw new DomainError('VALIDATION.FAILED', 'cursor: not a cursor this API returned.', { field: 'cursor' });
  }
}

/**
 * The approval inbox and every decision: the Update `decide` sent to the workflow the task
 * names (typed definition; the Idempotency-Key is the update id and is bound to one request).
 */
@Injectable()
export class ApprovalsService {
  constructor(
    private readonly approvals: ApprovalRepository,
    private readonly idempotency: IdempotencyRepository,
    private readonly temporal: Client,
    private readonly access: AccessService,
  ) {}

  async inbox(actor: Principal, page: { limit?: number; cursor?: string }): Promise<InboxPage> {
    const limit = page.limit ?? 50;
    const rows = await this.approvals.inbox(actor.id, { limit: limit + 1, ...(page.cursor ? { after: decodeCursor(page.cursor) } : {}) });
    const tasks = rows.slice(0, limit);
    const next = rows.length > limit ? encodeCursor(tasks[tasks.length - 1]!) : undefined;
    return {
      count: tasks.length,
      tasks: tasks.map(toTaskView),
      ...(next ? { next } : {}),
      links: { self: '/api/v1/me/approvals', ...(next ? { next: `/api/v1/me/approvals?cursor=${next}&limit=${limit}` } : {}) },
    };
  }

  async load(id: string): Promise<ApprovalTaskEntity> {
    const task = await this.approvals.task(id);
    if (!task) throw new DomainError('APPROVAL.NOT_FOUND', `No approval task with id ${id}.`, { field: 'id', value: id });
    return task;
  }

  async get(actor: Principal, id: string): Promise<ApprovalTaskDetail> {
    const task = await this.load(id);
    const access = approvalTaskAccess(await this.access.scope(actor), task);
    if (!access.task) throw new DomainError('AUTH.FORBIDDEN', 'This approval task is not yours.');
    const siblings = access.siblings ? await this.approvals.tasksOfSubject(task.subject) : [task];
    return { ...toTaskView(task), stages: siblings.map(toTaskView) };
  }

  /** One decision on an inbox task. */
  async decide(actor: Principal, id: string, decision: ApprovalDecision, comment: string | undefined, ctx: RequestContext): Promise<Replayable<DecisionResult>> {
    const bound = { actor, target: `approval-task:${id}`, scope: 'approval-decision', decision, ...(comment !== undefined ? { comment } : {}), ctx };
    const claimed = this.claim(bound);
    const task = await this.load(id);
    if (task.approverId !== actor.id) throw new DomainError('AUTH.NOT_AN_APPROVER', 'This approval task is not yours to decide.');
    const outcome = await this.decideInWorkflow(
      { actor, workflowId: task.workflowId, target: `approval-task:${task.id}`, scope: 'approval-decision', area: 'APPROVAL', decision, ...(comment !== undefined ? { comment } : {}), stageId: task.stageId, ctx },
      (receipt) => ({
        task: { ...toTaskView(task), status: 'done', decision: receipt.decision, decidedById: actor.id },
        decision: receipt.decision,
        approvalStatus: receipt.approvalStatus,
        decidedAt: receipt.decidedAt,
      }),
      () => {
        if (task.status !== 'open') {
          throw new DomainError('APPROVAL.ALREADY_DECIDED', `This approval task is ${task.status}.`, { status: task.status, decision: task.decision });
        }
      },
      claimed,
    );
    return outcome;
  }

  /**
   * The shared path of every decision: bind the Idempotency-Key to this request (the same key for
   * another request is refused; a replay gets the first answer), then the workflow's validated
   * Update. `precheck` refuses early what the read model already knows (only for a first attempt).
   */
  /**
   * Binds the request's Idempotency-Key (one write), started while the caller loads what it
   * checks; `decideInWorkflow` awaits it. Null without a key. A failure surfaces where it is awaited.
   */
  claim(d: DecisionClaimRequest): Promise<IdempotencyClaim | null> {
    const key = d.ctx.idempotencyKey;
    if (!key) return Promise.resolve(null);
    const claim = this.idempotency.claim({ key, scope: d.scope, actorId: d.actor.id, target: d.target, body: { decision: d.decision, comment: d.comment ?? null, ...(d.data !== undefined ? { data: d.data } : {}) } });
    claim.catch(() => undefined); // awaited by decideInWorkflow; not an unhandled rejection if the caller refuses first
    return claim;
  }

  /** The first answer when the key was used for this very request before; a refusal when for another. */
  replayOf<T>(claim: IdempotencyClaim | null): Replayable<T> | undefined {
    if (claim?.kind === 'conflict') throw new DomainError('IDEMPOTENCY.KEY_REUSED', 'This Idempotency-Key was used for another request.', { field: 'Idempotency-Key' });
    return claim?.kind === 'replay' ? { body: claim.response as T, replayed: true } : undefined;
  }

  async decideInWorkflow<T>(
    d: WorkflowDecision,
    answer: (receipt: DecisionReceipt) => T,
    precheck: () => void = () => undefined,
    claimed: Promise<IdempotencyClaim | null> = this.claim(d),
  ): Promise<Replayable<T>> {
    const key = d.ctx.idempotencyKey;
    const claim = await timed(d.ctx, 'claim', claimed);
    const replay = this.replayOf<T>(claim);
    if (replay) return replay;
    if (!key || !claim || claim.kind === 'new') precheck();
    const request: ApprovalDecisionRequest = {
      actorId: d.actor.id,
      actorRoles: [...d.actor.roles],
      decision: d.decision,
      ...(d.comment !== undefined ? { comment: d.comment } : {}),
      ...(d.stageId !== undefined ? { stageId: d.stageId } : {}),
      ...(d.data !== undefined ? { data: d.data } : {}),
      idempotencyKey: key ?? randomUUID(),
      ...(d.ctx.ip !== undefined ? { ip: d.ctx.ip } : {}),
      ...(d.ctx.userAgent !== undefined ? { userAgent: d.ctx.userAgent } : {}),
    };
    let receipt: DecisionReceipt;
    try {
      // Runs started before the approval kernel answer too (same Update, their own answer shape).
      const answer = await timed(d.ctx, 'workflow', this.temporal.workflow.getHandle(d.workflowId).executeUpdate(decideUpdate, {
        args: [decisionRequestForEveryGeneration(request)],
        updateId: request.idempotencyKey,
      }));
      receipt = receiptOfAnyGeneration(answer, request, d.target, new Date());
    } catch (e) {
      throw toDomainError(e, d.area);
    }
    const body = answer(receipt);
    if (key) await faultPoint('decision-answered', key);
    if (key) await timed(d.ctx, 'complete', this.idempotency.complete(key, 200, body));
    return { body, replayed: false };
  }
}
