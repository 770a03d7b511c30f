import { Inject, Injectable, Logger } from '@nestjs/common';
import { Client, WorkflowIdReusePolicy } from '@temporalio/client';
import type { AppConfig } from '@quotaflow/config';
import {
  ancestorsOf,
  decCmp,
  DomainError,
  OrgIndex,
  ownerOfTerritory,
  readsEverything,
  territoryAccess,
  territoryChangeAccess,
  type QuotaAdjustmentSuggestion,
} from '@quotaflow/domain';
import {
  AccountEntity,
  ApprovalRepository,
  AuditLog,
  OrganisationRepository,
  PENDING_TERRITORY_CHANGE_STATES,
  TerritoryChangeEntity,
  TerritoryRepository,
} from '@quotaflow/persistence';
import {
  territoryCancelUpdate,
  territoryChangeWorkflow,
  territoryChangeWorkflowId,
  territoryStatusQuery,
  type TerritoryChangeStatus,
} from '@quotaflow/workflows';
import { randomUUID } from 'node:crypto';
import { DataSource, In } from 'typeorm';
import type { Principal } from '../auth/principal';
import { APP_CONFIG } from '../config.token';
import { AccessService } from '../common/access.service';
import { liveStatus } from '../common/live-status';
import { toDomainError } from '../common/temporal-errors';
import type { CreateTerritoryChangeDto } from './territories.dto';

function invalid(field: string, message: string, value?: unknown): DomainError {
  return new DomainError('VALIDATION.FAILED', `${field}: ${message}`, [{ field, problems: [message], ...(value !== undefined ? { value } : {}) }]);
}

const today = (): string => new Date().toISOString().slice(0, 10);

interface ImpactSummary {
  revenueMoved?: string;
  pipelineMoved?: string;
  repsAffected?: string[];
  managersAffected?: string[];
  losingTerritoryIds?: string[];
  gainingTerritoryIds?: string[];
  quotaAdjustments?: QuotaAdjustmentSuggestion[];
  accountsMovingCount?: number;
}

@Injectable()
export class TerritoriesService {
  private readonly logger = new Logger(TerritoriesService.name);
  constructor(
    private readonly dataSource: DataSource,
    private readonly territories: TerritoryRepository,
    private readonly organisation: OrganisationRepository,
    private readonly approvals: ApprovalRepository,
    private readonly access: AccessService,
    private readonly temporal: Client,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly audit: AuditLog,
  ) {}

  private async names(ids: (string | undefined | null)[]): Promise<Map<string, { id: string; name: string }>> {
    const people = await this.organisation.people(ids.filter((id): id is string => !!id));
    return new Map([...people.values()].map((p) => [p.id, { id: p.id, name: p.name }]));
  }

