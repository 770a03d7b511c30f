/**
 * Trust under attack and accident (issue 8): each hole found by probing the running system, as a
 * test that reproduces it. The holes of the infrastructure (audit chain, database login, payload
 * codec, tokens, headers, rate limits, trusted proxies) have their own suites.
 */
import {
  ApprovalDecisionEntity, AuditEventEntity, PersonEntity, PlanAssignmentEntity, TeamEntity, TerritoryChangeEntity,
} from '@quotaflow/persistence';
import { pdfText } from '../support/pdf';
import { addPerson, seedTerritories, type TerritoryFixture } from './fixtures';
import { aePlanDocument, eventually, publishPlanTo, type Harness, startHarness } from './harness';

jest.setTimeout(240_000);

describe('trust under attack and accident', () => {
  let h: Harness;
  let t: TerritoryFixture;
  let fin2: PersonEntity;
  let ops2: PersonEntity;

  beforeAll(async () => {
    h = await startHarness('trust');
    t = await seedTerritories(h, 'trust');
    fin2 = await addPerson(h, 'Finn Finance', ['finance']);
    ops2 = await addPerson(h, 'Olga Ops', ['ops']);
  });
  afterAll(async () => {
    await h?.close();
  });

  const count = (entity: typeof TerritoryChangeEntity | typeof ApprovalDecisionEntity | typeof AuditEventEntity | typeof PlanAssignmentEntity | typeof PersonEntity | typeof TeamEntity) =>
    h.db.getRepository(entity as typeof PersonEntity).count();
  const taskOf = (who: PersonEntity, subject: string, stagePrefix = '') =>
    eventually(async () => {
      const inbox = await h.http('GET', '/api/v1/me/approvals', { as: who });
      return (inbox.body.tasks as { id: string; subject: string; stage: { id: string } }[]).find((x) => x.subject === subject && x.stage.id.startsWith(stagePrefix));
    }, `${who.name}'s task on ${subject}`, 60_000);
  const decide = (who: PersonEntity, taskId: string, decision: string, comment?: string, key?: string) =>
    h.http('POST', `/api/v1/approvals/${taskId}/decisions`, { as: who, body: { decision, ...(comment !== undefined ? { comment } : {}) }, ...(key ? { headers: { 'Idempotency-Key': key } } : {}) });

  describe('1. a request may make routing stricter, never looser', () => {
    it('refuses a territory change whose finance threshold is above the organisation’s, writing nothing', async () => {
      const before = await count(TerritoryChangeEntity);
      const res = await h.http('POST', '/api/v1/territory-changes', {
        as: h.org.ops,
        body: { fromTerritoryId: t.west.id, toTerritoryId: t.east.id, accountIds: [t.accounts.acme.id], effectiveDate: new Date().toISOString().slice(0, 10), reason: 'skip finance', financeThreshold: '9999999999999999.99' },
      });
      expect([res.status, res.body.code, res.body.details.field]).toEqual([400, 'VALIDATION.LOOSER_THAN_POLICY', 'financeThreshold']);
      expect(await count(TerritoryChangeEntity)).toBe(before);
    });

    it('takes a lower threshold: finance signs off a change the organisation’s threshold would let through', async () => {
      const res = await h.http('POST', '/api/v1/territory-changes', {
        as: h.org.ops,
        body: { fromTerritoryId: t.west.id, toTerritoryId: t.east.id, accountIds: [t.accounts.globex.id], effectiveDate: '2999-01-01', reason: 'finance should look', financeThreshold: '10000.00' },
      });
      expect(res.status).toBe(202);
      const routed = await eventually(async () => {
        const v = await h.http('GET', `/api/v1/territory-changes/${res.body.id}`, { as: h.org.ops });
        return v.body.stages.length > 0 ? v.body : undefined;
      }, 'routed');
      // Globex moves 20,000.00 of trailing revenue: above 10,000.00, below the organisation's 50,000.00.
      expect(routed.stages.map((s: { id: string }) => s.id)).toEqual(['territory-managers', 'ops', 'finance']);
      expect((await h.http('POST', `/api/v1/territory-changes/${res.body.id}/cancel`, { as: h.org.ops, body: {} })).status).toBe(200);
    });

    it('refuses a quota set that silences finance’s change flags, and takes a stricter one', async () => {
      const body = {
        periodId: '2031-Q1', periodStart: '2031-01-01', periodEnd: '2031-03-31', companyTarget: '1000000.00',
        teamTargets: { [h.org.team.id]: '600000.00' }, quotas: [{ personId: h.org.rep.id, amount: '300000.00' }, { personId: h.org.otherRep.id, amount: '300000.00' }],
      };
      const looser = await h.http('POST', '/api/v1/quota-sets', { as: h.org.ops, body: { ...body, changePercentFlag: '999' } });
      expect([looser.status, looser.body.code, looser.body.details.field]).toEqual([400, 'VALIDATION.LOOSER_THAN_POLICY', 'changePercentFlag']);
      const stricter = await h.http('POST', '/api/v1/quota-sets', { as: h.org.ops, body: { ...body, changePercentFlag: '5' } });
      expect([stricter.status, stricter.body.changePercentFlag]).toEqual([201, '5.00']);
    });
  });

  describe('2. one character must not freeze a workflow', () => {
    it('refuses NUL in a decision comment with 400 and records nothing; a clean retry is taken', async () => {
      const { assignmentId } = await publishPlanTo(h, h.org.otherRep, '300000.00');
      const decisions = await count(ApprovalDecisionEntity);
      const nul = await h.http('POST', `/api/v1/plan-assignments/${assignmentId}/decline`, { as: h.org.otherRep, body: { reason: 'no\u0000thanks' }, headers: { 'Idempotency-Key': 'trust-nul-0001' } });
      expect([nul.status, nul.body.code, nul.body.details[0].field]).toEqual([400, 'VALIDATION.FAILED', 'reason']);
      expect(await count(ApprovalDecisionEntity)).toBe(decisions);
      const clean = await h.http('POST', `/api/v1/plan-assignments/${assignmentId}/decline`, { as: h.org.otherRep, body: { reason: 'no thanks' }, headers: { 'Idempotency-Key': 'trust-nul-0002' } });
      expect([clean.status, clean.body.status]).toEqual([200, 'declined']);
      await eventually(async () => (await h.db.getRepository(PlanAssignmentEntity).findOneByOrFail({ id: assignmentId })).status === 'declined', 'declined');
    });

    it('refuses NUL and other invalid code points in any field of any body: names, plan documents, query strings', async () => {
      const people = await count(PersonEntity);
      const name = await h.http('POST', '/api/v1/people', { as: h.org.admin, body: { name: 'Eve\u0000', email: 'eve@e2e.test', roles: ['rep'] } });
      expect([name.status, name.body.code, name.body.details[0].field]).toEqual([400, 'VALIDATION.FAILED', 'name']);
      const surrogate = await h.http('POST', '/api/v1/teams', { as: h.org.admin, body: { name: 'Team \ud800' } });
      expect([surrogate.status, surrogate.body.details[0].field]).toEqual([400, 'name']);
      const doc = await h.http('POST', '/api/v1/plans', { as: h.org.ops, body: { key: 'nul-plan', name: 'Nul', periodLabel: 'FY2026', effectiveFrom: '2026-01-01', document: { ...aePlanDocument('nul-plan'), id: 'nul\u0000plan' } } });
      expect([doc.status, doc.body.details[0].field]).toEqual([400, 'document.id']);
      const query = await h.http('GET', `/api/v1/audit?subject=plan:x%00y`, { as: h.org.auditor });
      expect([query.status, query.body.code]).toEqual([400, 'VALIDATION.FAILED']);
      expect(await count(PersonEntity)).toBe(people);
    });
  });

  describe('6. authorization gaps', () => {
    it('a manager may not request a change between territories of another team', async () => {
      const territories = await seedTerritories(h, 'foreign');
      const res = await h.http('POST', '/api/v1/territory-changes', {
        as: h.org.otherManager,
        body: { fromTerritoryId: territories.west.id, toTerritoryId: territories.west.id === territories.east.id ? territories.east.id : (await seedTerritories(h, 'foreign2')).west.id, accountIds: [territories.accounts.acme.id], effectiveDate: '2999-01-01', reason: 'not mine' },
      });
      expect([res.status, res.body.code]).toEqual([403, 'AUTH.FORBIDDEN']);
    });

    it('a territory’s accounts are its owner’s, its managers’ and read-all roles’ to see', async () => {
      const get = async (as: PersonEntity) => (await h.http('GET', `/api/v1/territories/${t.west.id}`, { as })).body;
      expect((await get(h.org.rep)).accounts.map((a: { id: string }) => a.id).sort()).toEqual([t.accounts.acme.id, t.accounts.globex.id].sort());
      expect((await get(h.org.manager)).accounts).toHaveLength(2);
      expect((await get(h.org.auditor)).accounts).toHaveLength(2);
      const outsider = await get(h.org.farRep);
      expect([outsider.accounts, outsider.accountsCount, outsider.name]).toEqual([null, 2, t.west.name]);
      expect((await get(h.org.otherManager)).accounts).toBeNull();
    });

    it('a rep’s acknowledgement task shows no finance figures; its other stages are read-all roles’ only', async () => {
      const body = {
        periodId: '2032-Q1', periodStart: '2032-01-01', periodEnd: '2032-03-31', companyTarget: '2000000.00',
        teamTargets: { [h.org.team.id]: '600000.00' }, quotas: [{ personId: h.org.rep.id, amount: '300000.00' }, { personId: h.org.otherRep.id, amount: '300000.00' }],
      };
      const set = await h.http('POST', '/api/v1/quota-sets', { as: h.org.ops, body });
      await h.http('POST', `/api/v1/quota-sets/${set.body.id}/submit`, { as: h.org.ops });
      const subject = `quota-set:${set.body.id}`;
      expect((await decide(h.org.manager, (await taskOf(h.org.manager, subject)).id, 'approve')).status).toBe(200);
      expect((await decide(h.org.finance, (await taskOf(h.org.finance, subject)).id, 'approve')).status).toBe(200);
      const ack = await taskOf(h.org.rep, subject, 'acknowledge:');
      const asRep = await h.http('GET', `/api/v1/approvals/${ack.id}`, { as: h.org.rep });
      expect(asRep.status).toBe(200);
      expect(asRep.body.stages.map((s: { id: string }) => s.id)).toEqual([ack.id]);
      expect(JSON.stringify(asRep.body)).not.toMatch(/2000000|2,000,000|shortfall|target/i);
      const asAuditor = await h.http('GET', `/api/v1/approvals/${ack.id}`, { as: h.org.auditor });
      expect(asAuditor.body.stages.length).toBeGreaterThan(2);
      const setAsRep = await h.http('GET', `/api/v1/quota-sets/${set.body.id}`, { as: h.org.rep });
      expect([setAsRep.body.companyTarget, setAsRep.body.flags]).toEqual([null, null]);
    });
  });

  describe('7. bad input is a 4xx with a code, never a 500', () => {
    it('POST /teams with an unknown manager is 404 PERSON.NOT_FOUND, not a foreign-key violation', async () => {
      const res = await h.http('POST', '/api/v1/teams', { as: h.org.admin, body: { name: 'Ghost team', managerId: '00000000-0000-4000-8000-000000000000' } });
      expect([res.status, res.body.code, res.body.details.field]).toEqual([404, 'PERSON.NOT_FOUND', 'managerId']);
    });

    it.each([
      ['an impossible day', '2026-02-30'],
      ['year zero', '0000-01-01'],
      ['no date at all', '2026-13-01'],
    ])('a query date that is %s is 400 with the field', async (_what, date) => {
      const res = await h.http('GET', `/api/v1/accounts/${t.accounts.acme.id}/owner?date=${date}`, { as: h.org.ops });
      expect([res.status, res.body.code, res.body.details[0].field]).toEqual([400, 'VALIDATION.FAILED', 'date']);
    });

    it('an offset beyond any row count is 400, not a database error', async () => {
      const res = await h.http('GET', '/api/v1/audit?subjectPrefix=plan:&offset=99999999999999999999', { as: h.org.auditor });
      expect([res.status, res.body.code, res.body.details[0].field]).toEqual([400, 'VALIDATION.FAILED', 'offset']);
    });
  });

  describe('10. idempotency', () => {
    it('the same key for another task is refused; a replayed accept answers the first answer, document hash included', async () => {
      const first = await publishPlanTo(h, h.org.rep, '480000.00');
      const accept = await h.http('POST', `/api/v1/plan-assignments/${first.assignmentId}/accept`, { as: h.org.rep, body: {}, headers: { 'Idempotency-Key': 'trust-accept-0001' } });
      expect(accept.status).toBe(200);
      expect(accept.body.documentHash).toMatch(/^[0-9a-f]{64}$/);
      const replay = await h.http('POST', `/api/v1/plan-assignments/${first.assignmentId}/accept`, { as: h.org.rep, body: {}, headers: { 'Idempotency-Key': 'trust-accept-0001' } });
      expect([replay.status, replay.headers.get('idempotent-replayed')]).toEqual([200, 'true']);
      expect(replay.body).toEqual(accept.body);
      const second = await publishPlanTo(h, h.org.rep, '480000.00');
      const reused = await h.http('POST', `/api/v1/plan-assignments/${second.assignmentId}/accept`, { as: h.org.rep, body: {}, headers: { 'Idempotency-Key': 'trust-accept-0001' } });
      expect([reused.status, reused.body.code]).toEqual([422, 'IDEMPOTENCY.KEY_REUSED']);
      expect(await h.db.getRepository(ApprovalDecisionEntity).countBy({ idempotencyKey: 'trust-accept-0001' })).toBe(1);
    });
  });

  describe('12. truthful records and messages', () => {
    it('the trace shows exactly who decided each stage: the other finance person did not', async () => {
      const res = await h.http('POST', '/api/v1/territory-changes', {
        as: ops2,
        body: { fromTerritoryId: t.west.id, toTerritoryId: t.east.id, accountIds: [t.accounts.acme.id], effectiveDate: '2999-06-01', reason: 'rebalance' },
      });
      expect(res.status).toBe(202);
      const subject = `territory-change:${res.body.id}`;
      expect((await decide(h.org.manager, (await taskOf(h.org.manager, subject)).id, 'approve')).status).toBe(200);
      expect((await decide(h.org.otherManager, (await taskOf(h.org.otherManager, subject)).id, 'approve')).status).toBe(200);
      expect((await decide(h.org.ops, (await taskOf(h.org.ops, subject)).id, 'approve')).status).toBe(200);
      expect((await decide(h.org.finance, (await taskOf(h.org.finance, subject)).id, 'approve')).status).toBe(200);
      await eventually(async () => (await h.http('GET', `/api/v1/territory-changes/${res.body.id}`, { as: h.org.ops })).body.status === 'scheduled', 'scheduled');
      const trace = (await h.http('GET', `/api/v1/audit/trace/${subject}`, { as: h.org.auditor })).body;
      const finance = trace.stages.filter((s: { stageId: string }) => s.stageId === 'finance');
      expect(finance.map((s: { approverId: string; status: string; decision: string | null }) => [s.approverId, s.status, s.decision]).sort()).toEqual(
        [[h.org.finance.id, 'done', 'approve'], [fin2.id, 'done', null]].sort(),
      );
      expect(trace.decisions.filter((d: { stage: string }) => d.stage === 'finance').map((d: { approverId: string }) => d.approverId)).toEqual([h.org.finance.id]);
      expect((await h.http('POST', `/api/v1/territory-changes/${res.body.id}/cancel`, { as: ops2, body: {} })).status).toBe(200);
    });

    it('a quota set short of its target says flagged at the top', async () => {
      const set = await h.http('POST', '/api/v1/quota-sets', {
        as: h.org.ops,
        body: {
          periodId: '2033-Q1', periodStart: '2033-01-01', periodEnd: '2033-03-31', companyTarget: '1000000.00',
          teamTargets: { [h.org.team.id]: '600000.00' }, quotas: [{ personId: h.org.rep.id, amount: '300000.00' }, { personId: h.org.otherRep.id, amount: '300000.00' }],
        },
      });
      expect([set.body.flagged, set.body.flags.shortfallFlag, set.body.acknowledgementsMissed]).toEqual([true, true, false]);
    });

    it('the plan PDF reads without help and prints what the acceptance records', async () => {
      const { assignmentId } = await publishPlanTo(h, h.org.farRep, '1400000.00');
      const invite = await h.smtp.waitFor((m) => m.text?.includes(`/plan-assignments/${assignmentId}/accept`) === true, 60_000);
      const text = await pdfText(invite.attachments[0]!.content);
      expect(text).toContain('Quotaflow Demo Inc.');
      expect(text).toContain('Period: FY2026, from 2026-01-01 to 2026-12-31');
      expect(text).toContain('Currency: every amount in this plan is in USD');
      expect(text).toContain('Your quota: USD 1,400,000.00');
      expect(text).toMatch(/Please accept or decline by: \d{4}-\d{2}-\d{2}/);
      expect(text).toContain('Commission (commission)');
      expect(text).not.toMatch(/Commission: commission/);
      const accepted = await h.http('POST', `/api/v1/plan-assignments/${assignmentId}/accept`, { as: h.org.farRep, body: {}, headers: { 'Idempotency-Key': 'trust-pdf-0001' } });
      expect(accepted.status).toBe(200);
      const view = await eventually(async () => {
        const v = await h.http('GET', `/api/v1/plan-assignments/${assignmentId}`, { as: h.org.farRep });
        return v.body.decision ? v.body : undefined;
      }, 'the acceptance');
      expect(text).toContain(view.decision.rulesFingerprint);
      expect(view.decision.documentHash).toBe(view.document.sha256);
    });

    it('emails: one person per message, money formatted, the how-to instead of a link that answers 401', async () => {
      const { assignmentId } = await publishPlanTo(h, h.org.rep, '480000.00');
      const declined = await h.http('POST', `/api/v1/plan-assignments/${assignmentId}/decline`, { as: h.org.rep, body: { reason: 'territory too small' }, headers: { 'Idempotency-Key': 'trust-mail-0001' } });
      expect(declined.status).toBe(200);
      const toOps = await h.smtp.waitFor((m) => /declined/.test(m.subject ?? '') && m.text?.includes('territory too small') === true && JSON.stringify(m.to).includes(ops2.email), 60_000);
      const recipients = (toOps.to && 'value' in toOps.to ? toOps.to.value : []) as { address?: string }[];
      expect(recipients.map((r) => r.address)).toEqual([ops2.email]);
      const invite = h.smtp.messages.find((m) => m.text?.includes(`/plan-assignments/${assignmentId}/accept`))!;
      expect(invite.text).toContain('Your quota for the period: USD 480,000.00.');
      expect(invite.text).toContain('Quotaflow has no web portal yet');
    });
  });
});
