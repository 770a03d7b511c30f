import type { DataSource, EntityManager } from 'typeorm';
import { decDiv, decSum, monthPeriod, validateQuotaSet, type PeriodDates, type QuotaSet } from '@quotaflow/domain';
import { PeriodEntity, PlanAssignmentEntity, PlanAssignmentRepository, PlanVersionEntity, QuotaSetEntity, QuotaSetRepository } from '@quotaflow/persistence';
import { DEMO_PEOPLE, DEMO_PLAN, DEMO_TEAMS } from './demo-organisation';
import { demoId } from './stable-id';

/** The rep whose plan the README's "Try it" publishes and accepts through the real workflow: the seed leaves his plan to him. */
export const DEMO_PUBLISH_REP = 'liam.carter';

/** When the demo's seeded plan acceptances and quota sign-off happened (before the plan year). */
const PUBLISHED_AT = new Date('2025-12-15T09:00:00Z');
const DECIDED_AT = new Date('2025-12-16T09:00:00Z');
const LOCKED_AT = new Date('2025-12-20T09:00:00Z');

export interface SeededClose {
  periodId: string;
  periodKey: string;
  status: string;
  quotaSetId: string;
  /** Reps with an accepted plan for the period (every demo rep but DEMO_PUBLISH_REP, unless he accepted his). */
  acceptedReps: number;
  /** Reps with a locked quota for the period (every demo rep). */
  quotaReps: number;
}

/**
 * The month to close: the last full month before `today`, kept within the demo plan's year (the
 * seeded acceptances are of that plan version; a month outside it would have no plan).
 */
export function demoCloseMonth(today: Date, planFrom: string, planTo: string): PeriodDates {
  const y = today.getUTCFullYear();
  const m = today.getUTCMonth(); // 0-based: the previous month's 1-based number
  const previous = m === 0 ? `${y - 1}-12` : `${y}-${String(m).padStart(2, '0')}`;
  const first = planFrom.slice(0, 7);
  const last = planTo.slice(0, 7);
  return monthPeriod(previous < first ? first : previous > last ? last : previous);
}

/**
 * A period ready to close: every demo rep (but the one the README publishes to) with an accepted
 * ae-2026 assignment and its e-signature, one locked quota set for the month (a twelfth of each
 * rep's annual quota, every line acknowledged), and the period itself, `open`. Re-running adds
 * nothing and never rewrites what a workflow or a person changed since (a real acceptance, a
 * revised quota set, a period being closed or closed).
 */
export async function seedDemoClose(dataSource: DataSource, m: EntityManager, today: Date): Promise<SeededClose> {
  const id = (key: string) => DEMO_PEOPLE.find((p) => p.key === key)!.id;
  const ops = id('priya.patel');
  const version = await m.findOneByOrFail(PlanVersionEntity, { id: DEMO_PLAN.version.id });
  const month = demoCloseMonth(today, version.effectiveFrom, version.effectiveTo);
  const reps = DEMO_PEOPLE.filter((p) => p.roles.includes('rep'));

  // 1. Accepted assignments and their acceptances (the rep's e-signature, marked as seeded: no PDF was sent).
  const assignments = new PlanAssignmentRepository(dataSource);
  for (const rep of reps.filter((r) => r.key !== DEMO_PUBLISH_REP)) {
    const assignmentId = demoId('plan-assignment', `${DEMO_PLAN.key}:${DEMO_PLAN.version.version}:${rep.key}`);
    await m.createQueryBuilder().insert().into(PlanAssignmentEntity)
      .values({
        id: assignmentId, planVersionId: version.id, personId: rep.id, quota: rep.annualQuota!, status: 'accepted',
        settings: { managerPreApproval: false, reminderEveryDays: 3, escalateAfterDays: 7, expireAfterDays: 14 },
        workflowId: `plan-acceptance:${assignmentId}`, publishedById: ops, publishedAt: PUBLISHED_AT, decidedAt: DECIDED_AT,
        effectiveAt: new Date(`${version.effectiveFrom}T00:00:00Z`),
      })
      .orIgnore() // one assignment per (version, rep): a real publish's wins
      .updateEntity(false)
      .execute();
    if (!(await m.existsBy(PlanAssignmentEntity, { id: assignmentId }))) continue; // a real publish's assignment: its own workflow signs it
    await assignments.recordAcceptance(m, {
      assignmentId, personId: rep.id, decision: 'accepted', decidedAt: DECIDED_AT, ip: null, userAgent: 'quotaflow seed:demo (seeded acceptance, no PDF sent)',
      // No PDF was rendered for a seeded acceptance: what the rep agreed to is the rules themselves.
      documentHash: version.documentHash, rulesFingerprint: version.documentHash,
    });
  }

  // 2. The month's quota set, validated by the domain and locked through the repository, once.
  const quotaSetId = demoId('quota-set', month.key);
  const quotaSets = new QuotaSetRepository(dataSource);
  const inForce = await m.findOne(QuotaSetEntity, { where: { periodId: month.key }, order: { createdAt: 'ASC' } });
  if (!inForce) {
    const quotas = reps.map((r) => ({ personId: r.id, teamId: DEMO_TEAMS.find((t) => t.key === r.teamKey)!.id, amount: decDiv(r.annualQuota!, '12', 2) }));
    const content: QuotaSet = {
      periodLabel: month.key,
      companyTarget: decSum(quotas.map((q) => q.amount)),
      teams: DEMO_TEAMS.map((t) => ({ teamId: t.id, target: decSum(quotas.filter((q) => q.teamId === t.id).map((q) => q.amount)) })),
      quotas,
    };
    validateQuotaSet(content);
    await m.insert(QuotaSetEntity, {
      id: quotaSetId, periodId: month.key, periodStart: month.start, periodEnd: month.end, companyTarget: content.companyTarget,
      status: 'in_review', currentVersion: 1, createdById: ops, workflowId: `quota-signoff:${quotaSetId}`,
    });
    await quotaSets.insertVersion(m, { quotaSetId, version: 1, reason: 'submission', createdById: ops, content, previous: [], createdAt: PUBLISHED_AT });
    for (const q of quotas) await quotaSets.acknowledge(quotaSetId, 1, q.personId, LOCKED_AT, m);
    await quotaSets.lock(m, { quotaSetId, version: 1, flagged: false, lockedAt: LOCKED_AT, workflowId: `quota-signoff:${quotaSetId}` });
  }
  const set = inForce ?? (await m.findOneByOrFail(QuotaSetEntity, { id: quotaSetId }));

  // 3. The period, open (one per month key: an existing one, whatever its state, is kept).
  await m.createQueryBuilder().insert().into(PeriodEntity)
    .values({ id: demoId('period', month.key), key: month.key, kind: 'month', startDate: month.start, endDate: month.end, status: 'open', createdById: ops })
    .orIgnore()
    .updateEntity(false)
    .execute();
  const period = await m.findOneByOrFail(PeriodEntity, { key: month.key });

  const accepted = (await m.query(
    `SELECT count(*)::int AS n FROM plan_assignments WHERE plan_version_id = $1 AND status = 'accepted' AND person_id = ANY($2::uuid[])`,
    [version.id, reps.map((r) => r.id)],
  )) as { n: number }[];
  const quotaReps = set.effectiveVersion === null ? [] : await quotaSets.lines(set.id, set.effectiveVersion, m, reps.map((r) => r.id));
  return { periodId: period.id, periodKey: period.key, status: period.status, quotaSetId: set.id, acceptedReps: accepted[0]!.n, quotaReps: quotaReps.length };
}
