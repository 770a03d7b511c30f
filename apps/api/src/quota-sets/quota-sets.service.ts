import { Inject, Injectable } from '@nestjs/common';
import { Client, WorkflowIdReusePolicy } from '@temporalio/client';
import type { AppConfig } from '@quotaflow/config';
import {
  DEFAULT_APPROVAL_POLICY,
  decCmp,
  DomainError,
  quotaSetAccess,
  resolveStages,
  reviewQuotaSet,
  validateQuotaSet,
  withThresholds,
  type QuotaSet,
} from '@quotaflow/domain';
import {
  ApprovalRepository,
  AuditLog,
  OrganisationRepository,
  QuotaLineEntity,
  QuotaSetEntity,
  QuotaSetRepository,
  QuotaSetVersionEntity,
  TeamEntity,
} from '@quotaflow/persistence';
import {
  quotaAdjustUpdate,
  quotaReviseUpdate,
  gen1ReviseRequest,
  isGen1Status,
  quotaSignoffWorkflow,
  quotaSignoffWorkflowId,
  quotaStatusQuery,
  type QuotaSignoffStatus,
} from '@quotaflow/workflows';
import { randomUUID } from 'node:crypto';
import { DataSource, In, IsNull, Not } from 'typeorm';
import type { Principal } from '../auth/principal';
import { APP_CONFIG } from '../config.token';
import { AccessService } from '../common/access.service';
import { liveStatus } from '../common/live-status';
import { alreadyStarted, toDomainError } from '../common/temporal-errors';
import { isMoneyString } from '../common/validators';
import type { AdjustmentDto, CreateQuotaSetDto, QuotaContentDto, RevisionDto } from './quota-sets.dto';
import type { QuotaSetView } from './quota-sets.views';

/** Lines returned inline by GET /quota-sets/:id; more are paged at /quota-sets/:id/lines. */
const INLINE_LINES = 1000;

function invalid(field: string, message: string): DomainError {
  return new DomainError('VALIDATION.FAILED', message, { field });
}

