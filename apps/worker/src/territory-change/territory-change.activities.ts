import { Inject, Injectable } from '@nestjs/common';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { AppConfig } from '@quotaflow/config';
import {
  DEFAULT_APPROVAL_POLICY,
  decAdd,
  isDomainError,
  ownerOfTerritory,
  resolveStages,
  summariseTerritoryImpact,
  withThresholds,
  type TerritoryImpact,
} from '@quotaflow/domain';
import {
  ApprovalRepository,
  AuditLog,
  OrganisationRepository,
  PersonEntity,
  TerritoryRepository,
  type EmailOutboxEntity,
  type EmailOutboxInput,
  type TerritoryChangeEntity,
} from '@quotaflow/persistence';
import type {
  FinishTerritoryChangeInput,
  RoutedTerritoryChange,
  TerritoryChangeActivities,
  TerritoryPosition,
} from '@quotaflow/workflows';
import { DataSource, type EntityManager } from 'typeorm';
import { OutboxDelivery } from '../activities/outbox-delivery';
import { toRoutedApproval } from '../approvals/routing';
import { render, type Message } from '../templates/message';
import { territoryApplied, territoryCancelled, territoryReturned } from '../templates/territory.templates';
import { APP_CONFIG } from '../worker.tokens';
import { TerritoryChangeHandler } from './territory-change.handler';

function permanent(type: string, message: string, details?: unknown): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: true, details: details === undefined ? [] : [details] });
}

