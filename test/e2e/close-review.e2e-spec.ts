import { AccountEntity, AccountOwnershipEntity, DealEntity, PersonEntity, PlanAssignmentEntity, TerritoryEntity } from '@quotaflow/persistence';
import { pdfText } from '../support/pdf';
import { fromStage } from '../support/stages';
import { addPerson, closeTaskOf } from './fixtures';
import { eventually, type Harness, startHarness } from './harness';

jest.setTimeout(240_000);

/** a − b for money strings of 2 places (exact: cents as BigInt). */
function decimalMinus(a: string, b: string): string {
  const cents = (v: string) => BigInt(v.replace('.', ''));
  const d = cents(a) - cents(b);
  const abs = d < 0n ? -d : d;
  return `${d < 0n ? '-' : ''}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
}

/** 5% of every won deal's credited amount; no quota needed. */
const PLAN = {
  id: 'close-review',
  components: [{ id: 'commission', kind: 'commission', window: 'period', basis: 'amount', table: { split: 'step', tiers: [{ from: 0, rate: '0.05' }] } }],
};

/**
 * The review part of the monthly close over HTTP, against real PostgreSQL, Temporal and SMTP.
 * January: Rita 60,000.00 (West, by territory), Ravi 40,000.00 (West, explicit credit), Rosa
 * 25,000.00 (East): version 1 pays 3,000.00, 2,000.00 and 1,250.00. Max approves East; Mia asks
 * for an adjustment of Ravi (-2,500.00, returned order) and a hold of Rita (contract in dispute):
 * version 2 recalculates only Ravi and Rita (Rosa's payout copied), every approval is asked again;
 * finance (Fred; Fay started the close) sees the totals by plan, team and component with their
 * variance, must acknowledge Ravi's negative payout before approving; ops approves the payroll.
 * Rita gets no statement and no payroll line; her 3,000.00 is carried and February's close pays it
 * as an adjustment. Configuration flips DEAL.NO_CREDIT to blocking here: March's deal without any
 * credit blocks its close.
 */
describe('monthly close review, end to end over HTTP', () => {
  let h: Harness;
  let fred: PersonEntity;

  beforeAll(async () => {
    h = await startHarness('close-review', { env: { CLOSE_EXCEPTION_SEVERITY: 'DEAL.NO_CREDIT=blocking' } });
    fred = await addPerson(h, 'Fred Finance', ['finance']);
    await seed();
  });

  afterAll(async () => {
    await h?.close();
  });

  async function seed() {
    const { ops, rep, otherRep, farRep, team, otherTeam } = h.org;
    const created = await h.http('POST', '/api/v1/plans', {
      as: ops, body: { key: 'close-review', name: 'Close Review AE', periodLabel: 'FY2026', effectiveFrom: '2026-01-01', effectiveTo: '2026-12-31', document: PLAN },
    });
    expect(created.status).toBe(201);
    const planVersionId = created.body.versions[0].id as string;
    const assignments = h.db.getRepository(PlanAssignmentEntity);
    for (const person of [rep, otherRep, farRep]) {
      await assignments.save(assignments.create({
        planVersionId, personId: person.id, quota: '100000.00', status: 'accepted', workflowId: `plan-acceptance:fixture-${person.id}`,
        settings: { managerPreApproval: false, reminderEveryDays: 3, escalateAfterDays: 7, expireAfterDays: 14 },
        publishedById: ops.id, publishedAt: new Date('2025-12-15T09:00:00Z'), decidedAt: new Date('2025-12-16T09:00:00Z'), effectiveAt: new Date('2025-12-16T09:00:00Z'),
      }));
    }
    const territories = h.db.getRepository(TerritoryEntity);
    const west = await territories.save(territories.create({ name: 'West Review', teamId: team.id, ownerPersonId: rep.id }));
    const east = await territories.save(territories.create({ name: 'East Review', teamId: otherTeam.id, ownerPersonId: farRep.id }));
    const unowned = await territories.save(territories.create({ name: 'Nobody’s', teamId: null, ownerPersonId: null }));
    const account = async (name: string, territory: TerritoryEntity) => {
      const row = await h.db.getRepository(AccountEntity).save({ name, territoryId: territory.id });
      await h.db.getRepository(AccountOwnershipEntity).save({ accountId: row.id, territoryId: territory.id, effectiveFrom: '2020-01-01', effectiveTo: null, changeId: null });
      return row;
    };
    const acme = await account('Acme R', west);
    const hooli = await account('Hooli R', east);
    const initech = await account('Initech R', unowned);
    const deals = h.db.getRepository(DealEntity);
    const deal = (externalId: string, a: AccountEntity, amount: string, closeDate: string, credits: DealEntity['credits'] = null) =>
      deals.save(deals.create({ externalId, accountId: a.id, name: `${a.name} ${externalId}`, amount, stage: 'won', closeDate, currency: 'USD', type: 'new', credits }));
    await deal('R-ACME-1', acme, '60000.00', '2026-01-10');
    await deal('R-ACME-2', acme, '40000.00', '2026-01-12', [{ personId: otherRep.id, share: '1' }]);
    await deal('R-HOOLI-1', hooli, '25000.00', '2026-01-15');
    await deal('R-INITECH-1', initech, '9000.00', '2026-03-03'); // credits nobody: blocking by configuration
  }

  const closeView = (periodId: string) => h.http('GET', `/api/v1/periods/${periodId}/close`, { as: h.org.finance });

  const taskOf = (person: PersonEntity, periodId: string, stagePrefix: string, round: number) => closeTaskOf(h, person, periodId, stagePrefix, round);

  async function decide(person: PersonEntity, periodId: string, stagePrefix: string, round: number, decision: string, comment?: string) {
    const task = await taskOf(person, periodId, stagePrefix, round);
    return h.http('POST', `/api/v1/approvals/${task.id}/decisions`, { as: person, body: comment ? { decision, comment } : { decision }, headers: { 'Idempotency-Key': `review-${task.id}-${decision}` } });
  }

  const changes = (periodId: string, as: PersonEntity, body: unknown, key?: string) =>
    h.http('POST', `/api/v1/periods/${periodId}/close/changes`, { as, body, ...(key ? { headers: { 'Idempotency-Key': key } } : {}) });

  const acknowledge = (periodId: string, as: PersonEntity, personId: string, body: unknown = {}, key?: string) =>
    h.http('POST', `/api/v1/periods/${periodId}/close/negatives/${personId}/acknowledgement`, { as, body, ...(key ? { headers: { 'Idempotency-Key': key } } : {}) });

  describe('January: a hold and an adjustment, stage by stage', () => {
    // What each stage leaves for the next (fromStage fails a stage at once when the one it needs did not finish).
    let periodId: string | undefined;
    let asked: true | undefined;
    let version2: true | undefined;
    let financeReviewing: true | undefined;
    let acknowledged: true | undefined;
    let closed: true | undefined;
    let feb: string | undefined;

    const westChanges = () => ({
      adjustments: [{ personId: h.org.otherRep.id, amount: '-2500.00', reason: 'Returned order R-ACME-2' }], holds: [{ personId: h.org.rep.id, reason: 'Contract in dispute' }],
    });

    it('version 1 pays Rita 3,000.00, Ravi 2,000.00 and Rosa 1,250.00; the missing quotas are listed for finance as warnings only', async () => {
      const { ops, finance, manager } = h.org;
      const id = (await h.http('POST', '/api/v1/periods', { as: ops, body: { key: '2026-01' } })).body.id as string;
      expect((await h.http('POST', `/api/v1/periods/${id}/close`, { as: finance })).status).toBe(202);
      await taskOf(manager, id, 'team:', 1);
      periodId = id;
      const v1 = (await closeView(id)).body;
      expect(v1.versions).toEqual([{ version: 1, reps: 3, payoutTotal: '6250.00', earningsTotal: '6250.00', negativeCount: 0 }]);
      // Listed for finance, warnings only (no quota is needed by this plan).
      expect((v1.exceptions as { code: string; severity: string }[]).map((e) => `${e.code}:${e.severity}`)).toEqual(['REP.NO_LOCKED_QUOTA:warning', 'REP.NO_LOCKED_QUOTA:warning', 'REP.NO_LOCKED_QUOTA:warning']);
    });

    it('who may ask for a change: a manager, for their own team’s reps, never about themselves, exact amounts only; a request-adjustment without data is refused by the close', async () => {
      const id = fromStage(periodId, 'version 1 in review');
      const { finance, manager, otherManager, rep, farRep, otherRep } = h.org;
      const west = westChanges();
      expect((await changes(id, rep, west)).status).toBe(403);
      expect((await changes(id, finance, west)).status).toBe(403);
      const east = await changes(id, otherManager, west);
      expect([east.status, east.body.code, east.body.details?.field]).toEqual([403, 'AUTH.FORBIDDEN', 'adjustments[0].personId']);
      const crossTeam = await changes(id, manager, { holds: [{ personId: farRep.id, reason: 'not mine' }] });
      expect([crossTeam.status, crossTeam.body.code]).toEqual([403, 'AUTH.FORBIDDEN']);
      const self = await changes(id, manager, { holds: [{ personId: manager.id, reason: 'me' }] });
      expect([self.status, self.body.code]).toEqual([403, 'AUTH.SELF_DECISION']);
      const float = await changes(id, manager, { adjustments: [{ personId: otherRep.id, amount: -2500, reason: 'x' }] });
      expect([float.status, float.body.code]).toEqual([400, 'VALIDATION.FAILED']);
      const nothing = await changes(id, manager, {});
      expect([nothing.status, nothing.body.code, nothing.body.details?.field]).toEqual([400, 'VALIDATION.FAILED', 'adjustments']);
      // Without data the kernel's request-adjustment is refused by the close's validator.
      const bare = await decide(manager, id, 'team:', 1, 'request-adjustment', 'change something');
      expect([bare.status, bare.body.code]).toEqual([400, 'VALIDATION.FAILED']);
    });

    it('Max approves East; Mia asks for Ravi’s adjustment and Rita’s hold, answered once per Idempotency-Key', async () => {
      const id = fromStage(periodId, 'version 1 in review');
      const { manager, otherManager } = h.org;
      const west = westChanges();
      expect((await decide(otherManager, id, 'team:', 1, 'approve')).status).toBe(200);
      const first = await changes(id, manager, west, 'review-west-changes-1');
      expect([first.status, first.body.code]).toEqual([200, undefined]);
      asked = true;
      expect(first.body).toMatchObject({ version: 1, nextVersion: 2, stageId: `team:${h.org.team.id}`, decision: 'request-adjustment', comment: 'Requested 1 adjustment and 1 hold.' });
      const again = await changes(id, manager, west, 'review-west-changes-1');
      expect([again.status, again.headers.get('idempotent-replayed')]).toEqual([200, 'true']);
    });

    it('version 2 recalculates only Ravi and Rita (Rosa’s payout copied), records why each changed, voids every decision on version 1, and explains Ravi’s adjustment', async () => {
      const id = fromStage(periodId, 'version 1 in review');
      fromStage(asked, 'Mia’s change request');
      const { manager, otherManager, rep, otherRep, farRep } = h.org;
      // Version 2: every approval asked again (Max's of version 1 is void); only Ravi and Rita recalculated.
      await taskOf(otherManager, id, 'team:', 2);
      await taskOf(manager, id, 'team:', 2);
      version2 = true;
      const rows = (await h.db.query(
        `SELECT person_id AS "personId", payout::text AS payout, held, copied_from_version AS "copiedFrom" FROM payouts WHERE period_id = $1 AND calculation_version = 2 ORDER BY payout`,
        [id],
      )) as { personId: string; payout: string; held: boolean; copiedFrom: number | null }[];
      expect(rows).toEqual([
        { personId: otherRep.id, payout: '-500.00', held: false, copiedFrom: null },
        { personId: farRep.id, payout: '1250.00', held: false, copiedFrom: 1 },
        { personId: rep.id, payout: '3000.00', held: true, copiedFrom: null },
      ]);
      const v2 = (await closeView(id)).body;
      expect(v2.versions[1]).toEqual({ version: 2, reps: 3, payoutTotal: '750.00', earningsTotal: '3750.00', negativeCount: 1, heldCount: 1, heldTotal: '3000.00', copied: 1 });
      expect(v2.changes).toEqual([
        expect.objectContaining({ toVersion: 2, personId: [rep.id, otherRep.id].sort()[0] }),
        expect.objectContaining({ toVersion: 2, personId: [rep.id, otherRep.id].sort()[1] }),
      ]);
      const byRep = new Map((v2.changes as { personId: string }[]).map((c) => [c.personId, c]));
      expect(byRep.get(otherRep.id)).toEqual({
        toVersion: 2, personId: otherRep.id, before: '2000.00', after: '-500.00', heldBefore: false, heldAfter: false, recalculated: true,
        why: [{ kind: 'adjustment', amount: '-2500.00', reason: 'Returned order R-ACME-2', requestedById: manager.id }],
      });
      expect(byRep.get(rep.id)).toMatchObject({ before: '3000.00', after: '3000.00', heldBefore: false, heldAfter: true, why: [{ kind: 'hold', amount: null, reason: 'Contract in dispute', requestedById: manager.id }] });
      expect(v2.returned).toEqual([expect.objectContaining({ byId: manager.id, version: 1, kind: 'changes', adjustments: 1, holds: 1 })]);
      expect(v2.requests).toHaveLength(2);
      // Every decision on version 1 is void: Max's approval and Mia's request.
      expect((v2.approvals as { actorId: string; decision: string; version: number; void: boolean }[]).map((a) => [a.actorId, a.decision, a.version, a.void])).toEqual([
        [otherManager.id, 'approve', 1, true], [manager.id, 'request-adjustment', 1, true],
      ]);
      // Ravi's payout explained with the adjustment line.
      const ravi = (await h.http('GET', `/api/v1/periods/${id}/payouts`, { as: otherRep })).body.payouts[0];
      expect(ravi).toMatchObject({ payout: '-500.00', adjustments: '-2500.00', held: false });
      expect(JSON.stringify(ravi.explanation)).toContain('Returned order R-ACME-2');
    });

    it('the managers approve version 2; finance sees the totals by plan, team and component with their variance against version 1, the negative and the held payout; a manager may not', async () => {
      const id = fromStage(periodId, 'version 1 in review');
      fromStage(version2, 'version 2 in review');
      const { manager, otherManager, rep, otherRep } = h.org;
      expect((await decide(manager, id, 'team:', 2, 'approve')).status).toBe(200);
      expect((await decide(otherManager, id, 'team:', 2, 'approve')).status).toBe(200);

      await taskOf(fred, id, 'finance', 3);
      financeReviewing = true;
      const review = await h.http('GET', `/api/v1/periods/${id}/close/review`, { as: fred });
      expect(review.status).toBe(200);
      expect(review.body).toMatchObject({
        version: 2, previousVersion: 1, previousPeriod: null,
        totals: { reps: 2, payout: '750.00', vsPreviousVersion: { previous: '6250.00', change: '-5500.00' }, vsPreviousPeriod: null },
        byPlan: [{ planName: 'Close Review AE', reps: 2, payout: '750.00', vsPreviousVersion: { previous: '6250.00', change: '-5500.00' }, vsPreviousPeriod: null }],
        byComponent: [{ componentId: 'commission', amount: '3250.00', vsPreviousVersion: { previous: '6250.00', change: '-3000.00' } }],
        negatives: [{ personId: otherRep.id, payout: '-500.00', acknowledgement: null }],
        unacknowledged: 1,
        held: [{ personId: rep.id, payout: '3000.00' }],
      });
      const teams = new Map((review.body.byTeam as { teamId: string }[]).map((t) => [t.teamId, t]));
      expect(teams.get(h.org.team.id)).toMatchObject({ teamName: 'West', reps: 1, payout: '-500.00', vsPreviousVersion: { previous: '5000.00', change: '-5500.00' } });
      expect(teams.get(h.org.otherTeam.id)).toMatchObject({ teamName: 'East', reps: 1, payout: '1250.00', vsPreviousVersion: { previous: '1250.00', change: '0.00' } });
      expect((await h.http('GET', `/api/v1/periods/${id}/close/review`, { as: manager })).status).toBe(403);
    });

    it('the finance approval waits for the negative payout’s acknowledgement: not by the close’s starter, not of a positive payout, not by a manager; replayed by its key, not twice', async () => {
      const id = fromStage(periodId, 'version 1 in review');
      fromStage(financeReviewing, 'finance’s review of version 2');
      const { finance, otherManager, otherRep, farRep } = h.org;
      const early = await decide(fred, id, 'finance', 3, 'approve');
      expect([early.status, early.body.code]).toEqual([409, 'CLOSE.NEGATIVES_UNACKNOWLEDGED']);
      expect(early.body.message).toContain(otherRep.id);
      const byStarter = await acknowledge(id, finance, otherRep.id);
      expect([byStarter.status, byStarter.body.code]).toEqual([403, 'AUTH.SELF_DECISION']);
      const positive = await acknowledge(id, fred, farRep.id);
      expect([positive.status, positive.body.code]).toEqual([409, 'CLOSE.NOT_NEGATIVE']);
      expect((await acknowledge(id, otherManager, otherRep.id)).status).toBe(403);
      const acked = await acknowledge(id, fred, otherRep.id, { comment: 'Returned order: recovered from next month' }, 'review-ack-ravi-v2');
      expect([acked.status, acked.body]).toEqual([200, { periodId: id, version: 2, personId: otherRep.id, payout: '-500.00', acknowledgedAt: expect.any(String), remaining: 0 }]);
      acknowledged = true;
      const replay = await acknowledge(id, fred, otherRep.id, { comment: 'Returned order: recovered from next month' }, 'review-ack-ravi-v2');
      expect([replay.status, replay.headers.get('idempotent-replayed'), replay.body]).toEqual([200, 'true', acked.body]);
      const twice = await acknowledge(id, fred, otherRep.id, {}, 'review-ack-ravi-v2-again');
      expect([twice.status, twice.body.code]).toEqual([409, 'CLOSE.ALREADY_ACKNOWLEDGED']);
      expect((await h.http('GET', `/api/v1/periods/${id}/close/review`, { as: finance })).body.negatives[0].acknowledgement)
        .toEqual({ byId: fred.id, at: acked.body.acknowledgedAt, comment: 'Returned order: recovered from next month' });
    });

    it('finance, then ops approve: January closes on version 2 with two statements', async () => {
      const id = fromStage(periodId, 'version 1 in review');
      fromStage(acknowledged, 'the negative payout acknowledged');
      const { ops } = h.org;
      expect((await decide(fred, id, 'finance', 3, 'approve')).status).toBe(200);
      expect((await decide(ops, id, 'payroll', 4, 'approve')).status).toBe(200);
      const done = await eventually(async () => {
        const v = (await closeView(id)).body;
        return v.period.status === 'closed' ? v : undefined;
      }, 'January closed', 90_000);
      closed = true;
      expect(done).toMatchObject({ state: 'closed', currentVersion: 2, statements: 2 });
    });

    it('Rita (held) gets no statement and no payroll line; Ravi’s negative payout is not paid either, his statement shows version 2 and the adjustment; Rosa is paid', async () => {
      const id = fromStage(periodId, 'version 1 in review');
      fromStage(closed, 'January closed');
      const { finance, rep, otherRep, farRep } = h.org;
      expect(h.smtp.messages.filter((m) => /commission statement/i.test(m.subject ?? '') && JSON.stringify(m.to).includes(rep.email))).toHaveLength(0);
      expect((await h.http('GET', '/api/v1/me/statements', { as: rep })).body.statements).toEqual([]);
      const raviMail = h.smtp.messages.find((m) => /commission statement/i.test(m.subject ?? '') && JSON.stringify(m.to).includes(otherRep.email))!;
      const raviPdf = await pdfText(raviMail.attachments.find((a) => a.contentType === 'application/pdf')!.content);
      expect(raviPdf).toContain('Calculation version: 2');
      expect(raviPdf).toContain('Returned order R-ACME-2');
      const csv = await h.http('GET', `/api/v1/periods/${id}/payroll`, { as: finance });
      const lines = String(csv.body).trim().split('\r\n');
      expect(lines.slice(1)).toEqual([`${farRep.id},${farRep.name},1250.00,USD,2026-01,2026-02-15,COMMISSION`]);
    });

    it('Rita’s held payout is carried, durably; closed January still verifies to the cent (the adjustment included); the trail has every review step', async () => {
      const id = fromStage(periodId, 'version 1 in review');
      fromStage(closed, 'January closed');
      const { rep } = h.org;
      expect(await h.db.query(`SELECT person_id AS "personId", amount::text AS amount, reason, released_in_period_id AS released FROM close_carries WHERE from_period_id = $1`, [id]))
        .toEqual([{ personId: rep.id, amount: '3000.00', reason: 'Contract in dispute', released: null }]);
      const verified = await h.http('GET', `/api/v1/periods/${id}/verification`, { as: h.org.auditor });
      expect(verified.body).toMatchObject({ version: 2, hashMatches: true, reps: 3, matching: 3, differences: [] });
      const trace = await h.http('GET', `/api/v1/audit/trace/close:${id}`, { as: h.org.auditor });
      const actions = (trace.body.events as { action: string }[]).map((e) => e.action);
      for (const action of ['period.adjustment-requested', 'period.hold-requested', 'period.returned', 'period.negative-acknowledged', 'period.carried', 'period.closed']) expect(actions).toContain(action);
    });

    it('February’s close pays Rita’s held January payout as an explained adjustment; its review compares with January’s final version', async () => {
      const id = fromStage(periodId, 'version 1 in review');
      fromStage(closed, 'January closed');
      const { ops, finance, manager, rep } = h.org;
      const febId = (await h.http('POST', '/api/v1/periods', { as: ops, body: { key: '2026-02' } })).body.id as string;
      expect((await h.http('POST', `/api/v1/periods/${febId}/close`, { as: finance })).status).toBe(202);
      await taskOf(manager, febId, 'team:', 1);
      feb = febId;
      const rita = (await h.http('GET', `/api/v1/periods/${febId}/payouts`, { as: rep })).body.payouts[0];
      expect(rita).toMatchObject({ personId: rep.id, adjustments: '3000.00', payout: '3000.00' });
      expect(JSON.stringify(rita.explanation)).toContain('Held in 2026-01: Contract in dispute');
      const febReview = (await h.http('GET', `/api/v1/periods/${febId}/close/review`, { as: finance })).body;
      expect(febReview).toMatchObject({ version: 1, previousVersion: null, previousPeriod: { id, key: '2026-01', version: 2 } });
      expect(febReview.totals.vsPreviousPeriod).toEqual({ previous: '750.00', change: decimalMinus(febReview.totals.payout, '750.00') });
      const febTeams = new Map((febReview.byTeam as { teamId: string; vsPreviousPeriod: unknown }[]).map((t) => [t.teamId, t.vsPreviousPeriod]));
      expect(febTeams.get(h.org.otherTeam.id)).toEqual({ previous: '1250.00', change: '-1250.00' });
    });

    it('February closes: Rita’s statement pays the carried amount; the carry is released into February, once; February verifies', async () => {
      const id = fromStage(periodId, 'version 1 in review');
      const febId = fromStage(feb, 'February in review');
      const { ops, manager, otherManager, rep } = h.org;
      expect((await decide(manager, febId, 'team:', 1, 'approve')).status).toBe(200);
      expect((await decide(otherManager, febId, 'team:', 1, 'approve')).status).toBe(200);
      await taskOf(fred, febId, 'finance', 2);
      for (const n of (await h.http('GET', `/api/v1/periods/${febId}/close/review`, { as: fred })).body.negatives as { personId: string }[]) {
        expect((await acknowledge(febId, fred, n.personId, { comment: 'carried balance' })).status).toBe(200);
      }
      expect((await decide(fred, febId, 'finance', 2, 'approve')).status).toBe(200);
      expect((await decide(ops, febId, 'payroll', 3, 'approve')).status).toBe(200);
      await eventually(async () => ((await closeView(febId)).body.period.status === 'closed' ? true : undefined), 'February closed', 90_000);
      expect(await h.db.query(`SELECT released_in_period_id AS released FROM close_carries WHERE from_period_id = $1`, [id])).toEqual([{ released: febId }]);
      const ritaMail = h.smtp.messages.find((m) => /commission statement/i.test(m.subject ?? '') && JSON.stringify(m.to).includes(rep.email))!;
      expect(await pdfText(ritaMail.attachments.find((a) => a.contentType === 'application/pdf')!.content)).toContain('Held in 2026-01: Contract in dispute');
      expect((await h.http('GET', `/api/v1/periods/${febId}/verification`, { as: h.org.auditor })).body).toMatchObject({ hashMatches: true, differences: [] });
    });
  });

  it('configuration makes an exception blocking: a deal that credits nobody (a warning by default) stops the close', async () => {
    const { ops, finance } = h.org;
    const periodId = (await h.http('POST', '/api/v1/periods', { as: ops, body: { key: '2026-03' } })).body.id as string;
    expect((await h.http('POST', `/api/v1/periods/${periodId}/close`, { as: finance })).status).toBe(202);
    const blocked = await eventually(async () => {
      const v = (await closeView(periodId)).body;
      return v.period.status === 'open' && v.snapshot ? v : undefined;
    }, 'March blocked', 60_000);
    expect((blocked.exceptions as { code: string; severity: string }[]).filter((e) => e.code === 'DEAL.NO_CREDIT')).toEqual([expect.objectContaining({ code: 'DEAL.NO_CREDIT', severity: 'blocking' })]);
    expect(blocked.versions).toEqual([]);
  });
});
