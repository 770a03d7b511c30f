import type { QuotaSet } from '@quotaflow/domain';
import { DataSource, In, IsNull, LessThan, Not, type EntityManager } from 'typeorm';
import { QuotaLineEntity } from '../entities/quota-line.entity';
import { QuotaSetVersionEntity, type QuotaVersionReason } from '../entities/quota-set-version.entity';
import { QuotaSetEntity, type QuotaSetStatus } from '../entities/quota-set.entity';

const LINE_BATCH = 2000;

export interface PreviousQuota {
  personId: string;
  amount: string;
}

/**
 * Quota sets, their versions and lines: the one place that writes them (API and worker). Every
 * revision is a new version; locked versions are immutable (database triggers).
 */
export class QuotaSetRepository {
  constructor(private readonly dataSource: DataSource) {}

  private m(manager?: EntityManager): EntityManager {
    return manager ?? this.dataSource.manager;
  }

  find(id: string, manager?: EntityManager): Promise<QuotaSetEntity | null> {
    return this.m(manager).findOneBy(QuotaSetEntity, { id });
  }

  lockRow(id: string, manager: EntityManager): Promise<QuotaSetEntity | null> {
    return manager.findOne(QuotaSetEntity, { where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  version(quotaSetId: string, version: number, manager?: EntityManager): Promise<QuotaSetVersionEntity | null> {
    return this.m(manager).findOneBy(QuotaSetVersionEntity, { quotaSetId, version });
  }

  versions(quotaSetId: string, manager?: EntityManager): Promise<QuotaSetVersionEntity[]> {
    return this.m(manager).find(QuotaSetVersionEntity, { where: { quotaSetId }, order: { version: 'ASC' } });
  }

  async lines(quotaSetId: string, version: number, manager?: EntityManager, personIds?: readonly string[]): Promise<QuotaLineEntity[]> {
    const v = await this.version(quotaSetId, version, manager);
    if (!v) return [];
    return this.m(manager).find(QuotaLineEntity, {
      where: { quotaSetVersionId: v.id, ...(personIds ? { personId: In([...personIds]) } : {}) },
      order: { personId: 'ASC' },
    });
  }

  /** A version as the domain's QuotaSet (company target, team targets, every rep's quota). */
  async content(set: QuotaSetEntity, version: number, manager?: EntityManager): Promise<QuotaSet> {
    const v = await this.version(set.id, version, manager);
    if (!v) throw new RangeError(`quota set ${set.id} has no version ${version}`);
    const lines = await this.lines(set.id, version, manager);
    return {
      periodLabel: set.periodId,
      version,
      companyTarget: v.companyTarget,
      teams: Object.entries(v.teamTargets).map(([teamId, target]) => ({ teamId, target })),
      quotas: lines.map((l) => ({ personId: l.personId, teamId: l.teamId, amount: l.amount })),
    };
  }

  /** Last period's locked quotas: the set in force whose period ended last before this one starts. */
  async previousQuotas(periodStart: string, manager?: EntityManager): Promise<PreviousQuota[]> {
    const m = this.m(manager);
    const last = await m.findOne(QuotaSetEntity, { where: { effectiveVersion: Not(IsNull()), periodEnd: LessThan(periodStart) }, order: { periodEnd: 'DESC' } });
    if (!last) return [];
    return (await this.lines(last.id, last.effectiveVersion!, m)).map((l) => ({ personId: l.personId, amount: l.amount }));
  }

  /** Inserts a version with its lines (lines batched: a set may hold tens of thousands). */
  async insertVersion(
    m: EntityManager,
    input: { quotaSetId: string; version: number; reason: QuotaVersionReason; createdById: string; comment?: string | null; createdAt?: Date; content: QuotaSet; previous: PreviousQuota[] },
  ): Promise<QuotaSetVersionEntity> {
    const row = await m.save(
      m.create(QuotaSetVersionEntity, {
        quotaSetId: input.quotaSetId,
        version: input.version,
        reason: input.reason,
        comment: input.comment ?? null,
        companyTarget: input.content.companyTarget,
        teamTargets: Object.fromEntries(input.content.teams.map((t) => [t.teamId, t.target])),
        createdById: input.createdById,
        ...(input.createdAt ? { createdAt: input.createdAt } : {}),
      }),
    );
    const before = new Map(input.previous.map((p) => [p.personId, p.amount]));
    const lines = input.content.quotas.map((q) => ({
      quotaSetVersionId: row.id,
      personId: q.personId,
      teamId: q.teamId,
      amount: q.amount,
      previousAmount: before.get(q.personId) ?? null,
    }));
    for (let i = 0; i < lines.length; i += LINE_BATCH) {
      await m.createQueryBuilder().insert().into(QuotaLineEntity).values(lines.slice(i, i + LINE_BATCH)).updateEntity(false).execute();
    }
    return row;
  }

  async setState(id: string, changes: { status: QuotaSetStatus; currentVersion?: number; workflowId?: string }, manager?: EntityManager): Promise<void> {
    await this.m(manager).update(QuotaSetEntity, { id }, changes);
  }

  /** The rep's line of the version is acknowledged (once: a repeat changes nothing). */
  async acknowledge(quotaSetId: string, version: number, personId: string, at: Date, manager?: EntityManager): Promise<void> {
    const m = this.m(manager);
    const v = await this.version(quotaSetId, version, m);
    if (!v) return;
    await m.update(QuotaLineEntity, { quotaSetVersionId: v.id, personId, acknowledgedAt: IsNull() }, { acknowledgedAt: at });
  }

  /**
   * The version goes in force for the period (immutable from here); the version it replaces stays,
   * marked superseded. Locking a locked version changes nothing.
   */
  async lock(m: EntityManager, input: { quotaSetId: string; version: number; flagged: boolean; lockedAt: Date; workflowId: string }): Promise<void> {
    const set = await this.lockRow(input.quotaSetId, m);
    if (!set) throw new RangeError(`no quota set ${input.quotaSetId}`);
    const version = await this.version(input.quotaSetId, input.version, m);
    if (!version) throw new RangeError(`no version ${input.version} of quota set ${input.quotaSetId}`);
    if (version.locked) return;
    await m.update(QuotaSetVersionEntity, { id: version.id }, { locked: true, lockedAt: input.lockedAt });
    if (set.effectiveVersion !== null && set.effectiveVersion !== input.version) {
      await m.update(
        QuotaSetVersionEntity,
        { quotaSetId: input.quotaSetId, version: set.effectiveVersion, supersededByVersion: IsNull() },
        { supersededByVersion: input.version, supersededAt: input.lockedAt },
      );
    }
    await m.update(
      QuotaSetEntity,
      { id: input.quotaSetId },
      { status: 'locked', currentVersion: input.version, effectiveVersion: input.version, lockedAt: input.lockedAt, flagged: input.flagged, workflowId: input.workflowId },
    );
  }

  /** `{personId: amount}` of the version in force for the period (empty when none is locked). */
  async effectiveQuotas(periodId: string, manager?: EntityManager): Promise<Record<string, string>> {
    const set = await this.m(manager).findOne(QuotaSetEntity, { where: { periodId, effectiveVersion: Not(IsNull()) } });
    if (!set) return {};
    return Object.fromEntries((await this.lines(set.id, set.effectiveVersion!, manager)).map((l) => [l.personId, l.amount]));
  }
}
