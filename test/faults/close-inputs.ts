/**
 * A small month to close for the fault tests: the harness's three reps on an accepted plan paying
 * 5% of the month's credited amount (no quota needed), one won deal each with explicit credits, the
 * period open; and the approvals as the people give them over HTTP (a second finance person
 * approves, since the one who starts the close may not).
 */
import { AccountEntity, DealEntity, PlanAssignmentEntity, TerritoryEntity, type PersonEntity } from '@quotaflow/persistence';
import { addPerson } from '../e2e/fixtures';
import { eventually, type Harness } from '../e2e/harness';

const MONTH = { key: '2026-03', start: '2026-03-01' };
const PLAN = { id: 'fault-close', components: [{ id: 'commission', kind: 'commission', window: 'period', basis: 'amount', table: { split: 'step', tiers: [{ from: 0, rate: '0.05' }] } }] };

export interface CloseFixture {
  periodId: string;
  subject: string;
  secondFinance: PersonEntity;
  reps: PersonEntity[];
}

export async function seedCloseMonth(h: Harness, tag: string): Promise<CloseFixture> {
  const { ops, rep, otherRep, farRep } = h.org;
  const reps = [rep, otherRep, farRep];
  const plan = await h.http('POST', '/api/v1/plans', { as: ops, body: { key: tag, name: `Fault close ${tag}`, periodLabel: 'FY2026', effectiveFrom: '2026-01-01', effectiveTo: '2026-12-31', document: { ...PLAN, id: tag } } });
  if (plan.status !== 201) throw new Error(`plan: ${plan.status} ${JSON.stringify(plan.body)}`);
  for (const person of reps) {
    await h.db.getRepository(PlanAssignmentEntity).save({
      planVersionId: plan.body.versions[0].id, personId: person.id, quota: null, status: 'accepted', workflowId: `plan-acceptance:fixture-${person.id}`,
      settings: { managerPreApproval: false, reminderEveryDays: 3, escalateAfterDays: 7, expireAfterDays: 14 },
      publishedById: ops.id, publishedAt: new Date('2025-12-15T09:00:00Z'), decidedAt: new Date('2025-12-16T09:00:00Z'), effectiveAt: new Date('2026-01-01T00:00:00Z'),
    });
  }
  const territory = await h.db.getRepository(TerritoryEntity).save({ name: `Fault ${tag}`, teamId: h.org.team.id, ownerPersonId: rep.id });
  const account = await h.db.getRepository(AccountEntity).save({ name: `Fault ${tag} Co`, territoryId: territory.id });
  for (const [i, person] of reps.entries()) {
    await h.db.getRepository(DealEntity).save({
      accountId: account.id, externalId: `F-${tag}-${i}`, name: `Fault deal ${i}`, amount: `${10000 * (i + 1)}.00`, stage: 'won', closeDate: MONTH.start,
      currency: 'USD', type: 'new', credits: [{ personId: person.id, share: '1' }],
    });
  }
  const period = await h.http('POST', '/api/v1/periods', { as: ops, body: { key: MONTH.key } });
  if (period.status !== 201) throw new Error(`period: ${period.status} ${JSON.stringify(period.body)}`);
  const secondFinance = await addPerson(h, `Fin Second ${tag}`, ['finance']);
  return { periodId: period.body.id as string, subject: `close:${period.body.id as string}`, secondFinance, reps };
}

/** The person's open task on the close whose stage starts with `prefix`, decided `approve` (retried with the same key while the API answers 503). */
export async function approve(h: Harness, person: PersonEntity, subject: string, prefix: string): Promise<void> {
  const task = await eventually(async () => {
    const inbox = await h.http('GET', '/api/v1/me/approvals?limit=200', { as: person });
    const tasks = (inbox.body?.tasks ?? []) as { id: string; subject: string; status: string; stage: { id: string } }[];
    return tasks.find((t) => t.subject === subject && t.stage.id.startsWith(prefix) && t.status === 'open');
  }, `${person.name}'s ${prefix || 'next'} task`, 90_000);
  await eventually(async () => {
    const r = await h.http('POST', `/api/v1/approvals/${task.id}/decisions`, { as: person, body: { decision: 'approve' }, headers: { 'Idempotency-Key': `fault-${task.id}` } });
    if (r.status !== 200 && r.status !== 503) throw new Error(`${person.name}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.status === 200;
  }, `${person.name}'s approval`, 90_000);
}