/** The territory change's own activities: impact and routing, scheduling, the apply, the end. */
@Injectable()
export class TerritoryChangeActivitiesService implements TerritoryChangeActivities {
  private readonly territories: TerritoryRepository;
  private readonly organisation: OrganisationRepository;
  private readonly approvals: ApprovalRepository;

  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditLog,
    private readonly handler: TerritoryChangeHandler,
    private readonly delivery: OutboxDelivery,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.territories = new TerritoryRepository(dataSource);
    this.organisation = new OrganisationRepository(dataSource);
    this.approvals = new ApprovalRepository(dataSource);
  }

  private async load(m: EntityManager, id: string, lock = false): Promise<TerritoryChangeEntity> {
    const change = await this.territories.change(id, m, lock);
    if (!change) throw permanent('TERRITORY_CHANGE.NOT_FOUND', `No territory change ${id}.`);
    return change;
  }

  private auditEvent(input: TerritoryPosition, key: string, action: string, extra: { actorId?: string; actorRole?: string; comment?: string | null; data?: unknown } = {}) {
    return {
      dedupeKey: `territory-change:${input.changeId}:${key}`,
      action: `territory-change.${action}`,
      subject: `territory-change:${input.changeId}`,
      workflowId: input.workflowId,
      runId: input.runId,
      occurredAt: new Date(input.at),
      ...extra,
    };
  }

  async routeTerritoryChange(input: TerritoryPosition): Promise<RoutedTerritoryChange> {
    const m = this.dataSource.manager;
    const change = await this.load(m, input.changeId);
    const requester = await this.organisation.person(change.requesterId, m);
    const requesterRole = requester?.roles.includes('ops') ? 'ops' : (requester?.roles[0] ?? 'manager');
    await this.audit.append(this.auditEvent(input, 'requested', 'requested', {
      actorId: change.requesterId,
      actorRole: requesterRole,
      comment: change.reason,
      data: {
        fromTerritoryId: change.fromTerritoryId,
        toTerritoryId: change.toTerritoryId,
        accounts: change.accountIds.length,
        effectiveDate: change.effectiveDate,
        financeThreshold: change.financeThreshold,
      },
    }));
    const refused = (code: string, message: string): RoutedTerritoryChange => ({ kind: 'refused', code, message, effectiveDate: change.effectiveDate });

    const outside = await this.territories.accountsOutside(change.accountIds, change.fromTerritoryId, m);
    if (outside.length > 0) return refused('VALIDATION.FAILED', `${outside.length} account(s) are no longer in the losing territory (e.g. ${outside.slice(0, 3).join(', ')}).`);

    const asOf = input.at.slice(0, 10);
    const { tree } = await this.territories.tree(m);
    const figures = await this.territories.accountFigures(change.accountIds, asOf, m);
    Context.current().heartbeat('figures');
    const owners = new Set<string>();
    for (const f of figures) {
      const from = ownerOfTerritory(tree, f.territoryId);
      const to = ownerOfTerritory(tree, change.toTerritoryId);
      if (from) owners.add(from);
      if (to) owners.add(to);
    }
    // Each affected rep's trailing revenue: every territory they own, summed by the database.
    const owned = tree.filter((t) => owners.has(ownerOfTerritory(tree, t.id) ?? ''));
    const byTerritory = await this.territories.territoryRevenue(owned.map((t) => t.id), asOf, m);
    const repRevenue: Record<string, string> = {};
    for (const t of owned) {
      const owner = ownerOfTerritory(tree, t.id)!;
      const revenue = byTerritory.get(t.id);
      if (revenue) repRevenue[owner] = decAdd(repRevenue[owner] ?? '0', revenue);
    }
    const org = await this.organisation.snapshot({ territories: true }, m);
    const people = await this.organisation.people([...owners], m);
    let impact: TerritoryImpact;
    try {
      impact = summariseTerritoryImpact({
        territories: tree,
        moves: figures.map((f) => ({ accountId: f.accountId, fromTerritoryId: f.territoryId, toTerritoryId: change.toTerritoryId, trailingRevenue: f.trailingRevenue, openPipeline: f.openPipeline })),
        repRevenue,
        quotas: [...people.values()].filter((p) => typeof p.attributes?.annualQuota === 'string').map((p) => ({ personId: p.id, amount: p.attributes.annualQuota! })),
        people: org.people.map((p) => ({ id: p.id, ...(p.teamId ? { teamId: p.teamId } : {}), ...(p.managerId ? { managerId: p.managerId } : {}) })),
        teams: org.teams,
      });
    } catch (e) {
      if (isDomainError(e)) return refused(e.code, e.message);
      throw e;
    }
    const { accountsMoving, ...summary } = impact;
    const subject = `territory-change:${change.id}`;
    let stages;
    try {
      stages = resolveStages(
        withThresholds(DEFAULT_APPROVAL_POLICY, { financeAbove: this.config.approvals.financeThreshold }),
        {
          kind: 'territory-change',
          subject,
          requesterId: change.requesterId,
          subjectPersonIds: impact.repsAffected,
          losingTerritoryIds: impact.losingTerritoryIds,
          gainingTerritoryIds: impact.gainingTerritoryIds,
          impact: { revenueMoved: impact.revenueMoved, pipelineMoved: impact.pipelineMoved },
          ...(change.financeThreshold ? { thresholds: { financeAbove: change.financeThreshold } } : {}),
        },
        org,
      );
    } catch (e) {
      if (isDomainError(e)) return refused(e.code, e.message);
      throw e;
    }
    await this.dataSource.transaction(async (tx) => {
      await this.territories.storeMovingAccounts(tx, change.id, accountsMoving);
      await this.territories.setState(tx, change.id, {
        status: 'in_review',
        impact: { ...summary, accountsMovingCount: accountsMoving.length } as unknown as Record<string, unknown>,
        stages: stages.map((s) => ({ id: s.id, label: s.label, approverIds: s.approverIds, mode: s.mode, step: s.step })) as unknown as Record<string, unknown>[],
      });
      await this.audit.append(this.auditEvent(input, 'impact', 'impact-computed', { data: { ...summary, accountsMoving: accountsMoving.length } }), tx);
      await this.audit.append(this.auditEvent(input, 'routed', 'routed', { data: { stages: stages.map((s) => ({ id: s.id, approverIds: s.approverIds, step: s.step })) } }), tx);
    });
    const route = await toRoutedApproval(this.approvals, `${input.workflowId}:r1`, subject, { requesterId: change.requesterId, subjectPersonIds: impact.repsAffected }, stages);
    return { kind: 'routed', route, effectiveDate: change.effectiveDate };
  }

  async scheduleTerritoryChange(input: TerritoryPosition): Promise<{ scheduledFor: string }> {
    return this.dataSource.transaction(async (m) => {
      const change = await this.load(m, input.changeId, true);
      const scheduledFor = new Date(`${change.effectiveDate}T00:00:00.000Z`).toISOString();
      await this.territories.setState(m, change.id, { status: 'scheduled', decidedAt: new Date(input.at), nextDeadline: new Date(scheduledFor) });
      await this.audit.append(this.auditEvent(input, 'approval-complete', 'approval-complete'), m);
      await this.audit.append(this.auditEvent(input, 'scheduled', 'scheduled', { data: { effectiveAt: scheduledFor } }), m);
      await this.approvals.closeOpen({ workflowId: input.workflowId }, m);
      return { scheduledFor };
    });
  }

  async applyTerritoryMoves(input: TerritoryPosition): Promise<{ accountsMoved: number; alreadyApplied: boolean }> {
    const result = await this.dataSource.transaction(async (m) => {
      const change = await this.load(m, input.changeId, true);
      if (change.status === 'applied') return { accountsMoved: change.accountIds.length, alreadyApplied: true, rows: [] as EmailOutboxEntity[] };
      if (change.status === 'cancelled' || change.status === 'rejected' || change.status === 'failed') {
        throw permanent('TERRITORY_CHANGE.NOT_PENDING', `Territory change ${change.id} is ${change.status}.`);
      }
      const accountsMoved = await this.territories.apply(m, change);
      await this.territories.setState(m, change.id, { status: 'applied', appliedAt: new Date(input.at), nextDeadline: null });
      await this.audit.append(this.auditEvent(input, 'applied', 'applied', { data: { effectiveDate: change.effectiveDate, accountsMoved } }), m);
      const impact = (change.impact ?? {}) as Partial<TerritoryImpact>;
      if (change.openQuotaAdjustment) {
        await this.audit.append(this.auditEvent(input, 'quota-adjustment', 'quota-adjustment-suggested', { data: { adjustments: impact.quotaAdjustments ?? [] } }), m);
      }
      const facts = await this.handler.changeFacts(m, change);
      const recipients = await this.organisation.people([change.requesterId, ...(impact.managersAffected ?? [])], m);
      const rows: EmailOutboxEntity[] = [];
      for (const person of recipients.values()) {
        rows.push(await this.delivery.outbox.enqueue(this.message(`${input.workflowId}:applied:${person.id}`, person, territoryApplied({ ...facts, recipientName: person.name })), m));
      }
      return { accountsMoved, alreadyApplied: false, rows };
    });
    for (const row of result.rows) await this.delivery.deliver(row);
    return { accountsMoved: result.accountsMoved, alreadyApplied: result.alreadyApplied };
  }

  async finishTerritoryChange(input: FinishTerritoryChangeInput): Promise<void> {
    const rows = await this.dataSource.transaction(async (m) => {
      const change = await this.load(m, input.changeId, true);
      const facts = await this.handler.changeFacts(m, change);
      const requester = await this.organisation.person(change.requesterId, m);
      const out: EmailOutboxEntity[] = [];
      if (input.state === 'cancelled') {
        await this.territories.setState(m, change.id, { status: 'cancelled', cancelledById: input.cancelledById ?? null, cancelledAt: new Date(input.at), nextDeadline: null });
        const by = input.cancelledById ? await this.organisation.person(input.cancelledById, m) : null;
        await this.audit.append(this.auditEvent(input, 'cancelled', 'cancelled', {
          actorId: input.cancelledById, actorRole: input.cancelledById === change.requesterId ? 'requester' : 'ops', comment: input.cancelComment ?? null,
        }), m);
        if (requester && input.cancelledById !== change.requesterId) {
          out.push(await this.delivery.outbox.enqueue(this.message(`${input.workflowId}:cancelled:${requester.id}`, requester, territoryCancelled({
            ...facts, recipientName: requester.name, by: by?.name ?? 'Sales operations', ...(input.cancelComment ? { comment: input.cancelComment } : {}),
          })), m));
        }
      } else {
        const reason = input.decision?.comment ?? input.reason ?? 'returned';
        await this.territories.setState(m, change.id, { status: 'rejected', comment: reason, decidedAt: new Date(input.at), nextDeadline: null });
        await this.audit.append(this.auditEvent(input, input.decision ? 'returned' : 'not-routed', 'returned-to-requester', {
          comment: reason, data: input.decision ? { stageId: input.decision.stageId, actorId: input.decision.actorId } : { reason },
        }), m);
        if (requester) {
          out.push(await this.delivery.outbox.enqueue(this.message(`${input.workflowId}:returned:${requester.id}`, requester, territoryReturned({ ...facts, recipientName: requester.name, reason })), m));
        }
      }
      await this.approvals.closeOpen({ workflowId: input.workflowId }, m);
      return out;
    });
    for (const row of rows) await this.delivery.deliver(row);
  }

  private message(purpose: string, to: PersonEntity, message: Message): EmailOutboxInput {
    const rendered = render(message);
    return { purpose, toAddress: to.email, subject: rendered.subject, text: rendered.text, html: rendered.html };
  }
}
