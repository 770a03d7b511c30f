import { Inject, Injectable } from '@nestjs/common';
import { Client, WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/client';
import type { AppConfig } from '@quotaflow/config';
import {
  DomainError, reviewQuotaSet, routeQuotaSignoff, validateQuotaSet, type Organisation, type QuotaSet, type Role,
} from '@quotaflow/domain';
import {
  AuditLog, PersonEntity, QuotaLineEntity, QuotaSetEntity, QuotaSetVersionEntity, TeamEntity,
} from '@quotaflow/persistence';
import {
  quotaSignoffWorkflowId, type QuotaAdjustRequest, type QuotaReviseRequest, type QuotaSignoffInput, type QuotaSignoffStatus,
} from '@quotaflow/workflows';
import { randomUUID } from 'node:crypto';
import { DataSource, type EntityManager, In, IsNull, LessThan, Not } from 'typeorm';
import { READ_ALL, type Principal } from '../auth/principal';
import { APP_CONFIG } from '../config.token';
import { toDomainError } from '../plan-assignments/plan-assignments.service';
import { MONEY, type AdjustmentDto, type CreateQuotaSetDto, type QuotaContentDto, type RevisionDto } from './quota-sets.dto';
import { liveStatus } from '../common/live-status';

const DEFAULT_CHANGE_PERCENT = '20';


function invalid(field: string, message: string): DomainError {
  return new DomainError('VALIDATION.FAILED', message, { field });
}

@Injectable()
export class QuotaSetsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly temporal: Client,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly audit: AuditLog,
  ) {}

  private async load(id: string, m: EntityManager = this.dataSource.manager): Promise<QuotaSetEntity> {
    const set = await m.findOne(QuotaSetEntity, { where: { id } });
    if (!set) throw new DomainError('QUOTA_SET.NOT_FOUND', `No quota set with id ${id}.`, { field: 'id', value: id });
    return set;
  }

  /**
   * The request as the domain's QuotaSet: every rep must be an active person of a team that has a
   * target; sums and shapes are `validateQuotaSet`'s to judge.
   */
  private async toQuotaSet(periodId: string, dto: QuotaContentDto): Promise<QuotaSet> {
    const teamIds = Object.keys(dto.teamTargets);
    if (teamIds.length === 0) throw invalid('teamTargets', 'name at least one team');
    for (const teamId of teamIds) {
      const target = dto.teamTargets[teamId];
      if (!/^[0-9a-f-]{36}$/i.test(teamId)) throw invalid(`teamTargets.${teamId}`, 'team ids are UUIDs');
      if (typeof target !== 'string' || !MONEY.test(target)) {
        throw invalid(`teamTargets.${teamId}`, 'must be a decimal string with at most 2 decimals');
      }
    }
    const teams = await this.dataSource.getRepository(TeamEntity).findBy({ id: In(teamIds) });
    const missingTeam = teamIds.find((id) => !teams.some((t) => t.id === id));
    if (missingTeam) throw new DomainError('TEAM.NOT_FOUND', `No team ${missingTeam}.`, { field: `teamTargets.${missingTeam}` });
    const people = await this.dataSource.getRepository(PersonEntity).findBy({ id: In(dto.quotas.map((q) => q.personId)) });
    const quotas = dto.quotas.map((q, i) => {
      const person = people.find((p) => p.id === q.personId);
      if (!person || !person.active) throw new DomainError('PERSON.NOT_FOUND', `No active person ${q.personId}.`, { field: `quotas[${i}].personId` });
      if (!person.teamId || !teamIds.includes(person.teamId)) {
        throw invalid(`quotas[${i}].personId`, `${person.name} belongs to no team of teamTargets`);
      }
      return { personId: q.personId, teamId: person.teamId, amount: q.amount };
    });
    const set: QuotaSet = {
      periodLabel: periodId,
      companyTarget: dto.companyTarget,
      teams: teamIds.map((teamId) => ({ teamId, target: dto.teamTargets[teamId] })),
      quotas,
    };
    validateQuotaSet(set);
    return set;
  }

  /** Last period's locked quotas: the set in force whose period ended last before this one starts. */
  private async previousQuotas(periodStart: string, m: EntityManager = this.dataSource.manager): Promise<{ personId: string; amount: string }[]> {
    const last = await m.findOne(QuotaSetEntity, {
      where: { effectiveVersion: Not(IsNull()), periodEnd: LessThan(periodStart) },
      order: { periodEnd: 'DESC' },
    });
    if (!last) return [];
    return (await this.linesOf(last.id, last.effectiveVersion!, m)).map((l) => ({ personId: l.personId, amount: l.amount }));
  }

  private async linesOf(quotaSetId: string, version: number, m: EntityManager = this.dataSource.manager): Promise<QuotaLineEntity[]> {
    const v = await m.findOneBy(QuotaSetVersionEntity, { quotaSetId, version });
    if (!v) return [];
    return m.find(QuotaLineEntity, { where: { quotaSetVersionId: v.id }, order: { personId: 'ASC' } });
  }

  private async insertVersion(
    m: EntityManager, set: QuotaSetEntity, version: number, reason: QuotaSetVersionEntity['reason'], actor: Principal, content: QuotaSet,
    previous: { personId: string; amount: string }[], comment?: string,
  ): Promise<void> {
    const row = await m.save(m.create(QuotaSetVersionEntity, {
      quotaSetId: set.id, version, reason, comment: comment ?? null, companyTarget: content.companyTarget,
      teamTargets: Object.fromEntries(content.teams.map((t) => [t.teamId, t.target])), createdById: actor.id,
    }));
    const before = new Map(previous.map((p) => [p.personId, p.amount]));
    await m.insert(QuotaLineEntity, content.quotas.map((q) => ({
      quotaSetVersionId: row.id, personId: q.personId, teamId: q.teamId, amount: q.amount, previousAmount: before.get(q.personId) ?? null,
    })));
  }

  async create(actor: Principal, dto: CreateQuotaSetDto) {
    if (dto.periodEnd < dto.periodStart) throw invalid('periodEnd', 'must not be before periodStart');
    const content = await this.toQuotaSet(dto.periodId, dto);
    const id = await this.dataSource.transaction(async (m) => {
      const inForce = await m.findOne(QuotaSetEntity, { where: { periodId: dto.periodId, effectiveVersion: Not(IsNull()) } });
      if (inForce) {
        throw new DomainError('QUOTA_SET.ALREADY_LOCKED', `Quota set ${inForce.id} is in force for ${dto.periodId}; change it with a revision.`, { field: 'periodId', quotaSetId: inForce.id });
      }
      const set = await m.save(m.create(QuotaSetEntity, {
        periodId: dto.periodId, periodStart: dto.periodStart, periodEnd: dto.periodEnd, companyTarget: dto.companyTarget,
        changePercentFlag: dto.changePercentFlag ?? DEFAULT_CHANGE_PERCENT, status: 'draft', currentVersion: 1, createdById: actor.id,
      }));
      await this.insertVersion(m, set, 1, 'submission', actor, content, await this.previousQuotas(dto.periodStart, m));
      await this.audit.append({
        action: 'quota-set.created', subject: `quota-set:${set.id}`, actorId: actor.id, actorRole: 'ops',
        after: { periodId: dto.periodId, companyTarget: content.companyTarget, version: 1 }, dedupeKey: `quota-set:${set.id}:created`,
      }, m);
      return set.id;
    });
    return this.view(actor, id);
  }

  private async organisation(): Promise<Organisation> {
    const people = await this.dataSource.getRepository(PersonEntity).find({ order: { id: 'ASC' } });
    const teams = await this.dataSource.getRepository(TeamEntity).find({ order: { id: 'ASC' } });
    return {
      people: people.map((p) => ({
        id: p.id, name: p.name, roles: p.roles as Role[], active: p.active, ...(p.teamId ? { teamId: p.teamId } : {}), ...(p.managerId ? { managerId: p.managerId } : {}),
      })),
      teams: teams.map((t) => ({ id: t.id, name: t.name, ...(t.managerId ? { managerId: t.managerId } : {}) })),
    };
  }

  private async contentOf(set: QuotaSetEntity, version: number): Promise<QuotaSet> {
    const v = await this.dataSource.manager.findOneByOrFail(QuotaSetVersionEntity, { quotaSetId: set.id, version });
    const lines = await this.linesOf(set.id, version);
    return {
      periodLabel: set.periodId,
      companyTarget: v.companyTarget,
      teams: Object.entries(v.teamTargets).map(([teamId, target]) => ({ teamId, target })),
      quotas: lines.map((l) => ({ personId: l.personId, teamId: l.teamId, amount: l.amount })),
    };
  }

  /** Routing is checked here too, so a set nobody may sign is refused before anything starts. */
  private route(set: QuotaSetEntity, content: QuotaSet, requesterId: string, org: Organisation): void {
    routeQuotaSignoff({
      subject: `quota-set:${set.id}`, requesterId,
      subjectPersonIds: content.quotas.map((q) => q.personId), subjectTeamIds: content.teams.map((t) => t.teamId),
    }, org);
  }

  private async startWorkflow(set: QuotaSetEntity, version: number, workflowId: string, actor: Principal, content: QuotaSet, midPeriod: boolean) {
    const org = await this.organisation();
    this.route(set, content, actor.id, org);
    const input: QuotaSignoffInput = {
      quotaSetId: set.id, version, requesterId: actor.id, periodId: set.periodId, set: content,
      previous: await this.previousQuotas(set.periodStart), changePercentFlag: set.changePercentFlag, org, midPeriod,
    };
    try {
      await this.temporal.workflow.start('quotaSignoffWorkflow', {
        taskQueue: this.config.temporal.taskQueue, workflowId, args: [input], workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      });
    } catch (e) {
      if (!(e instanceof WorkflowExecutionAlreadyStartedError)) {
        throw new DomainError('TEMPORAL.UNAVAILABLE', 'The workflow service is unavailable; nothing was submitted. Try again.', { cause: (e as Error).message });
      }
    }
  }

  async submit(actor: Principal, id: string) {
    const set = await this.load(id);
    const workflowId = quotaSignoffWorkflowId(id);
    if (set.status !== 'draft') {
      if (set.workflowId === workflowId) return this.view(actor, id); // submitted already: nothing new starts
      throw new DomainError('QUOTA_SET.NOT_PENDING', `The quota set is ${set.status}; only a draft is submitted.`, { status: set.status });
    }
    await this.startWorkflow(set, set.currentVersion, workflowId, actor, await this.contentOf(set, set.currentVersion), false);
    // The workflow records in_review too; setting it here answers the caller consistently at once.
    await this.dataSource.getRepository(QuotaSetEntity).update({ id, status: 'draft' }, { status: 'in_review', workflowId });
    return this.view(actor, id);
  }

  /** After a return: a new version through the same workflow. Of a locked set: a mid-period change (new workflow). */
  async revise(actor: Principal, id: string, dto: RevisionDto) {
    const set = await this.load(id);
    const content = await this.toQuotaSet(set.periodId, dto);
    if (set.status === 'returned' && set.workflowId) {
      const request: QuotaReviseRequest = {
        actorId: actor.id, actorRoles: actor.roles, set: content, previous: await this.previousQuotas(set.periodStart),
        org: await this.organisation(), comment: dto.comment,
      };
      const status = await this.update<QuotaReviseRequest>(set.workflowId, 'revise', request);
      // The workflow records it too; written here so the answer already shows the new round.
      await this.dataSource.getRepository(QuotaSetEntity).update({ id, status: 'returned' }, { status: 'in_review', currentVersion: status.version });
      return this.view(actor, id);
    }
    if (set.status === 'locked' && set.effectiveVersion !== null) {
      const version = set.currentVersion + 1;
      const workflowId = quotaSignoffWorkflowId(id, version);
      await this.dataSource.transaction(async (m) => {
        const locked = await m.findOne(QuotaSetEntity, { where: { id }, lock: { mode: 'pessimistic_write' } });
        if (locked?.status !== 'locked' || locked.currentVersion + 1 !== version) {
          throw new DomainError('QUOTA_SET.CONFLICT', 'The quota set changed meanwhile; reload and try again.');
        }
        await this.insertVersion(m, set, version, 'mid-period-change', actor, content, await this.previousQuotas(set.periodStart, m), dto.comment);
        await m.update(QuotaSetEntity, { id }, { status: 'in_review', currentVersion: version, workflowId });
        await this.audit.append({
          action: 'quota-set.change-proposed', subject: `quota-set:${id}`, actorId: actor.id, actorRole: 'ops', comment: dto.comment,
          after: { version }, dedupeKey: `quota-set:${id}:change-proposed:v${version}`,
        }, m);
      });
      try {
        await this.startWorkflow(set, version, workflowId, actor, content, true);
      } catch (e) {
        // The version stays (nothing is deleted); the set goes back to its locked state so ops can retry.
        await this.dataSource.getRepository(QuotaSetEntity).update({ id }, { status: 'locked', workflowId: set.workflowId });
        throw e;
      }
      return this.view(actor, id);
    }
    throw new DomainError('QUOTA_SET.NOT_PENDING', `The quota set is ${set.status}: revise a returned set or change a locked one.`, { status: set.status });
  }

  async adjust(actor: Principal, id: string, dto: AdjustmentDto) {
    const set = await this.load(id);
    if (set.status !== 'in_review' || !set.workflowId) throw new DomainError('QUOTA_SET.NOT_PENDING', `The quota set is ${set.status}.`, { status: set.status });
    const request: QuotaAdjustRequest = { actorId: actor.id, actorRoles: actor.roles, teamId: dto.teamId, changes: dto.changes, comment: dto.comment };
    await this.update<QuotaAdjustRequest>(set.workflowId, 'adjust', request);
    return this.view(actor, id);
  }

  private async update<T>(workflowId: string, name: string, request: T): Promise<QuotaSignoffStatus> {
    try {
      return await this.temporal.workflow.getHandle(workflowId).executeUpdate<QuotaSignoffStatus, [T]>(name, { args: [request], updateId: randomUUID() });
    } catch (e) {
      const error = toDomainError(e);
      if (error.code === 'PLAN_ASSIGNMENT.NOT_PENDING') throw new DomainError('QUOTA_SET.NOT_PENDING', 'The sign-off has already ended.');
      throw error;
    }
  }

  /** What the caller may see: everything (ops, finance, admin, auditor), their teams (a manager), their own line (a rep). */
  private scope(actor: Principal, teamsManaged: string[]): { all: boolean; teamIds: string[]; personId: string } {
    return { all: actor.roles.some((r) => READ_ALL.includes(r)), teamIds: teamsManaged, personId: actor.id };
  }

  async view(actor: Principal, id: string) {
    const set = await this.load(id);
    const managed = (await this.dataSource.getRepository(TeamEntity).findBy({ managerId: actor.id })).map((t) => t.id);
    const scope = this.scope(actor, managed);
    const versions = await this.dataSource.getRepository(QuotaSetVersionEntity).find({ where: { quotaSetId: id }, order: { version: 'ASC' } });
    const lines = versions.length > 0
      ? await this.dataSource.getRepository(QuotaLineEntity).find({ where: { quotaSetVersionId: In(versions.map((v) => v.id)) }, order: { personId: 'ASC' } })
      : [];
    const visible = (l: QuotaLineEntity) => scope.all || scope.teamIds.includes(l.teamId) || l.personId === scope.personId;
    if (!scope.all && !lines.some(visible)) throw new DomainError('AUTH.FORBIDDEN', 'You may not read this quota set.');

    let live: QuotaSignoffStatus | undefined;
    if (set.workflowId && (set.status === 'in_review' || set.status === 'returned')) {
      live = await liveStatus<QuotaSignoffStatus>(this.temporal, set.workflowId);
    }
    const current = versions.find((v) => v.version === set.currentVersion);
    const currentLines = current ? lines.filter((l) => l.quotaSetVersionId === current.id) : [];
    const review = current && scope.all
      ? reviewQuotaSet(
        {
          periodLabel: set.periodId, companyTarget: current.companyTarget,
          teams: Object.entries(current.teamTargets).map(([teamId, target]) => ({ teamId, target })),
          quotas: currentLines.map((l) => ({ personId: l.personId, teamId: l.teamId, amount: l.amount })),
        },
        {
          maxChangePercent: set.changePercentFlag,
          previous: currentLines.filter((l) => l.previousAmount !== null).map((l) => ({ personId: l.personId, amount: l.previousAmount! })),
        },
      )
      : null;
    return {
      id: set.id,
      periodId: set.periodId,
      periodStart: set.periodStart,
      periodEnd: set.periodEnd,
      companyTarget: scope.all ? set.companyTarget : null,
      changePercentFlag: set.changePercentFlag,
      status: set.status,
      currentVersion: set.currentVersion,
      effectiveVersion: set.effectiveVersion,
      workflowId: set.workflowId,
      createdById: set.createdById,
      createdAt: set.createdAt,
      lockedAt: set.lockedAt,
      flagged: set.flagged,
      flags: review,
      versions: versions.map((v) => ({
        version: v.version, reason: v.reason, comment: v.comment, createdById: v.createdById, createdAt: v.createdAt,
        locked: v.locked, lockedAt: v.lockedAt, supersededByVersion: v.supersededByVersion, supersededAt: v.supersededAt,
        companyTarget: scope.all ? v.companyTarget : null,
        teamTargets: Object.fromEntries(Object.entries(v.teamTargets).filter(([teamId]) => scope.all || scope.teamIds.includes(teamId))),
        lines: lines.filter((l) => l.quotaSetVersionId === v.id && visible(l)).map((l) => ({
          personId: l.personId, teamId: l.teamId, amount: l.amount, previousAmount: l.previousAmount, acknowledgedAt: l.acknowledgedAt,
        })),
      })),
      workflow: live
        ? {
          state: live.state, version: live.version, round: live.round, stages: live.stages, openStageIds: live.openStageIds,
          returned: live.returned ?? null, nextDeadline: live.nextDeadline ?? null, history: scope.all ? live.history : [],
        }
        : null,
    };
  }

  /** The rep's quotas in force, by period. */
  async mine(actor: Principal) {
    const rows = await this.dataSource.getRepository(QuotaLineEntity).createQueryBuilder('l')
      .innerJoin(QuotaSetVersionEntity, 'v', 'v.id = l.quota_set_version_id')
      .innerJoin(QuotaSetEntity, 's', 's.id = v.quota_set_id AND s.effective_version = v.version')
      .where('l.person_id = :me', { me: actor.id })
      .select(['s.id AS "quotaSetId"', 's.period_id AS "periodId"', 's.period_start AS "periodStart"', 's.period_end AS "periodEnd"',
        'v.version AS "version"', 'v.locked_at AS "lockedAt"', 'l.amount AS "amount"', 'l.acknowledged_at AS "acknowledgedAt"'])
      .orderBy('s.period_start', 'ASC')
      .getRawMany<{ quotaSetId: string; periodId: string; periodStart: string; periodEnd: string; version: number; lockedAt: Date; amount: string; acknowledgedAt: Date | null }>();
    return { quotas: rows };
  }

  /** `{personId: amount}` of the version in force for the period (empty when none is locked). */
  async effectiveQuotas(periodId: string): Promise<Record<string, string>> {
    const set = await this.dataSource.getRepository(QuotaSetEntity).findOne({ where: { periodId, effectiveVersion: Not(IsNull()) } });
    if (!set) return {};
    return Object.fromEntries((await this.linesOf(set.id, set.effectiveVersion!)).map((l) => [l.personId, l.amount]));
  }

  /** The participants' `quota` objects of the plan language (`quota[periodId]`), from the locked version. */
  async engineQuotas(id: string) {
    const set = await this.load(id);
    if (set.effectiveVersion === null) throw new DomainError('QUOTA_SET.NOT_LOCKED', 'The quota set has no locked version yet.', { status: set.status });
    const quotas = await this.effectiveQuotas(set.periodId);
    return {
      periodId: set.periodId,
      version: set.effectiveVersion,
      participants: Object.entries(quotas).map(([personId, amount]) => ({ id: personId, quota: { [set.periodId]: amount } })),
    };
  }
}
