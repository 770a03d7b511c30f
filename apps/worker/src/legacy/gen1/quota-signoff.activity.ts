// FROZEN: generation 1 activities, for workflows started before the approval kernel (libs/workflows/src/legacy/gen1).
import type { INestApplicationContext } from '@nestjs/common';
import { Injectable } from '@nestjs/common';
import { ApplicationFailure } from '@temporalio/common';
import { QuotaLineEntity, QuotaSetEntity, QuotaSetVersionEntity } from '@quotaflow/persistence';
import type {
  AcknowledgeQuotaInput,
  LockQuotaSetInput,
  QuotaSignoffActivities,
  SaveQuotaVersionInput,
  SetQuotaSetStateInput,
} from '@quotaflow/workflows/legacy/gen1/quota-signoff.activities';
import { DataSource, type EntityManager, IsNull } from 'typeorm';
import { notFound } from '../../activities/activity-failures';

/**
 * Quota sign-off activities, idempotent by business key: a version is unique on
 * (quota set, version); locking a locked version, or acknowledging an acknowledged line, changes nothing.
 */
@Injectable()
export class QuotaSignoffActivity {
  constructor(private readonly dataSource: DataSource) {}

  private async set(m: EntityManager, quotaSetId: string, lock = false): Promise<QuotaSetEntity> {
    const set = await m.findOne(QuotaSetEntity, { where: { id: quotaSetId }, ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}) });
    if (!set) throw notFound('QUOTA_SET.NOT_FOUND', `No quota set ${quotaSetId}.`);
    return set;
  }

  async saveQuotaVersion(input: SaveQuotaVersionInput): Promise<{ created: boolean }> {
    return this.dataSource.transaction(async (m) => {
      await this.set(m, input.quotaSetId, true);
      const inserted = await m
        .createQueryBuilder()
        .insert()
        .into(QuotaSetVersionEntity)
        .values({
          quotaSetId: input.quotaSetId,
          version: input.version,
          reason: input.reason,
          comment: input.comment ?? null,
          companyTarget: input.companyTarget,
          teamTargets: Object.fromEntries(input.teams.map((t) => [t.teamId, t.target])),
          createdById: input.createdById,
          createdAt: new Date(input.createdAt),
        })
        .orIgnore('("quota_set_id", "version")')
        .returning(['id'])
        .updateEntity(false)
        .execute();
      const rows = inserted.raw as { id: string }[];
      if (rows.length === 0) return { created: false };
      const previous = new Map((input.previous ?? []).map((p) => [p.personId, p.amount]));
      if (input.quotas.length > 0) {
        await m
          .createQueryBuilder()
          .insert()
          .into(QuotaLineEntity)
          .values(
            input.quotas.map((q) => ({
              quotaSetVersionId: rows[0].id,
              personId: q.personId,
              teamId: q.teamId,
              amount: q.amount,
              previousAmount: previous.get(q.personId) ?? null,
            })),
          )
          .updateEntity(false)
          .execute();
      }
      await m.update(QuotaSetEntity, { id: input.quotaSetId }, { currentVersion: () => `GREATEST(current_version, ${Number(input.version)})` });
      return { created: true };
    });
  }

  async setQuotaSetState(input: SetQuotaSetStateInput): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      const set = await this.set(m, input.quotaSetId, true);
      // A late retry must not move a set back once it is locked by this same workflow.
      if (set.status === 'locked' && set.workflowId === input.workflowId) return;
      await m.update(QuotaSetEntity, { id: input.quotaSetId }, { status: input.status, currentVersion: input.currentVersion, workflowId: input.workflowId });
    });
  }

  async acknowledgeQuota(input: AcknowledgeQuotaInput): Promise<void> {
    const version = await this.dataSource.manager.findOneBy(QuotaSetVersionEntity, { quotaSetId: input.quotaSetId, version: input.version });
    if (!version) throw notFound('QUOTA_SET.NOT_FOUND', `No version ${input.version} of quota set ${input.quotaSetId}.`);
    await this.dataSource.manager.update(
      QuotaLineEntity,
      { quotaSetVersionId: version.id, personId: input.personId, acknowledgedAt: IsNull() },
      { acknowledgedAt: new Date(input.acknowledgedAt) },
    );
  }

  /** The version goes in force for the period; the version it replaces stays, marked superseded. */
  async lockQuotaSet(input: LockQuotaSetInput): Promise<void> {
    try {
      await this.dataSource.transaction(async (m) => {
        const set = await this.set(m, input.quotaSetId, true);
        const version = await m.findOneBy(QuotaSetVersionEntity, { quotaSetId: input.quotaSetId, version: input.version });
        if (!version) throw notFound('QUOTA_SET.NOT_FOUND', `No version ${input.version} of quota set ${input.quotaSetId}.`);
        if (version.locked) return;
        const lockedAt = new Date(input.lockedAt);
        await m.update(QuotaSetVersionEntity, { id: version.id }, { locked: true, lockedAt });
        if (set.effectiveVersion !== null && set.effectiveVersion !== input.version) {
          await m.update(
            QuotaSetVersionEntity,
            { quotaSetId: input.quotaSetId, version: set.effectiveVersion, supersededByVersion: IsNull() },
            { supersededByVersion: input.version, supersededAt: lockedAt },
          );
        }
        await m.update(
          QuotaSetEntity,
          { id: input.quotaSetId },
          { status: 'locked', currentVersion: input.version, effectiveVersion: input.version, lockedAt, flagged: input.flagged, workflowId: input.workflowId },
        );
      });
    } catch (e) {
      // Another set of the same period went in force meanwhile: retrying will not change that.
      if ((e as { code?: string }).code === '23505') {
        throw ApplicationFailure.nonRetryable('Another quota set is already in force for this period.', 'QUOTA_SET.ALREADY_LOCKED');
      }
      throw e;
    }
  }
}

/** The activity functions of quota sign-off, bound to their Nest-managed instance. */
export function quotaSignoffActivities(app: INestApplicationContext): QuotaSignoffActivities {
  const quota = app.get(QuotaSignoffActivity);
  return {
    saveQuotaVersion: (input) => quota.saveQuotaVersion(input),
    setQuotaSetState: (input) => quota.setQuotaSetState(input),
    acknowledgeQuota: (input) => quota.acknowledgeQuota(input),
    lockQuotaSet: (input) => quota.lockQuotaSet(input),
  };
}