@Injectable()
export class QuotaSetsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly quotas: QuotaSetRepository,
    private readonly organisation: OrganisationRepository,
    private readonly approvals: ApprovalRepository,
    private readonly access: AccessService,
    private readonly temporal: Client,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly audit: AuditLog,
  ) {}

  private async load(id: string): Promise<QuotaSetEntity> {
    const set = await this.quotas.find(id);
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
      if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(teamId)) throw invalid(`teamTargets.${teamId}`, 'team ids are UUIDs');
      if (!isMoneyString(target)) throw invalid(`teamTargets.${teamId}`, 'must be a decimal string with at most 2 decimals');
    }
    const teams = await this.dataSource.getRepository(TeamEntity).findBy({ id: In(teamIds) });
    const known = new Set(teams.map((t) => t.id));
    const missingTeam = teamIds.find((id) => !known.has(id));
    if (missingTeam) throw new DomainError('TEAM.NOT_FOUND', `No team ${missingTeam}.`, { field: `teamTargets.${missingTeam}` });
    const people = await this.organisation.people(dto.quotas.map((q) => q.personId));
    const seen = new Set<string>();
    const quotas = dto.quotas.map((q, i) => {
      const person = people.get(q.personId);
      if (!person || !person.active) throw new DomainError('PERSON.NOT_FOUND', `No active person ${q.personId}.`, { field: `quotas[${i}].personId` });
      if (seen.has(q.personId)) throw invalid(`quotas[${i}].personId`, `${person.name} has two quotas in the set`);
      seen.add(q.personId);
      if (!person.teamId || !known.has(person.teamId)) throw invalid(`quotas[${i}].personId`, `${person.name} belongs to no team of teamTargets`);
      return { personId: q.personId, teamId: person.teamId, amount: q.amount };
    });
    const set: QuotaSet = { periodLabel: periodId, companyTarget: dto.companyTarget, teams: teamIds.map((teamId) => ({ teamId, target: dto.teamTargets[teamId]! })), quotas };
    validateQuotaSet(set);
    return set;
  }

  /** A request may make finance's flags stricter (a lower change percent), never looser. */
  private changePercentFlag(requested: string | undefined): string {
    const organisation = this.config.approvals.quotaChangePercentFlag;
    if (requested === undefined) return organisation;
    if (decCmp(requested, organisation) > 0) {
      throw new DomainError('VALIDATION.LOOSER_THAN_POLICY', `changePercentFlag ${requested} is above the organisation's ${organisation}: a request may make the flags stricter, never looser.`, {
        field: 'changePercentFlag', value: requested, limit: organisation,
      });
    }
    return requested;
  }

  async create(actor: Principal, dto: CreateQuotaSetDto): Promise<QuotaSetView> {
    if (dto.periodEnd < dto.periodStart) throw invalid('periodEnd', 'must not be before periodStart');
    const changePercentFlag = this.changePercentFlag(dto.changePercentFlag);
    const content = await this.toQuotaSet(dto.periodId, dto);
    const id = await this.dataSource.transaction(async (m) => {
      const inForce = await m.findOne(QuotaSetEntity, { where: { periodId: dto.periodId, effectiveVersion: Not(IsNull()) } });
      if (inForce) {
        throw new DomainError('QUOTA_SET.ALREADY_LOCKED', `Quota set ${inForce.id} is in force for ${dto.periodId}; change it with a revision.`, { field: 'periodId', quotaSetId: inForce.id });
      }
      const set = await m.save(m.create(QuotaSetEntity, {
        periodId: dto.periodId, periodStart: dto.periodStart, periodEnd: dto.periodEnd, companyTarget: dto.companyTarget,
        changePercentFlag, status: 'draft', currentVersion: 1, createdById: actor.id,
      }));
      await this.quotas.insertVersion(m, { quotaSetId: set.id, version: 1, reason: 'submission', createdById: actor.id, content, previous: await this.quotas.previousQuotas(dto.periodStart, m) });
      await this.audit.append({
        action: 'quota-set.created', subject: `quota-set:${set.id}`, actorId: actor.id, actorRole: 'ops',
        after: { periodId: dto.periodId, companyTarget: content.companyTarget, version: 1, reps: content.quotas.length }, dedupeKey: `quota-set:${set.id}:created`,
      }, m);
      return set.id;
    });
    return this.view(actor, id);
  }

  /** Routing is checked here too, so a set nobody may sign is refused before anything starts. */
  private async checkRoutable(set: QuotaSetEntity, version: number, requesterId: string): Promise<void> {
    const content = await this.quotas.content(set, version);
    resolveStages(
      withThresholds(DEFAULT_APPROVAL_POLICY, { financeAbove: this.config.approvals.financeThreshold }),
      { kind: 'quota-signoff', subject: `quota-set:${set.id}`, requesterId, subjectPersonIds: content.quotas.map((q) => q.personId), subjectTeamIds: content.teams.map((t) => t.teamId) },
      await this.organisation.snapshot(),
    );
  }

  private async startWorkflow(set: QuotaSetEntity, version: number, workflowId: string, actor: Principal, midPeriod: boolean): Promise<void> {
    await this.checkRoutable(set, version, actor.id);
    try {
      await this.temporal.workflow.start(quotaSignoffWorkflow, {
        taskQueue: this.config.temporal.taskQueue,
        workflowId,
        args: [{ quotaSetId: set.id, version, requesterId: actor.id, periodId: set.periodId, ...(midPeriod ? { midPeriod: true } : {}) }],
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      });
    } catch (e) {
      if (!alreadyStarted(e)) throw new DomainError('TEMPORAL.UNAVAILABLE', 'The workflow service is unavailable; nothing was submitted. Try again.', { cause: (e as Error).message });
    }
  }

  async submit(actor: Principal, id: string): Promise<QuotaSetView> {
    const set = await this.load(id);
    const workflowId = quotaSignoffWorkflowId(id);
    if (set.status !== 'draft') {
      if (set.workflowId === workflowId) return this.view(actor, id); // submitted already: nothing new starts
      throw new DomainError('QUOTA_SET.NOT_PENDING', `The quota set is ${set.status}; only a draft is submitted.`, { status: set.status });
    }
    await this.startWorkflow(set, set.currentVersion, workflowId, actor, false);
    // The workflow records in_review too; setting it here answers the caller consistently at once.
    await this.dataSource.getRepository(QuotaSetEntity).update({ id, status: 'draft' }, { status: 'in_review', workflowId });
    return this.view(actor, id);
  }

  /** After a return: a new version through the same workflow. Of a locked set: a mid-period change (new workflow). */
  async revise(actor: Principal, id: string, dto: RevisionDto): Promise<QuotaSetView> {
    const set = await this.load(id);
    const content = await this.toQuotaSet(set.periodId, dto);
    if (set.status === 'returned' && set.workflowId) {
      const version = await this.insertRevision(actor, id, content, dto.comment, 'revision', ['returned']);
      try {
        const handle = this.temporal.workflow.getHandle(set.workflowId);
        const request = { actorId: actor.id, actorRoles: [...actor.roles], version, comment: dto.comment };
        // A run started before the approval kernel takes the set itself (and stores its own version).
        const gen1 = isGen1Status(await handle.query(quotaStatusQuery));
        await handle.executeUpdate(quotaReviseUpdate, {
          args: [gen1 ? gen1ReviseRequest(request, content, await this.quotas.previousQuotas(set.periodStart)) : request],
          updateId: randomUUID(),
        });
      } catch (e) {
        // The version stays (versions are never deleted) as a revision proposed but not taken up.
        throw toDomainError(e, 'QUOTA_SET');
      }
      // The workflow records it too; written here so the answer already shows the new round.
      await this.dataSource.getRepository(QuotaSetEntity).update({ id, status: 'returned' }, { status: 'in_review', currentVersion: version });
      return this.view(actor, id);
    }
    if (set.status === 'locked' && set.effectiveVersion !== null) {
      const version = await this.insertRevision(actor, id, content, dto.comment, 'mid-period-change', ['locked']);
      const workflowId = quotaSignoffWorkflowId(id, version);
      await this.dataSource.getRepository(QuotaSetEntity).update({ id }, { status: 'in_review', currentVersion: version, workflowId });
      try {
        await this.startWorkflow({ ...set, currentVersion: version }, version, workflowId, actor, true);
      } catch (e) {
        // The version stays (nothing is deleted); the set goes back to its locked state so ops can retry.
        await this.dataSource.getRepository(QuotaSetEntity).update({ id }, { status: 'locked', currentVersion: set.effectiveVersion, workflowId: set.workflowId });
        throw e;
      }
      return this.view(actor, id);
    }
    throw new DomainError('QUOTA_SET.NOT_PENDING', `The quota set is ${set.status}: revise a returned set or change a locked one.`, { status: set.status });
  }

  private async insertRevision(actor: Principal, id: string, content: QuotaSet, comment: string, reason: 'revision' | 'mid-period-change', from: string[]): Promise<number> {
    return this.dataSource.transaction(async (m) => {
      const locked = await this.quotas.lockRow(id, m);
      if (!locked || !from.includes(locked.status)) throw new DomainError('QUOTA_SET.CONFLICT', 'The quota set changed meanwhile; reload and try again.');
      const latest = (await this.quotas.versions(id, m)).at(-1)!.version;
      const version = latest + 1;
      await this.quotas.insertVersion(m, { quotaSetId: id, version, reason, createdById: actor.id, comment, content, previous: await this.quotas.previousQuotas(locked.periodStart, m) });
      if (reason === 'mid-period-change') {
        await this.audit.append({
          action: 'quota-set.change-proposed', subject: `quota-set:${id}`, actorId: actor.id, actorRole: 'ops', comment,
          after: { version }, dedupeKey: `quota-set:${id}:change-proposed:v${version}`,
        }, m);
      }
      return version;
    });
  }

  /** A team's manager moves quota inside the team during their stage: an Update to the workflow hosting that stage. */
  async adjust(actor: Principal, id: string, dto: AdjustmentDto): Promise<QuotaSetView> {
    const set = await this.load(id);
    if (set.status !== 'in_review' || !set.workflowId) throw new DomainError('QUOTA_SET.NOT_PENDING', `The quota set is ${set.status}.`, { status: set.status });
    const tasks = await this.approvals.openTasksOfStage(`quota-set:${id}`, `team:${dto.teamId}`);
    const host = tasks.find((t) => t.approverId === actor.id)?.workflowId ?? tasks[0]?.workflowId ?? set.workflowId;
    try {
      await this.temporal.workflow.getHandle(host).executeUpdate(quotaAdjustUpdate, {
        args: [{ actorId: actor.id, actorRoles: [...actor.roles], teamId: dto.teamId, changes: dto.changes, comment: dto.comment }],
        updateId: randomUUID(),
      });
    } catch (e) {
      throw toDomainError(e, 'QUOTA_SET');
    }
    return this.view(actor, id);
  }

  async view(actor: Principal, id: string): Promise<QuotaSetView> {
    const set = await this.load(id);
    const versions = await this.quotas.versions(id);
    const current = versions.find((v) => v.version === set.currentVersion);
    const currentLines = current ? await this.dataSource.getRepository(QuotaLineEntity).find({ where: { quotaSetVersionId: current.id }, order: { personId: 'ASC' } }) : [];
    const access = quotaSetAccess(await this.access.scope(actor), currentLines);
    if (access.level === 'none') throw new DomainError('AUTH.FORBIDDEN', 'You may not read this quota set.');
    const full = access.level === 'full';
    const visible = (l: QuotaLineEntity) => full || (access.level === 'team' ? access.teamIds.includes(l.teamId) : l.personId === actor.id);

    let live: QuotaSignoffStatus | undefined;
    if (set.workflowId && (set.status === 'in_review' || set.status === 'returned')) {
      live = await liveStatus(this.temporal, set.workflowId, quotaStatusQuery);
    }
    const review = current && full
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
    const changeFlags = review ? review.repChanges.filter((c) => c.flagged).length : 0;
    const allLines = versions.length > 0
      ? await this.dataSource.getRepository(QuotaLineEntity).find({ where: { quotaSetVersionId: In(versions.map((v) => v.id)) }, order: { personId: 'ASC' } })
      : [];
    const linesOf = (v: QuotaSetVersionEntity) => allLines.filter((l) => l.quotaSetVersionId === v.id && visible(l));
    const failure = set.status === 'failed' ? await this.approvals.failureOf(`quota-set:${id}`) : null;
    return {
      id: set.id,
      periodId: set.periodId,
      periodStart: set.periodStart,
      periodEnd: set.periodEnd,
      companyTarget: full ? set.companyTarget : null,
      changePercentFlag: set.changePercentFlag,
      status: set.status,
      currentVersion: set.currentVersion,
      effectiveVersion: set.effectiveVersion,
      workflowId: set.workflowId,
      createdById: set.createdById,
      createdAt: set.createdAt.toISOString(),
      lockedAt: set.lockedAt ? set.lockedAt.toISOString() : null,
      // One answer to "does something need attention": any of the flags below (finance's are theirs to see).
      flagged: full ? set.flagged || (review?.shortfallFlag ?? false) || changeFlags > 0 : set.flagged,
      acknowledgementsMissed: set.flagged,
      flags: review,
      versions: versions.map((v) => {
        const lines = linesOf(v);
        return {
          version: v.version, reason: v.reason, comment: v.comment, createdById: v.createdById, createdAt: v.createdAt.toISOString(),
          locked: v.locked, lockedAt: v.lockedAt ? v.lockedAt.toISOString() : null, supersededByVersion: v.supersededByVersion, supersededAt: v.supersededAt ? v.supersededAt.toISOString() : null,
          companyTarget: full ? v.companyTarget : null,
          teamTargets: Object.fromEntries(Object.entries(v.teamTargets).filter(([teamId]) => full || access.teamIds.includes(teamId))),
          lineCount: lines.length,
          lines: lines.length <= INLINE_LINES
            ? lines.map((l) => ({ personId: l.personId, teamId: l.teamId, amount: l.amount, previousAmount: l.previousAmount, acknowledgedAt: l.acknowledgedAt ? l.acknowledgedAt.toISOString() : null }))
            : null,
        };
      }),
      workflow: live
        ? {
            state: live.state, version: live.version, round: live.round,
            openStages: full ? live.openStages : live.openStages.filter((s) => s.approverIds.includes(actor.id)),
            openStageIds: (full ? live.openStages : live.openStages.filter((s) => s.approverIds.includes(actor.id))).map((s) => s.id),
            ...(live.delegated ? { delegated: live.delegated } : {}),
            returned: live.returned ?? null, nextDeadline: live.nextDeadline ?? null,
          }
        : null,
      ...(failure ? { failure: { code: failure.code, reason: failure.reason } } : {}),
      links: { self: `/api/v1/quota-sets/${id}`, trace: `/api/v1/audit/trace/quota-set:${id}`, engineQuotas: `/api/v1/quota-sets/${id}/engine-quotas` },
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

  /** The participants' `quota` objects of the plan language (`quota[periodId]`), from the locked version. */
  async engineQuotas(id: string) {
    const set = await this.load(id);
    if (set.effectiveVersion === null) throw new DomainError('QUOTA_SET.NOT_LOCKED', 'The quota set has no locked version yet.', { status: set.status });
    const quotas = await this.quotas.effectiveQuotas(set.periodId);
    return {
      periodId: set.periodId,
      version: set.effectiveVersion,
      participants: Object.entries(quotas).map(([personId, amount]) => ({ id: personId, quota: { [set.periodId]: amount } })),
    };
  }
}
