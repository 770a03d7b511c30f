import { Injectable } from '@nestjs/common';
import { Client } from '@temporalio/client';
import { DomainError, planAssignmentAccess, type ApprovalDecision } from '@quotaflow/domain';
import {
  ApprovalRepository,
  AuditLog,
  decisionKey,
  PENDING_ASSIGNMENT_STATES,
  PlanAssignmentRepository,
  type AssignmentContext,
  type AssignmentDecisionFacts,
  type PlanDocumentEntity,
} from '@quotaflow/persistence';
import { planAcceptanceStatusQuery, type PlanAcceptanceStatus } from '@quotaflow/workflows';
import { ApprovalsService, type Replayable } from '../approvals/approvals.service';
import type { Principal } from '../auth/principal';
import { AccessService } from '../common/access.service';
import { BatchedLookup } from '../common/batched-lookup';
import { liveStatus } from '../common/live-status';
import { type RequestContext, timed } from '../common/request-context';
import type { PlanAssignmentView, PlanDecisionResult } from './plan-assignments.dto';

type PlanDecision = Extract<ApprovalDecision, 'accept' | 'decline' | 'approve' | 'reject'>;

/** What the assignment becomes through a decision (the manager's approve hands over to the rep). */
function stateAfter(decision: PlanDecision): string {
  return decision === 'accept' ? 'accepted' : decision === 'approve' ? 'pending_rep' : 'declined';
}

@Injectable()
export class PlanAssignmentsService {
  constructor(
    private readonly assignments: PlanAssignmentRepository,
    private readonly approvals: ApprovalRepository,
    private readonly decisions: ApprovalsService,
    private readonly access: AccessService,
    private readonly temporal: Client,
    private readonly audit: AuditLog,
  ) {}

  /** The decisions of one event-loop turn read their facts in one query (a burst of approvers). */
  private readonly facts = new BatchedLookup<AssignmentDecisionFacts>((keys) =>
    this.assignments.decisionFactsOf(keys.map((key) => {
      const [id, actorId] = key.split(' ') as [string, string];
      return { id, actorId };
    })),
  );

  private async load(id: string): Promise<AssignmentContext> {
    const context = await this.assignments.context(id);
    if (!context) throw new DomainError('PLAN_ASSIGNMENT.NOT_FOUND', `No plan assignment with id ${id}.`, { field: 'id', value: id });
    return context;
  }

  private async readable(actor: Principal, id: string): Promise<AssignmentContext> {
    const context = await this.load(id);
    const { rep } = context;
    if (planAssignmentAccess(await this.access.scope(actor), { personId: rep.id, managerId: rep.managerId, teamId: rep.teamId }) === 'none') {
      throw new DomainError('AUTH.FORBIDDEN', 'You may not read this plan assignment.');
    }
    return context;
  }

  async view(actor: Principal, id: string): Promise<PlanAssignmentView> {
    return this.render(await this.readable(actor, id), true);
  }

  async listMine(actor: Principal): Promise<PlanAssignmentView[]> {
    const rows = await this.assignments.ofPerson(actor.id);
    const out: PlanAssignmentView[] = [];
    for (const row of rows) out.push(await this.render((await this.load(row.id))!, false));
    return out;
  }

  async document(actor: Principal, id: string): Promise<PlanDocumentEntity> {
    await this.readable(actor, id);
    const doc = await this.assignments.document(id);
    if (!doc) throw new DomainError('PLAN_DOCUMENT.NOT_FOUND', 'The plan document has not been rendered yet.');
    return doc;
  }

