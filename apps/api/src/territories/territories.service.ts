import { Inject, Injectable, Logger } from '@nestjs/common';
import { Client, WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { AppConfig } from '@quotaflow/config';
import { ancestorsOf, DomainError, ownerOfTerritory, type Territory } from '@quotaflow/domain';
import { AccountEntity, AuditLog, PersonEntity, TerritoryChangeEntity, TerritoryEntity } from '@quotaflow/persistence';
import {
  territoryChangeWorkflowId, type TerritoryCancelRequest, type TerritoryChangeInput, type TerritoryChangeStatus,
} from '@quotaflow/workflows';
import { DataSource, In } from 'typeorm';
import { READ_ALL, type Principal } from '../auth/principal';
import { APP_CONFIG } from '../config.token';
import { primaryRole } from '../plans/plans.service';
import type { CreateTerritoryChangeDto } from './territories.dto';
import { liveStatus } from '../common/live-status';

const PENDING = ['requested', 'in_review', 'approved', 'scheduled'];

function invalid(field: string, message: string, value?: unknown): DomainError {
  return new DomainError('VALIDATION.FAILED', `${field}: ${message}`, [{ field, problems: [message], ...(value !== undefined ? { value } : {}) }]);
}


const today = (): string => new Date().toISOString().slice(0, 10);

@Injectable()
export class TerritoriesService {
  private readonly logger = new Logger(TerritoriesService.name);
  constructor(
    private readonly dataSource: DataSource,
    private readonly temporal: Client,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly audit: AuditLog,
  ) {}

  private async hierarchy(): Promise<{ rows: TerritoryEntity[]; tree: Territory[] }> {
    const rows = await this.dataSource.getRepository(TerritoryEntity).find({ order: { name: 'ASC' } });
    const tree = rows.map((t) => ({ id: t.id, name: t.name, ...(t.parentId ? { parentId: t.parentId } : {}), ...(t.ownerPersonId ? { ownerId: t.ownerPersonId } : {}), ...(t.teamId ? { teamId: t.teamId } : {}) }));
    return { rows, tree };
  }

  private async names(ids: (string | undefined | null)[]): Promise<Map<string, { id: string; name: string }>> {
    const wanted = [...new Set(ids.filter((id): id is string => !!id))];
    const people = wanted.length ? await this.dataSource.getRepository(PersonEntity).findBy({ id: In(wanted) }) : [];
    return new Map(people.map((p) => [p.id, { id: p.id, name: p.name }]));
  }

  async tree() {
    const { rows, tree } = await this.hierarchy();
    const counts = new Map<string, number>(
      ((await this.dataSource.query('SELECT territory_id, count(*)::int AS n FROM accounts GROUP BY territory_id')) as { territory_id: string; n: number }[])
        .map((r) => [r.territory_id, r.n]),
    );
    const owners = await this.names(rows.map((t) => ownerOfTerritory(tree, t.id)));
    interface Node { id: string; name: string; parentId: string | null; teamId: string | null; owner: { id: string; name: string } | null; ownerIsInherited: boolean; accountsCount: number; totalAccountsCount: number; children: Node[] }
    const nodes = new Map<string, Node>(rows.map((t) => {
      const ownerId = ownerOfTerritory(tree, t.id);
      return [t.id, {
        id: t.id, name: t.name, parentId: t.parentId, teamId: t.teamId, owner: ownerId ? (owners.get(ownerId) ?? null) : null,
        ownerIsInherited: !t.ownerPersonId && !!ownerId, accountsCount: counts.get(t.id) ?? 0, totalAccountsCount: 0, children: [],
      }];
    }));
    const roots: Node[] = [];
    for (const node of nodes.values()) {
      const parent = node.parentId ? nodes.get(node.parentId) : undefined;
      if (parent) parent.children.push(node);
      else roots.push(node);
    }
    const total = (n: Node): number => (n.totalAccountsCount = n.accountsCount + n.children.reduce((s, c) => s + total(c), 0));
    roots.forEach(total);
    return { territories: roots };
  }

  async get(id: string) {
    const { rows, tree } = await this.hierarchy();
    const territory = rows.find((t) => t.id === id);
    if (!territory) throw new DomainError('TERRITORY.NOT_FOUND', `No territory with id ${id}.`, { field: 'id', value: id });
    const ownerId = ownerOfTerritory(tree, id);
    const accounts = await this.dataSource.getRepository(AccountEntity).find({ where: { territoryId: id }, order: { name: 'ASC' } });
    const people = await this.names([ownerId, territory.ownerPersonId]);
    return {
      id: territory.id, name: territory.name, parentId: territory.parentId, teamId: territory.teamId,
      path: ancestorsOf(tree, id).reverse().map((t) => ({ id: t.id, name: rows.find((r) => r.id === t.id)!.name })),
      owner: ownerId ? (people.get(ownerId) ?? null) : null,
      ownerIsInherited: !territory.ownerPersonId && !!ownerId,
      children: rows.filter((t) => t.parentId === id).map((t) => ({ id: t.id, name: t.name })),
      accounts: accounts.map((a) => ({ id: a.id, name: a.name })),
    };
  }

  /** Validates the request, stores it and starts `territory-change:<id>`; nothing half-written if Temporal is down. */
  async request(actor: Principal, dto: CreateTerritoryChangeDto) {
    if (dto.fromTerritoryId === dto.toTerritoryId) throw invalid('toTerritoryId', 'must differ from fromTerritoryId', dto.toTerritoryId);
    if (Number.isNaN(Date.parse(`${dto.effectiveDate}T00:00:00Z`)) || new Date(`${dto.effectiveDate}T00:00:00Z`).toISOString().slice(0, 10) !== dto.effectiveDate) {
      throw invalid('effectiveDate', 'is not a calendar date', dto.effectiveDate);
    }
    if (dto.effectiveDate < today()) throw invalid('effectiveDate', `must be today (${today()}) or later`, dto.effectiveDate);
    const territories = await this.dataSource.getRepository(TerritoryEntity).findBy({ id: In([dto.fromTerritoryId, dto.toTerritoryId]) });
    for (const field of ['fromTerritoryId', 'toTerritoryId'] as const) {
      if (!territories.some((t) => t.id === dto[field])) throw new DomainError('TERRITORY.NOT_FOUND', `No territory with id ${dto[field]}.`, { field, value: dto[field] });
    }
    const accounts = await this.dataSource.getRepository(AccountEntity).findBy({ id: In(dto.accountIds) });
    const unknown = dto.accountIds.filter((id) => !accounts.some((a) => a.id === id));
    if (unknown.length > 0) throw new DomainError('ACCOUNT.NOT_FOUND', `No account with id ${unknown.join(', ')}.`, { field: 'accountIds', value: unknown });
    const elsewhere = accounts.filter((a) => a.territoryId !== dto.fromTerritoryId).map((a) => a.id);
    if (elsewhere.length > 0) throw invalid('accountIds', 'every account must belong to the losing territory (fromTerritoryId)', elsewhere);
    const busy = await this.dataSource.getRepository(TerritoryChangeEntity).createQueryBuilder('c')
      .where('c.status IN (:...pending) AND c.account_ids && :ids::uuid[]', { pending: PENDING, ids: dto.accountIds }).getMany();
    if (busy.length > 0) {
      throw new DomainError('TERRITORY_CHANGE.CONFLICT', 'Some of these accounts are already part of a pending territory change.', { field: 'accountIds', changeIds: busy.map((c) => c.id) });
    }

    const repo = this.dataSource.getRepository(TerritoryChangeEntity);
    const change = await repo.save(repo.create({
      requesterId: actor.id, fromTerritoryId: dto.fromTerritoryId, toTerritoryId: dto.toTerritoryId, accountIds: dto.accountIds,
      effectiveDate: dto.effectiveDate, reason: dto.reason, status: 'requested', financeThreshold: dto.financeThreshold ?? this.config.approvals.financeThreshold,
      openQuotaAdjustment: dto.openQuotaAdjustment ?? false, workflowId: 'pending',
    }));
    change.workflowId = territoryChangeWorkflowId(change.id);
    await repo.update({ id: change.id }, { workflowId: change.workflowId });
    const name = (id: string) => territories.find((t) => t.id === id)!.name;
    const input: TerritoryChangeInput = {
      changeId: change.id, requesterId: actor.id, requesterRole: actor.roles.includes('ops') ? 'ops' : primaryRole(actor),
      fromTerritoryId: dto.fromTerritoryId, toTerritoryId: dto.toTerritoryId, fromTerritoryName: name(dto.fromTerritoryId), toTerritoryName: name(dto.toTerritoryId),
      accountIds: dto.accountIds, effectiveDate: dto.effectiveDate, reason: dto.reason,
      financeThreshold: dto.financeThreshold ?? this.config.approvals.financeThreshold,
      ...(dto.openQuotaAdjustment ? { openQuotaAdjustment: true } : {}),
    };
    try {
      await this.temporal.workflow.start('territoryChangeWorkflow', {
        taskQueue: this.config.temporal.taskQueue, workflowId: change.workflowId, args: [input], workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      });
    } catch (e) {
      if (!(e instanceof WorkflowExecutionAlreadyStartedError)) {
        await repo.delete({ id: change.id });
        this.logger.error(`territory change: could not start the workflow: ${(e as Error).message}`);
        throw new DomainError('TEMPORAL.UNAVAILABLE', 'The workflow service is unavailable; nothing was requested. Try again.', { cause: (e as Error).message });
      }
    }
    return this.render(change.id, false);
  }

  private async load(id: string): Promise<TerritoryChangeEntity> {
    const change = await this.dataSource.getRepository(TerritoryChangeEntity).findOne({ where: { id } });
    if (!change) throw new DomainError('TERRITORY_CHANGE.NOT_FOUND', `No territory change with id ${id}.`, { field: 'id', value: id });
    return change;
  }

  async view(actor: Principal, id: string) {
    const change = await this.load(id);
    const reps = ((change.impact as { repsAffected?: string[] } | null)?.repsAffected ?? []);
    const mayRead = actor.id === change.requesterId || actor.roles.some((r) => READ_ALL.includes(r) || r === 'manager') || reps.includes(actor.id);
    if (!mayRead) throw new DomainError('AUTH.FORBIDDEN', 'You may not read this territory change.');
    return this.render(id, true);
  }

  private async render(id: string, withLive: boolean) {
    const change = await this.load(id);
    let live: TerritoryChangeStatus | undefined;
    if (withLive && PENDING.includes(change.status)) {
      live = await liveStatus<TerritoryChangeStatus>(this.temporal, change.workflowId);
    }
    const events = await this.audit.list({ subject: `territory-change:${id}`, limit: 500 });
    return {
      id: change.id,
      status: change.status,
      requesterId: change.requesterId,
      fromTerritoryId: change.fromTerritoryId,
      toTerritoryId: change.toTerritoryId,
      accountIds: change.accountIds,
      effectiveDate: change.effectiveDate,
      reason: change.reason,
      financeThreshold: change.financeThreshold,
      openQuotaAdjustment: change.openQuotaAdjustment,
      impact: live?.impact ?? change.impact,
      stages: live?.stages ?? change.stages ?? [],
      openStageIds: live?.openStageIds ?? [],
      decisions: live?.decisions ?? null,
      nextDeadline: live?.nextDeadline ?? change.nextDeadline ?? null,
      comment: change.comment,
      createdAt: change.createdAt,
      decidedAt: change.decidedAt,
      appliedAt: change.appliedAt,
      cancelledById: change.cancelledById,
      cancelledAt: change.cancelledAt,
      workflowId: change.workflowId,
      workflow: live ?? null,
      history: events.map((e) => ({ at: e.occurredAt, action: e.action, actorId: e.actorId ?? null, actorRole: e.actorRole ?? null, comment: e.comment ?? null, runId: e.runId ?? null })),
    };
  }

  async cancel(actor: Principal, id: string, comment: string | undefined) {
    const change = await this.load(id);
    if (actor.id !== change.requesterId && !actor.roles.includes('ops')) {
      throw new DomainError('AUTH.FORBIDDEN', 'Only the requester or sales operations may cancel a territory change.');
    }
    this.refuseUnlessPending(change);
    const request: TerritoryCancelRequest = { actorId: actor.id, actorRoles: actor.roles, ...(comment ? { comment } : {}) };
    try {
      await this.temporal.workflow.getHandle(change.workflowId).executeUpdate('cancel', { args: [request] });
    } catch (e) {
      if (e instanceof WorkflowUpdateFailedError && e.cause instanceof ApplicationFailure) {
        throw new DomainError(e.cause.type ?? 'TERRITORY_CHANGE.NOT_PENDING', e.cause.message, e.cause.details?.[0]);
      }
      // The workflow ended in between (it applied, most likely): answer from the read model.
      if (e instanceof WorkflowNotFoundError || (e instanceof Error && /already completed/i.test(e.message))) {
        this.refuseUnlessPending(await this.load(id));
      }
      throw new DomainError('TEMPORAL.UNAVAILABLE', `The workflow service could not cancel: ${(e as Error).message}`);
    }
    return this.render(id, false);
  }

  private refuseUnlessPending(change: TerritoryChangeEntity): void {
    if (change.status === 'applied') throw new DomainError('TERRITORY_CHANGE.ALREADY_APPLIED', 'This territory change has already been applied.', { status: change.status });
    if (change.status === 'cancelled') throw new DomainError('TERRITORY_CHANGE.ALREADY_CANCELLED', 'This territory change has already been cancelled.', { status: change.status });
    if (change.status === 'rejected') throw new DomainError('TERRITORY_CHANGE.NOT_PENDING', 'This territory change was returned to the requester.', { status: change.status });
  }

  /** The territory (and its effective rep) owning the account on a date: the ownership history, else today's territory. */
  async ownerOf(accountId: string, date = today()) {
    const account = await this.dataSource.getRepository(AccountEntity).findOne({ where: { id: accountId } });
    if (!account) throw new DomainError('ACCOUNT.NOT_FOUND', `No account with id ${accountId}.`, { field: 'id', value: accountId });
    const rows = (await this.dataSource.query(
      `SELECT territory_id, change_id, effective_from::text AS effective_from, effective_to::text AS effective_to FROM account_ownership
       WHERE account_id = $1 AND effective_from <= $2 AND (effective_to IS NULL OR effective_to > $2) ORDER BY effective_from DESC LIMIT 1`,
      [accountId, date],
    )) as { territory_id: string; change_id: string | null; effective_from: string; effective_to: string | null }[];
    const row = rows[0];
    const territoryId = row?.territory_id ?? account.territoryId;
    const { rows: territories, tree } = await this.hierarchy();
    const ownerId = ownerOfTerritory(tree, territoryId);
    const owner = ownerId ? (await this.names([ownerId])).get(ownerId) ?? null : null;
    return {
      accountId, date,
      territory: { id: territoryId, name: territories.find((t) => t.id === territoryId)?.name ?? null },
      owner,
      source: row ? 'ownership-history' : 'current-territory',
      period: row ? { from: row.effective_from, to: row.effective_to, changeId: row.change_id } : null,
    };
  }
}
