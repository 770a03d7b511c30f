/**
 * Quota sign-off activities on a fresh database (the app role, as the worker runs): idempotent
 * by business key, locking supersedes the version in force, one set in force per period.
 */
import { ApplicationFailure } from '@temporalio/common';
import { createDataSource, PersonEntity, QuotaLineEntity, QuotaSetEntity, QuotaSetVersionEntity, TeamEntity } from '@quotaflow/persistence';
import type { SaveQuotaVersionInput } from '@quotaflow/workflows/legacy/gen1/quota-signoff.activities';
import { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '../../../../../test/support/database';
import { QuotaSignoffActivity } from './quota-signoff.activity';

let db: TestDatabase;
let ds: DataSource;
let activity: QuotaSignoffActivity;

beforeAll(async () => {
  db = await createTestDatabase();
  ds = await createDataSource({ url: db.url, appRole: 'quotaflow_app' }).initialize();
  activity = new QuotaSignoffActivity(ds);
});

afterAll(async () => {
  await ds?.destroy();
  await db?.drop();
});

/** A team with one rep and a draft set of one version; unique names per call. */
async function draft(tag: string, periodId: string) {
  const team = await ds.getRepository(TeamEntity).save({ name: `Team ${tag}` });
  const ops = await ds.getRepository(PersonEntity).save({ name: 'Omar', email: `omar.${tag}@x.test`, roles: ['ops'] });
  const rep = await ds.getRepository(PersonEntity).save({ name: 'Rita', email: `rita.${tag}@x.test`, roles: ['rep'], teamId: team.id });
  const set = await ds.getRepository(QuotaSetEntity).save(ds.getRepository(QuotaSetEntity).create({
    periodId, periodStart: '2026-01-01', periodEnd: '2026-03-31', companyTarget: '100.00', status: 'in_review', createdById: ops.id,
  }));
  const version = (v: number, amount: string): SaveQuotaVersionInput => ({
    quotaSetId: set.id, version: v, reason: v === 1 ? 'submission' : 'revision', createdById: ops.id, createdAt: '2026-01-02T00:00:00.000Z',
    companyTarget: '100.00', teams: [{ teamId: team.id, target: '100.00' }], quotas: [{ personId: rep.id, teamId: team.id, amount }],
    previous: [{ personId: rep.id, amount: '80.00' }],
  });
  return { set, rep, version };
}

async function failureOf(p: Promise<unknown>): Promise<ApplicationFailure> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ApplicationFailure) return e;
    throw e;
  }
  throw new Error('expected a failure');
}