  private async render(context: AssignmentContext, withLive: boolean): Promise<PlanAssignmentView> {
    const { assignment, version, plan, rep } = context;
    const acceptance = await this.assignments.acceptance(assignment.id);
    const doc = await this.assignments.documentInfo(assignment.id);
    const events = await this.audit.list({ subject: `plan-assignment:${assignment.id}`, limit: 500 });
    const live =
      withLive && PENDING_ASSIGNMENT_STATES.includes(assignment.status)
        ? await liveStatus<PlanAcceptanceStatus>(this.temporal, assignment.workflowId, planAcceptanceStatusQuery)
        : undefined;
    const failure = assignment.status === 'failed' ? await this.approvals.failureOf(`plan-assignment:${assignment.id}`) : null;
    const self = `/api/v1/plan-assignments/${assignment.id}`;
    return {
      id: assignment.id,
      status: assignment.status,
      person: { id: rep.id, name: rep.name, email: rep.email },
      plan: {
        id: plan.id, key: plan.key, name: plan.name, versionId: version.id, version: version.version, periodLabel: version.periodLabel,
        effectiveFrom: version.effectiveFrom, effectiveTo: version.effectiveTo,
      },
      quota: assignment.quota,
      settings: assignment.settings as unknown as Record<string, unknown>,
      publishedAt: assignment.publishedAt.toISOString(),
      decidedAt: assignment.decidedAt ? assignment.decidedAt.toISOString() : null,
      effectiveAt: assignment.effectiveAt ? assignment.effectiveAt.toISOString() : null,
      supersededById: assignment.supersededById ?? null,
      nextDeadline: live?.nextDeadline ?? (assignment.nextDeadline ? assignment.nextDeadline.toISOString() : null),
      workflowId: assignment.workflowId,
      document: doc ? { sha256: doc.sha256, pages: doc.pages, href: `${self}/document` } : null,
      decision: acceptance
        ? {
            decision: acceptance.decision, reason: acceptance.reason ?? null, decidedAt: acceptance.decidedAt.toISOString(), ip: acceptance.ip, userAgent: acceptance.userAgent,
            documentHash: acceptance.documentHash, rulesFingerprint: acceptance.rulesFingerprint ?? null,
          }
        : null,
      workflow: live ? { state: live.state, ...(live.nextDeadline ? { nextDeadline: live.nextDeadline } : {}), remindersSent: live.remindersSent, escalated: live.escalated, ...(live.documentHash ? { documentHash: live.documentHash } : {}) } : null,
      ...(failure ? { failure: { code: failure.code, reason: failure.reason } } : {}),
      history: events.map((e) => ({ at: e.occurredAt.toISOString(), action: e.action, actorId: e.actorId ?? null, actorRole: e.actorRole ?? null, comment: e.comment ?? null, runId: e.runId ?? null })),
      links: { self, document: `${self}/document`, accept: `${self}/accept`, decline: `${self}/decline`, trace: `/api/v1/audit/trace/plan-assignment:${assignment.id}` },
    };
  }

  /** Accept, decline (the rep) or approve/reject (the manager's pre-approval): the workflow's validated `decide`. */
  async decide(actor: Principal, id: string, decision: PlanDecision, comment: string | undefined, ctx: RequestContext): Promise<Replayable<PlanDecisionResult>> {
    // The key's claim, the assignment and the actor's open task are read at once (one round trip).
    const claimed = this.decisions.claim({ actor, target: `plan-assignment:${id}`, scope: 'plan-decision', decision, ...(comment !== undefined ? { comment } : {}), ctx });
    // Only what the decision needs, the actor's open task with it (one query, not the plan document).
    const assignment = await timed(ctx, 'read', this.facts.get(decisionKey(id, actor.id)));
    if (!assignment) throw new DomainError('PLAN_ASSIGNMENT.NOT_FOUND', `No plan assignment with id ${id}.`, { field: 'id', value: id });
    const repDecision = decision === 'accept' || decision === 'decline';
    // Who may ask at all (the workflow's validator checks the same again).
    if (repDecision && actor.id !== assignment.repId) throw new DomainError('AUTH.FORBIDDEN', 'Only the rep the plan was published to may accept or decline it.');
    if (!repDecision) {
      if (actor.id !== assignment.repManagerId) throw new DomainError('AUTH.FORBIDDEN', "Only the rep's manager may pre-approve this plan.");
      if (actor.id === assignment.publishedById) throw new DomainError('AUTH.SELF_DECISION', 'You published this plan; someone else must pre-approve it.');
    }
    return this.decisions.decideInWorkflow(
      {
        actor, workflowId: assignment.workflowId, target: `plan-assignment:${id}`, scope: 'plan-decision', area: 'PLAN_ASSIGNMENT', decision,
        ...(comment !== undefined ? { comment } : {}), ...(assignment.openStageId !== null ? { stageId: assignment.openStageId } : {}), ctx,
      },
      (receipt) => ({
        id, status: stateAfter(decision), decision, workflowId: assignment.workflowId, documentHash: receipt.documentHash ?? null, decidedAt: receipt.decidedAt,
        links: { self: `/api/v1/plan-assignments/${id}` },
      }),
      () => {
        if (!PENDING_ASSIGNMENT_STATES.includes(assignment.status)) {
          const code = assignment.status === 'accepted' || assignment.status === 'declined' ? 'PLAN_ASSIGNMENT.ALREADY_DECIDED' : 'PLAN_ASSIGNMENT.NOT_PENDING';
          throw new DomainError(code, `This plan assignment is ${assignment.status}.`, { status: assignment.status });
        }
        if (repDecision && assignment.status === 'pending_manager') {
          throw new DomainError('PLAN_ASSIGNMENT.NOT_PENDING', 'This plan awaits the manager’s pre-approval.', { status: assignment.status });
        }
        if (!repDecision && assignment.status !== 'pending_manager') {
          throw new DomainError('PLAN_ASSIGNMENT.NOT_PENDING', 'This plan does not await a pre-approval.', { status: assignment.status });
        }
      },
      claimed,
    );
  }
}
