import { Inject, Injectable, Logger } from '@nestjs/common';
import { Client, WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy, WorkflowNotFoundError } from '@temporalio/client';
import type { AppConfig } from '@quotaflow/config';
import { DomainError, validatePlan } from '@quotaflow/domain';
import {
  AuditLog, canonicalJson, PersonEntity, PlanAssignmentEntity, PlanEntity, PlanVersionEntity, TeamEntity,
} from '@quotaflow/persistence';
import type { PlanAcceptanceInput } from '@quotaflow/workflows';
import { createHash } from 'node:crypto';
import { DataSource, In, Not } from 'typeorm';
import type { Principal } from '../auth/principal';
import { APP_CONFIG } from '../config.token';
import type { CreatePlanDto, CreatePlanVersionDto, PublishPlanVersionDto, PublishResult } from './plans.dto';

const MONEY = /^\d{1,14}(\.\d{1,2})?$/;
export const planAcceptanceWorkflowId = (assignmentId: string): string => `plan-acceptance:${assignmentId}`;

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

@Injectable()
export class PlansService {
  private readonly logger = new Logger(PlansService.name);
  constructor(
    private readonly dataSource: DataSource,
    private readonly temporal: Client,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly audit: AuditLog,
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
      planId, version, document: dto.document, periodLabel: dto.periodLabel, effectiveFrom: dto.effectiveFrom, documentHash, createdById: actor.id,
    })) as Promise<PlanVersionEntity>;
  }

  /**
   * Publishes a plan version to reps: one assignment and one durable acceptance workflow per rep.
   * Publishing the same version to the same rep again starts nothing new; a pending assignment
   * of another version of the same plan is superseded.
   */
  async publish(actor: Principal, versionId: string, dto: PublishPlanVersionDto): Promise<PublishResult> {
    const version = await this.getVersion(versionId);
    const planName = (await this.dataSource.getRepository(PlanEntity).findOneByOrFail({ id: version.planId })).name;
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
    const ops = await this.dataSource.getRepository(PersonEntity).createQueryBuilder('p')
      .where(':role = ANY(p.roles)', { role: 'ops' }).andWhere('p.active = true').getMany();

    const { items, superseded } = await this.dataSource.transaction(async (em) => {
      const repo = em.getRepository(PlanAssignmentEntity);
      const out: Array<{ assignment: PlanAssignmentEntity; created: boolean; person: PersonEntity }> = [];
      const toSupersede: Array<{ old: PlanAssignmentEntity; by: string }> = [];
      for (const person of targets) {
        const inserted = await repo.createQueryBuilder().insert().into(PlanAssignmentEntity).values({
          planVersionId: version.id, personId: person.id, quota: quotas.get(person.id) ?? person.attributes?.annualQuota ?? null, publishedAt: new Date(), status: settings.managerPreApproval ? 'pending_manager' : 'pending_rep',
          settings, workflowId: 'pending', publishedById: actor.id,
        }).orIgnore().returning('*').execute();
        const created = inserted.raw.length > 0;
        const assignment = await repo.findOneOrFail({ where: { planVersionId: version.id, personId: person.id } });
        if (created) {
          assignment.workflowId = planAcceptanceWorkflowId(assignment.id);
          await repo.update({ id: assignment.id }, { workflowId: assignment.workflowId });
          const sameplanVersions = await em.getRepository(PlanVersionEntity).find({ where: { planId: version.planId, id: Not(version.id) } });
          if (sameplanVersions.length > 0) {
            const pending = await repo.find({ where: { personId: person.id, planVersionId: In(sameplanVersions.map((v) => v.id)), status: In(['pending_manager', 'pending_rep']) } });
            for (const old of pending) toSupersede.push({ old, by: assignment.id });
          }
        }
        out.push({ assignment, created, person });
      }
      return { items: out, superseded: toSupersede };
    });

    const started: string[] = [];
    try {
      for (const { assignment, person } of items) {
        if (assignment.status !== 'pending_manager' && assignment.status !== 'pending_rep') continue;
        const input: PlanAcceptanceInput = {
          assignmentId: assignment.id, personId: person.id, managerId: person.managerId ?? undefined,
          opsIds: ops.map((o) => o.id), planVersionId: version.id, publishedById: actor.id, settings,
          planLabel: `${planName} v${version.version}`, personName: person.name,
        };
        try {
          await this.temporal.workflow.start('planAcceptanceWorkflow', {
            taskQueue: this.config.temporal.taskQueue, workflowId: assignment.workflowId, args: [input],
            workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
          });
          started.push(assignment.id);
        } catch (e) {
          if (!(e instanceof WorkflowExecutionAlreadyStartedError)) throw e;
        }
      }
    } catch (e) {
      // Nothing half-written: assignments created by this request whose workflow could not start are removed.
      const createdIds = items.filter((i) => i.created && !started.includes(i.assignment.id)).map((i) => i.assignment.id);
      if (createdIds.length > 0) await this.dataSource.getRepository(PlanAssignmentEntity).delete({ id: In(createdIds) });
      this.logger.error(`publish: could not start workflows: ${(e as Error).message}`);
      throw new DomainError('TEMPORAL.UNAVAILABLE', 'The workflow service is unavailable; nothing was published. Try again.', { cause: (e as Error).message });
    }

    for (const { old, by } of superseded) {
      try {
        await this.temporal.workflow.getHandle(old.workflowId).signal('supersede', { byAssignmentId: by });
      } catch (e) {
        if (!(e instanceof WorkflowNotFoundError)) throw e;
        await this.dataSource.getRepository(PlanAssignmentEntity).update({ id: old.id }, { status: 'superseded', supersededById: by });
      }
    }

    return {
      assignments: items.map(({ assignment, created, person }) => ({
        assignmentId: assignment.id, personId: person.id, status: assignment.status, workflowId: assignment.workflowId, created,
      })),
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

  private parseQuotas(raw: Record<string, string | number>, targets: PersonEntity[]): Map<string, string> {
    const out = new Map<string, string>();
    for (const [personId, value] of Object.entries(raw)) {
      const text = typeof value === 'number' ? String(value) : value;
      if (!targets.some((t) => t.id === personId)) {
        throw new DomainError('VALIDATION.FAILED', `quotas.${personId}: not one of the reps published to.`, [{ field: `quotas.${personId}`, problems: ['not a target of this publish'] }]);
      }
      if (typeof text !== 'string' || !MONEY.test(text)) {
        throw new DomainError('VALIDATION.FAILED', `quotas.${personId}: must be a non-negative decimal with at most 2 places.`, [{ field: `quotas.${personId}`, problems: ['must be a decimal like "480000.00"'], value }]);
      }
      out.set(personId, text);
    }
    return out;
  }
}

export function primaryRole(p: Principal): string {
  const order = ['admin', 'finance', 'ops', 'manager', 'auditor', 'rep'];
  return order.find((r) => p.roles.includes(r as Principal['roles'][number])) ?? p.roles[0] ?? 'unknown';
}
