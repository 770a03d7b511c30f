import { Injectable } from '@nestjs/common';
import { DomainError, validatePlan } from '@quotaflow/domain';
import {
  AuditLog, canonicalJson, PersonEntity, PlanEntity, PlanVersionEntity, PublishRepository, TeamEntity,
} from '@quotaflow/persistence';
import { createHash } from 'node:crypto';
import { DataSource, In } from 'typeorm';
import type { Principal } from '../auth/principal';
import { isMoneyString } from '../common/validators';
import { PublishRuns } from './publish-runs.service';
import type { CreatePlanDto, CreatePlanVersionDto, PublishPlanVersionDto, PublishResult, PublishView } from './plans.dto';

/** A publish answer lists its assignments up to this many targets; beyond, see GET /publishes/:id. */
const PUBLISH_LIST_LIMIT = 200;

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

@Injectable()
export class PlansService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditLog,
    private readonly publishes: PublishRepository,
    private readonly publishRuns: PublishRuns,
  ) {}

  private checkDocument(document: unknown): void {
    const result = validatePlan(document);
    if (!result.ok) {
      throw new DomainError('PLAN.INVALID_DOCUMENT', `The plan document is invalid: ${result.errors[0]?.path} ${result.errors[0]?.message}`, result.errors);
    }
  }

  async list(): Promise<Array<PlanEntity & { versions: PlanVersionEntity[] }>> {
    const plans = await this.dataSource.getRepository(PlanEntity).find({ order: { key: 'ASC' } });
    const versions = await this.dataSource.getRepository(PlanVersionEntity).find({ order: { version: 'ASC' } });
    return plans.map((p) => ({ ...p, versions: versions.filter((v) => v.planId === p.id) }));
  }

  async get(id: string): Promise<PlanEntity & { versions: PlanVersionEntity[] }> {
    const plan = await this.dataSource.getRepository(PlanEntity).findOne({ where: { id } });
    if (!plan) throw new DomainError('PLAN.NOT_FOUND', `No plan with id ${id}.`, { field: 'id', value: id });
    const versions = await this.dataSource.getRepository(PlanVersionEntity).find({ where: { planId: id }, order: { version: 'ASC' } });
    return { ...plan, versions };
  }

  async getVersion(id: string): Promise<PlanVersionEntity> {
    const version = await this.dataSource.getRepository(PlanVersionEntity).findOne({ where: { id } });
    if (!version) throw new DomainError('PLAN_VERSION.NOT_FOUND', `No plan version with id ${id}.`, { field: 'id', value: id });
    return version;
  }

  async create(actor: Principal, dto: CreatePlanDto): Promise<PlanEntity & { versions: PlanVersionEntity[] }> {
    this.checkDocument(dto.document);
    const planId = await this.dataSource.transaction(async (em) => {
      const existing = await em.getRepository(PlanEntity).findOne({ where: { key: dto.key } });
      if (existing) throw new DomainError('PLAN.ALREADY_EXISTS', `A plan with key ${dto.key} exists.`, { field: 'key', value: dto.key });
      const plan = await em.getRepository(PlanEntity).save(em.getRepository(PlanEntity).create({ key: dto.key, name: dto.name, createdById: actor.id }));
      const version = await this.insertVersion(em.getRepository(PlanVersionEntity), plan.id, 1, actor, dto);
      await this.audit.append({
        action: 'plan.created', subject: `plan:${plan.id}`, actorId: actor.id, actorRole: primaryRole(actor),
        after: { key: plan.key, name: plan.name, version: 1, documentHash: version.documentHash },
      }, em);
      return plan.id;
    });
    return this.get(planId);
  }

  async addVersion(actor: Principal, planId: string, dto: CreatePlanVersionDto): Promise<PlanVersionEntity> {
    this.checkDocument(dto.document);
    return this.dataSource.transaction(async (em) => {
      const plan = await em.getRepository(PlanEntity).findOne({ where: { id: planId }, lock: { mode: 'pessimistic_write' } });
      if (!plan) throw new DomainError('PLAN.NOT_FOUND', `No plan with id ${planId}.`, { field: 'planId', value: planId });
      const last = await em.getRepository(PlanVersionEntity).findOne({ where: { planId }, order: { version: 'DESC' } });
      const version = await this.insertVersion(em.getRepository(PlanVersionEntity), planId, (last?.version ?? 0) + 1, actor, dto);
      await this.audit.append({
        action: 'plan.version-created', subject: `plan:${planId}`, actorId: actor.id, actorRole: primaryRole(actor),
        after: { version: version.version, documentHash: version.documentHash },
      }, em);
      return version;
    });
  }

  private insertVersion(
    repo: ReturnType<DataSource['getRepository']>, planId: string, version: number, actor: Principal, dto: CreatePlanVersionDto,
  ): Promise<PlanVersionEntity> {
    const documentHash = sha256(canonicalJson(dto.document));
    return repo.save(repo.create({
      planId, version, document: dto.document, periodLabel: dto.periodLabel, effectiveFrom: dto.effectiveFrom, ...(dto.effectiveTo ? { effectiveTo: dto.effectiveTo } : {}), documentHash, createdById: actor.id,
    })) as Promise<PlanVersionEntity>;
  }

  /**
   * Publishes a plan version to reps: one assignment and one durable acceptance workflow per rep.
   * Publishing the same version to the same rep again starts nothing new; a pending assignment
   * of another version of the same plan is superseded.
   */
  async publish(actor: Principal, versionId: string, dto: PublishPlanVersionDto): Promise<PublishResult> {
    const version = await this.getVersion(versionId);
    const settings = {
      managerPreApproval: dto.managerPreApproval ?? false,
      reminderEveryDays: dto.reminderEveryDays ?? 3,
      escalateAfterDays: dto.escalateAfterDays ?? 7,
      expireAfterDays: dto.expireAfterDays ?? 14,
    };
    if (settings.escalateAfterDays > settings.expireAfterDays) {
      throw new DomainError('VALIDATION.FAILED', 'escalateAfterDays must not be after expireAfterDays.', [{ field: 'escalateAfterDays', problems: ['must be ≤ expireAfterDays'] }]);
    }
    if (settings.reminderEveryDays >= settings.expireAfterDays) {
      throw new DomainError('VALIDATION.FAILED', 'reminderEveryDays must be shorter than expireAfterDays.', [{ field: 'reminderEveryDays', problems: ['must be < expireAfterDays'] }]);
    }
    const targets = await this.resolveTargets(dto);
    const quotas = this.parseQuotas(dto.quotas ?? {}, targets);
    for (const person of targets) {
      if (person.id === actor.id) throw new DomainError('AUTH.SELF_DECISION', 'You cannot publish a plan to yourself.', { field: 'personIds', value: person.id });
      if (settings.managerPreApproval && (!person.managerId || person.managerId === actor.id)) {
        throw new DomainError('APPROVAL.NO_ELIGIBLE_APPROVER', `${person.name} has no manager other than the publisher to pre-approve.`, { field: 'managerPreApproval', personId: person.id });
      }
    }
    const { publish } = await this.dataSource.transaction(async (m) => {
      const created = await this.publishes.create(m, {
        planVersionId: version.id,
        requestedById: actor.id,
        settings,
        targets: targets.map((person) => {
          const quota = quotas.get(person.id) ?? validQuota(person.attributes?.annualQuota);
          return { personId: person.id, ...(quota ? { quota } : {}) };
        }),
      });
      await this.audit.append({
        action: 'plan.published', subject: `plan-version:${version.id}`, actorId: actor.id, actorRole: 'ops',
        after: { publishId: created.publish.id, targets: targets.length, created: created.created, settings },
        dedupeKey: `publish:${created.publish.id}:requested`,
      }, m);
      return created;
    });
    await this.publishRuns.start(publish);
    const current = (await this.publishes.find(publish.id))!;
    return {
      id: publish.id,
      status: current.status,
      workflowId: publish.workflowId,
      targets: targets.length,
      created: publish.createdCount,
      // Small publishes list their assignments at once; every publish lists them at its link.
      ...(targets.length <= PUBLISH_LIST_LIMIT
        ? { assignments: await this.publishes.assignmentsOf(version.id, publish.id, targets.map((t) => t.id)) }
        : {}),
      links: { self: `/api/v1/publishes/${publish.id}` },
    };
  }

  async publishView(id: string): Promise<PublishView> {
    const publish = await this.publishes.find(id);
    if (!publish) throw new DomainError('PUBLISH.NOT_FOUND', `No publish with id ${id}.`, { field: 'id', value: id });
    return {
      id: publish.id,
      planVersionId: publish.planVersionId,
      requestedById: publish.requestedById,
      status: publish.status,
      workflowId: publish.workflowId,
      progress: await this.publishes.progress(publish),
      createdAt: publish.createdAt.toISOString(),
      finishedAt: publish.finishedAt ? publish.finishedAt.toISOString() : null,
      lastError: publish.lastError,
    };
  }

  private async resolveTargets(dto: PublishPlanVersionDto): Promise<PersonEntity[]> {
    if ((dto.personIds ? 1 : 0) + (dto.teamId ? 1 : 0) !== 1) {
      throw new DomainError('VALIDATION.FAILED', 'Give exactly one of personIds or teamId.', [{ field: 'personIds', problems: ['exactly one of personIds or teamId is required'] }]);
    }
    const people = this.dataSource.getRepository(PersonEntity);
    let targets: PersonEntity[];
    if (dto.teamId) {
      const team = await this.dataSource.getRepository(TeamEntity).findOne({ where: { id: dto.teamId } });
      if (!team) throw new DomainError('TEAM.NOT_FOUND', `No team with id ${dto.teamId}.`, { field: 'teamId', value: dto.teamId });
      targets = (await people.find({ where: { teamId: dto.teamId, active: true }, order: { name: 'ASC' } })).filter((p) => p.roles.includes('rep'));
      if (targets.length === 0) throw new DomainError('PLAN.NO_TARGETS', `Team ${team.name} has no active reps.`, { field: 'teamId', value: dto.teamId });
    } else {
      const ids = dto.personIds!;
      targets = await people.find({ where: { id: In(ids) } });
      const missing = ids.filter((id) => !targets.some((t) => t.id === id));
      if (missing.length > 0) throw new DomainError('PERSON.NOT_FOUND', `No person with id ${missing.join(', ')}.`, { field: 'personIds', value: missing });
      const notReps = targets.filter((t) => !t.active || !t.roles.includes('rep'));
      if (notReps.length > 0) {
        throw new DomainError('PLAN.TARGET_NOT_A_REP', `Plans are published to active reps; not: ${notReps.map((p) => p.name).join(', ')}.`, { field: 'personIds', value: notReps.map((p) => p.id) });
      }
      targets.sort((a, b) => ids.indexOf(a.id) - ids.indexOf(b.id));
    }
    return targets;
  }

  private parseQuotas(raw: Record<string, unknown>, targets: PersonEntity[]): Map<string, string> {
    const out = new Map<string, string>();
    for (const [personId, value] of Object.entries(raw)) {
      // Money is a decimal string: a JSON number is refused, never converted (1234567890123456.7 would become …456.8).
      const text = typeof value === 'string' ? value : '';
      if (!targets.some((t) => t.id === personId)) {
        throw new DomainError('VALIDATION.FAILED', `quotas.${personId}: not one of the reps published to.`, [{ field: `quotas.${personId}`, problems: ['not a target of this publish'] }]);
      }
      if (!isMoneyString(text)) {
        throw new DomainError('VALIDATION.FAILED', `quotas.${personId}: must be a non-negative decimal with at most 2 places.`, [{ field: `quotas.${personId}`, problems: ['must be a decimal string like "480000.00" (never a JSON number)'], value }]);
      }
      out.set(personId, text);
    }
    return out;
  }
}

/** A person's default annual quota, when it is a valid amount (attributes are free-form). */
function validQuota(value: unknown): string | undefined {
  return isMoneyString(value) && !/^0+(\.0+)?$/.test(value) ? value : undefined;
}

export function primaryRole(p: Principal): string {
  const order = ['admin', 'finance', 'ops', 'manager', 'auditor', 'rep'];
  return order.find((r) => p.roles.includes(r as Principal['roles'][number])) ?? p.roles[0] ?? 'unknown';
}