describe('QuotaSignoffActivity', () => {
  it('stores a version once, acknowledges once, and locking twice changes nothing', async () => {
    const { set, rep, version } = await draft('a', '2026-Q1');
    expect(await activity.saveQuotaVersion(version(1, '100.00'))).toEqual({ created: true });
    expect(await activity.saveQuotaVersion(version(1, '999.00'))).toEqual({ created: false });
    const [line] = await ds.getRepository(QuotaLineEntity).find({ where: { personId: rep.id } });
    expect(line).toMatchObject({ amount: '100.00', previousAmount: '80.00', acknowledgedAt: null });

    await activity.acknowledgeQuota({ quotaSetId: set.id, version: 1, personId: rep.id, acknowledgedAt: '2026-01-03T00:00:00.000Z' });
    await activity.acknowledgeQuota({ quotaSetId: set.id, version: 1, personId: rep.id, acknowledgedAt: '2026-01-09T00:00:00.000Z' });
    expect((await ds.getRepository(QuotaLineEntity).findOneByOrFail({ id: line.id })).acknowledgedAt?.toISOString()).toBe('2026-01-03T00:00:00.000Z');

    const lock = { quotaSetId: set.id, version: 1, flagged: true, lockedAt: '2026-01-10T00:00:00.000Z', workflowId: `quota-signoff:${set.id}` };
    await activity.lockQuotaSet(lock);
    await activity.lockQuotaSet({ ...lock, lockedAt: '2026-02-01T00:00:00.000Z' });
    const locked = await ds.getRepository(QuotaSetEntity).findOneByOrFail({ id: set.id });
    expect(locked).toMatchObject({ status: 'locked', effectiveVersion: 1, flagged: true });
    expect(locked.lockedAt?.toISOString()).toBe('2026-01-10T00:00:00.000Z');
    // A late retry of an earlier state change does not reopen the locked set.
    await activity.setQuotaSetState({ quotaSetId: set.id, status: 'in_review', currentVersion: 1, workflowId: lock.workflowId });
    expect((await ds.getRepository(QuotaSetEntity).findOneByOrFail({ id: set.id })).status).toBe('locked');
  });

  it('a new locked version supersedes the one in force, which stays unchanged', async () => {
    const { set, version } = await draft('b', '2026-Q2');
    await activity.saveQuotaVersion(version(1, '100.00'));
    await activity.lockQuotaSet({ quotaSetId: set.id, version: 1, flagged: false, lockedAt: '2026-01-10T00:00:00.000Z', workflowId: 'w1' });
    await activity.saveQuotaVersion(version(2, '100.00'));
    await activity.setQuotaSetState({ quotaSetId: set.id, status: 'in_review', currentVersion: 2, workflowId: 'w2' });
    expect(await ds.getRepository(QuotaSetEntity).findOneByOrFail({ id: set.id })).toMatchObject({ status: 'in_review', effectiveVersion: 1 });
    await activity.lockQuotaSet({ quotaSetId: set.id, version: 2, flagged: false, lockedAt: '2026-02-15T00:00:00.000Z', workflowId: 'w2' });

    const versions = await ds.getRepository(QuotaSetVersionEntity).find({ where: { quotaSetId: set.id }, order: { version: 'ASC' } });
    expect(versions.map((v) => [v.version, v.locked, v.supersededByVersion])).toEqual([[1, true, 2], [2, true, null]]);
    expect(await ds.getRepository(QuotaSetEntity).findOneByOrFail({ id: set.id })).toMatchObject({ status: 'locked', effectiveVersion: 2, currentVersion: 2 });
    // A locked version takes no new lines.
    await expect(ds.getRepository(QuotaLineEntity).insert({ quotaSetVersionId: versions[0].id, personId: set.createdById, teamId: (await ds.getRepository(QuotaLineEntity).findOneByOrFail({ quotaSetVersionId: versions[0].id })).teamId, amount: '1.00' }))
      .rejects.toThrow(/locked/);
  });

  it('refuses for good a second set in force for the same period', async () => {
    const first = await draft('c', '2026-Q3');
    const second = await draft('d', '2026-Q3');
    await activity.saveQuotaVersion(first.version(1, '100.00'));
    await activity.saveQuotaVersion(second.version(1, '100.00'));
    await activity.lockQuotaSet({ quotaSetId: first.set.id, version: 1, flagged: false, lockedAt: '2026-01-10T00:00:00.000Z', workflowId: 'w1' });
    const refused = await failureOf(activity.lockQuotaSet({ quotaSetId: second.set.id, version: 1, flagged: false, lockedAt: '2026-01-11T00:00:00.000Z', workflowId: 'w2' }));
    expect([refused.type, refused.nonRetryable]).toEqual(['QUOTA_SET.ALREADY_LOCKED', true]);
    // The transaction rolled back: the second set's version is not locked either.
    expect((await ds.getRepository(QuotaSetVersionEntity).findOneByOrFail({ quotaSetId: second.set.id, version: 1 })).locked).toBe(false);
  });

  it('fails for good on an unknown set', async () => {
    const missing = await failureOf(activity.lockQuotaSet({ quotaSetId: '00000000-0000-4000-8000-000000000000', version: 1, flagged: false, lockedAt: '2026-01-10T00:00:00.000Z', workflowId: 'w' }));
    expect([missing.type, missing.nonRetryable]).toEqual(['QUOTA_SET.NOT_FOUND', true]);
  });
});