  async tree() {
    const { rows, tree } = await this.territories.tree();
    const counts = new Map<string, number>(
      ((await this.dataSource.query('SELECT territory_id, count(*)::int AS n FROM accounts GROUP BY territory_id')) as { territory_id: string; n: number }[]).map((r) => [r.territory_id, r.n]),
    );
    const owners = await this.names(rows.map((t) => ownerOfTerritory(tree, t.id)));
    interface Node { id: string; name: string; parentId: string | null; teamId: string | null; owner: { id: string; name: string } | null; ownerIsInherited: boolean; accountsCount: number; totalAccountsCount: number; children: Node[]; links: { self: string } }
    const nodes = new Map<string, Node>(rows.map((t) => {
      const ownerId = ownerOfTerritory(tree, t.id);
      return [t.id, {
        id: t.id, name: t.name, parentId: t.parentId, teamId: t.teamId, owner: ownerId ? (owners.get(ownerId) ?? null) : null,
        ownerIsInherited: !t.ownerPersonId && !!ownerId, accountsCount: counts.get(t.id) ?? 0, totalAccountsCount: 0, children: [], links: { self: `/api/v1/territories/${t.id}` },
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

  /** The managers of a territory (its team's, its owner's, an ancestor's): who sees its accounts. */
  private async managersOf(territoryId: string): Promise<string[]> {
    const org = new OrgIndex(await this.organisation.snapshot({ territories: true }));
    const out = new Set<string>();
    const { tree } = await this.territories.tree();
    for (const t of [tree.find((x) => x.id === territoryId)!, ...ancestorsOf(tree, territoryId)].filter(Boolean)) {
      const manager = org.managerOfTerritory(t.id);
      if (manager) out.add(manager);
    }
    return [...out];
  }

  async get(actor: Principal, id: string) {
    const { rows, tree } = await this.territories.tree();
    const territory = rows.find((t) => t.id === id);
    if (!territory) throw new DomainError('TERRITORY.NOT_FOUND', `No territory with id ${id}.`, { field: 'id', value: id });
    const ownerId = ownerOfTerritory(tree, id);
    const level = territoryAccess(await this.access.scope(actor), { ...(ownerId ? { ownerId } : {}), managerIds: await this.managersOf(id) });
    const people = await this.names([ownerId, territory.ownerPersonId]);
    const accounts = level === 'full' ? await this.dataSource.getRepository(AccountEntity).find({ where: { territoryId: id }, order: { name: 'ASC' } }) : null;
    const accountsCount = await this.dataSource.getRepository(AccountEntity).count({ where: { territoryId: id } });
    return {
      id: territory.id, name: territory.name, parentId: territory.parentId, teamId: territory.teamId,
      path: ancestorsOf(tree, id).reverse().map((t) => ({ id: t.id, name: rows.find((r) => r.id === t.id)!.name })),
      owner: ownerId ? (people.get(ownerId) ?? null) : null,
      ownerIsInherited: !territory.ownerPersonId && !!ownerId,
      children: rows.filter((t) => t.parentId === id).map((t) => ({ id: t.id, name: t.name })),
      accountsCount,
      // Accounts are the territory's owner's and managers' (and read-all roles') to see.
      accounts: accounts ? accounts.map((a) => ({ id: a.id, name: a.name })) : null,
      links: { self: `/api/v1/territories/${id}` },
    };
  }

  /** Validates the request, stores it and starts `territory-change:<id>`; nothing half-written if Temporal is down. */
  async request(actor: Principal, dto: CreateTerritoryChangeDto) {
    if (dto.fromTerritoryId === dto.toTerritoryId) throw invalid('toTerritoryId', 'must differ from fromTerritoryId', dto.toTerritoryId);
    if (Number.isNaN(Date.parse(`${dto.effectiveDate}T00:00:00Z`)) || new Date(`${dto.effectiveDate}T00:00:00Z`).toISOString().slice(0, 10) !== dto.effectiveDate) {
      throw invalid('effectiveDate', 'is not a calendar date', dto.effectiveDate);
    }
    if (dto.effectiveDate < today()) throw invalid('effectiveDate', `must be today (${today()}) or later`, dto.effectiveDate);
    const organisationThreshold = this.config.approvals.financeThreshold;
    if (dto.financeThreshold !== undefined && decCmp(dto.financeThreshold, organisationThreshold) > 0) {
      throw new DomainError('VALIDATION.LOOSER_THAN_POLICY', `financeThreshold ${dto.financeThreshold} is above the organisation's ${organisationThreshold}: a request may make routing stricter, never looser.`, {
        field: 'financeThreshold', value: dto.financeThreshold, limit: organisationThreshold,
      });
    }
    const { rows: all } = await this.territories.tree();
    for (const field of ['fromTerritoryId', 'toTerritoryId'] as const) {
      if (!all.some((t) => t.id === dto[field])) throw new DomainError('TERRITORY.NOT_FOUND', `No territory with id ${dto[field]}.`, { field, value: dto[field] });
    }
    // A manager asks for changes of their own territories only (the other side's manager approves).
    if (!actor.roles.includes('ops') && !actor.roles.includes('admin')) {
      const [from, to] = await Promise.all([this.managersOf(dto.fromTerritoryId), this.managersOf(dto.toTerritoryId)]);
      if (!from.includes(actor.id) && !to.includes(actor.id)) {
        throw new DomainError('AUTH.FORBIDDEN', 'A manager may request changes of the territories they manage only.', { field: 'fromTerritoryId' });
      }
    }
    const outside = await this.territories.accountsOutside(dto.accountIds, dto.fromTerritoryId);
    if (outside.length > 0) {
      const known = await this.dataSource.getRepository(AccountEntity).countBy({ id: In(outside) });
      if (known < outside.length) {
        const existing = new Set((await this.dataSource.getRepository(AccountEntity).findBy({ id: In(outside) })).map((a) => a.id));
        const unknown = outside.filter((id) => !existing.has(id));
        throw new DomainError('ACCOUNT.NOT_FOUND', `No account with id ${unknown.slice(0, 5).join(', ')}${unknown.length > 5 ? ', …' : ''}.`, { field: 'accountIds', value: unknown.slice(0, 50) });
      }
      throw invalid('accountIds', 'every account must belong to the losing territory (fromTerritoryId)', outside.slice(0, 50));
    }
    const busy = await this.dataSource.getRepository(TerritoryChangeEntity).createQueryBuilder('c')
      .where('c.status IN (:...pending) AND c.account_ids && :ids::uuid[]', { pending: PENDING_TERRITORY_CHANGE_STATES, ids: dto.accountIds }).getMany();
    if (busy.length > 0) {
      throw new DomainError('TERRITORY_CHANGE.CONFLICT', 'Some of these accounts are already part of a pending territory change.', { field: 'accountIds', changeIds: busy.map((c) => c.id) });
    }

    const repo = this.dataSource.getRepository(TerritoryChangeEntity);
    const id = randomUUID();
    const workflowId = territoryChangeWorkflowId(id);
    await repo.insert({
      id, requesterId: actor.id, fromTerritoryId: dto.fromTerritoryId, toTerritoryId: dto.toTerritoryId, accountIds: dto.accountIds,
      effectiveDate: dto.effectiveDate, reason: dto.reason, status: 'requested', financeThreshold: dto.financeThreshold ?? organisationThreshold,
      openQuotaAdjustment: dto.openQuotaAdjustment ?? false, workflowId,
    });
    try {
      await this.temporal.workflow.start(territoryChangeWorkflow, {
        taskQueue: this.config.temporal.taskQueue, workflowId, args: [{ changeId: id, requesterId: actor.id }], workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      });
    } catch (e) {
      await repo.delete({ id });
      this.logger.error(`territory change: could not start the workflow: ${(e as Error).message}`);
      throw new DomainError('TEMPORAL.UNAVAILABLE', 'The workflow service is unavailable; nothing was requested. Try again.', { cause: (e as Error).message });
    }
    return this.render(actor, (await repo.findOneByOrFail({ id })), 'full', false);
  }

  private async load(id: string): Promise<TerritoryChangeEntity> {
    const change = await this.territories.change(id);
    if (!change) throw new DomainError('TERRITORY_CHANGE.NOT_FOUND', `No territory change with id ${id}.`, { field: 'id', value: id });
    return change;
  }

  private async level(actor: Principal, change: TerritoryChangeEntity): Promise<'full' | 'own' | 'none'> {
    const impact = (change.impact ?? {}) as ImpactSummary;
    const managers = new Set(impact.managersAffected ?? []);
    // Before the impact is computed: the managers of both territories.
    if (!change.impact) for (const id of [...(await this.managersOf(change.fromTerritoryId)), ...(await this.managersOf(change.toTerritoryId))]) managers.add(id);
    return territoryChangeAccess(await this.access.scope(actor), { requesterId: change.requesterId, managerIds: [...managers], repIds: impact.repsAffected ?? [] });
  }

  async view(actor: Principal, id: string) {
    const change = await this.load(id);
    const level = await this.level(actor, change);
    if (level === 'none') throw new DomainError('AUTH.FORBIDDEN', 'You may not read this territory change.');
    return this.render(actor, change, level, true);
  }

  async movingAccounts(actor: Principal, id: string, page: { limit?: number; after?: string }) {
    const change = await this.load(id);
    if ((await this.level(actor, change)) !== 'full') throw new DomainError('AUTH.FORBIDDEN', 'You may not read the accounts of this territory change.');
    const limit = page.limit ?? 500;
    const rows = await this.territories.movingAccounts(id, { limit: limit + 1, ...(page.after ? { after: page.after } : {}) });
    const accounts = rows.slice(0, limit);
    const next = rows.length > limit ? accounts[accounts.length - 1]!.accountId : undefined;
    return {
      count: accounts.length,
      accounts: accounts.map((a) => ({ accountId: a.accountId, fromTerritoryId: a.fromTerritoryId, toTerritoryId: a.toTerritoryId, fromOwnerId: a.fromOwnerId, toOwnerId: a.toOwnerId, trailingRevenue: a.trailingRevenue, openPipeline: a.openPipeline })),
      ...(next ? { next } : {}),
      links: { self: `/api/v1/territory-changes/${id}/accounts`, ...(next ? { next: `/api/v1/territory-changes/${id}/accounts?after=${next}&limit=${limit}` } : {}) },
    };
  }

  private async render(actor: Principal, change: TerritoryChangeEntity, level: 'full' | 'own', withLive: boolean) {
    let live: TerritoryChangeStatus | undefined;
    if (withLive && PENDING_TERRITORY_CHANGE_STATES.includes(change.status)) live = await liveStatus(this.temporal, change.workflowId, territoryStatusQuery);
    const impact = change.impact as ImpactSummary | null;
    const events = level === 'full' ? await this.audit.list({ subject: `territory-change:${change.id}`, limit: 500 }) : [];
    const failure = change.status === 'failed' ? await this.approvals.failureOf(`territory-change:${change.id}`) : null;
    // A rep whose accounts move sees the change and their own figures, not the others'.
    const ownImpact = impact && level === 'own'
      ? { quotaAdjustment: (impact.quotaAdjustments ?? []).find((q) => q.personId === actor.id) ?? null, accountsMovingCount: impact.accountsMovingCount ?? change.accountIds.length }
      : null;
    return {
      id: change.id,
      status: change.status,
      requesterId: change.requesterId,
      fromTerritoryId: change.fromTerritoryId,
      toTerritoryId: change.toTerritoryId,
      accountsCount: change.accountIds.length,
      accountIds: level === 'full' && change.accountIds.length <= 1000 ? change.accountIds : null,
      effectiveDate: change.effectiveDate,
      reason: change.reason,
      financeThreshold: level === 'full' ? change.financeThreshold : null,
      openQuotaAdjustment: change.openQuotaAdjustment,
      impact: level === 'full' ? impact : null,
      ownImpact,
      stages: level === 'full' ? (change.stages ?? []) : [],
      openStages: live ? (level === 'full' ? live.openStages : live.openStages.map((s) => ({ id: s.id, label: s.label, approverIds: [] }))) : [],
      openStageIds: live ? live.openStages.map((s) => s.id) : [],
      decisions: level === 'full' ? (live?.decisions ?? null) : null,
      nextDeadline: live?.nextDeadline ?? (change.nextDeadline ? change.nextDeadline.toISOString() : null),
      comment: change.comment,
      createdAt: change.createdAt.toISOString(),
      decidedAt: change.decidedAt ? change.decidedAt.toISOString() : null,
      appliedAt: change.appliedAt ? change.appliedAt.toISOString() : null,
      cancelledById: change.cancelledById,
      cancelledAt: change.cancelledAt ? change.cancelledAt.toISOString() : null,
      workflowId: change.workflowId,
      ...(failure ? { failure: { code: failure.code, reason: failure.reason } } : {}),
      history: events.map((e) => ({ at: e.occurredAt.toISOString(), action: e.action, actorId: e.actorId ?? null, actorRole: e.actorRole ?? null, comment: e.comment ?? null, runId: e.runId ?? null })),
      links: { self: `/api/v1/territory-changes/${change.id}`, accounts: `/api/v1/territory-changes/${change.id}/accounts`, cancel: `/api/v1/territory-changes/${change.id}/cancel`, trace: `/api/v1/audit/trace/territory-change:${change.id}` },
    };
  }

  async cancel(actor: Principal, id: string, comment: string | undefined) {
    const change = await this.load(id);
    if (actor.id !== change.requesterId && !actor.roles.includes('ops')) {
      throw new DomainError('AUTH.FORBIDDEN', 'Only the requester or sales operations may cancel a territory change.');
    }
    this.refuseUnlessPending(change);
    try {
      await this.temporal.workflow.getHandle(change.workflowId).executeUpdate(territoryCancelUpdate, {
        args: [{ actorId: actor.id, actorRoles: [...actor.roles], ...(comment ? { comment } : {}) }],
        updateId: randomUUID(),
      });
    } catch (e) {
      const error = toDomainError(e, 'TERRITORY_CHANGE');
      // The workflow ended in between (it applied, most likely): answer from the read model.
      if (error.code === 'TERRITORY_CHANGE.NOT_PENDING') this.refuseUnlessPending(await this.load(id));
      throw error;
    }
    return this.render(actor, await this.load(id), 'full', false);
  }

  private refuseUnlessPending(change: TerritoryChangeEntity): void {
    if (change.status === 'applied') throw new DomainError('TERRITORY_CHANGE.ALREADY_APPLIED', 'This territory change has already been applied.', { status: change.status });
    if (change.status === 'cancelled') throw new DomainError('TERRITORY_CHANGE.ALREADY_CANCELLED', 'This territory change has already been cancelled.', { status: change.status });
    if (change.status === 'rejected' || change.status === 'failed') throw new DomainError('TERRITORY_CHANGE.NOT_PENDING', `This territory change is ${change.status}.`, { status: change.status });
  }

  /**
   * The territory (and its effective rep) owning the account on a date: the ownership history, else today's territory.
   * Which territory holds an account is the territory's to show (territoryAccess: its owner, its managers, read-all
   * roles), so the history is shown to whoever sees the accounts of a territory that held the account at some time.
   */
  async ownerOf(actor: Principal, accountId: string, date = today()) {
    const account = await this.dataSource.getRepository(AccountEntity).findOne({ where: { id: accountId } });
    if (!account) throw new DomainError('ACCOUNT.NOT_FOUND', `No account with id ${accountId}.`, { field: 'id', value: accountId });
    const scope = await this.access.scope(actor);
    if (!readsEverything(scope)) {
      const held = ((await this.dataSource.query(`SELECT DISTINCT territory_id FROM account_ownership WHERE account_id = $1`, [accountId])) as { territory_id: string }[]).map((r) => r.territory_id);
      const { tree: all } = await this.territories.tree();
      let allowed = false;
      for (const territoryId of new Set([account.territoryId, ...held])) {
        const ownerId = ownerOfTerritory(all, territoryId);
        if (territoryAccess(scope, { ...(ownerId ? { ownerId } : {}), managerIds: await this.managersOf(territoryId) }) === 'full') {
          allowed = true;
          break;
        }
      }
      if (!allowed) throw new DomainError('AUTH.FORBIDDEN', 'You may not read the territories of this account.');
    }
    const rows = (await this.dataSource.query(
      `SELECT territory_id, change_id, effective_from::text AS effective_from, effective_to::text AS effective_to FROM account_ownership
       WHERE account_id = $1 AND effective_from <= $2 AND (effective_to IS NULL OR effective_to > $2) ORDER BY effective_from DESC LIMIT 1`,
      [accountId, date],
    )) as { territory_id: string; change_id: string | null; effective_from: string; effective_to: string | null }[];
    const row = rows[0];
    const territoryId = row?.territory_id ?? account.territoryId;
    const { rows: territories, tree } = await this.territories.tree();
    const ownerId = ownerOfTerritory(tree, territoryId);
    const owner = ownerId ? ((await this.names([ownerId])).get(ownerId) ?? null) : null;
    return {
      accountId, date,
      territory: { id: territoryId, name: territories.find((t) => t.id === territoryId)?.name ?? null },
      owner,
      source: row ? 'ownership-history' : 'current-territory',
      period: row ? { from: row.effective_from, to: row.effective_to, changeId: row.change_id } : null,
    };
  }
}
