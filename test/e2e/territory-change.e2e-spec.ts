/**
 * Territory change end to end over HTTP: request, impact, decisions through the approval inbox,
 * apply on the effective date (today, so at once; the timer itself is proven on the
 * time-skipping server in the workflow spec), cancel before a future date, and refusals.
 */
import {
  AccountEntity, AccountOwnershipEntity, ApprovalDecisionEntity, AuditEventEntity, DealEntity, PersonEntity, TerritoryChangeEntity, TerritoryEntity,
} from '@quotaflow/persistence';
import { fromStage } from '../support/stages';
import { eventually, type Harness, startHarness } from './harness';

jest.setTimeout(180_000);

const DAY = 24 * 60 * 60 * 1000;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

describe('territory change, end to end over HTTP', () => {
  let h: Harness;
  let opsFin: PersonEntity;
  let olga: PersonEntity;
  const t: Record<'americas' | 'west' | 'bay' | 'east', TerritoryEntity> = {} as never;
  const acc: Record<string, AccountEntity> = {};
  // Each test takes today's date right before its request (never once per file), and derives every
  // other date from that one, so a run crossing UTC midnight still asks for today or later.
  const todayNow = (): string => isoDay(Date.now());

  beforeAll(async () => {
    h = await startHarness('territory-change');
    const people = h.db.getRepository(PersonEntity);
    const person = (name: string, roles: PersonEntity['roles']) =>
      people.save(people.create({ name, email: `${name.toLowerCase().replace(/\s+/g, '.')}@e2e.test`, roles, active: true, teamId: null, managerId: null, attributes: {} }));
    // Someone in both ops and finance: may sign either stage, but only one of them.
    opsFin = await person('Otto Opsfin', ['ops', 'finance']);
    olga = await person('Olga Ops', ['ops']);
    await people.update({ id: h.org.farRep.id }, { attributes: { annualQuota: '400000.00' } });

    const territories = h.db.getRepository(TerritoryEntity);
    t.americas = await territories.save(territories.create({ name: 'Americas' }));
    t.west = await territories.save(territories.create({ name: 'West Coast', parentId: t.americas.id, teamId: h.org.team.id, ownerPersonId: h.org.rep.id }));
    t.bay = await territories.save(territories.create({ name: 'Bay Area', parentId: t.west.id }));
    t.east = await territories.save(territories.create({ name: 'East Coast', parentId: t.americas.id, teamId: h.org.otherTeam.id, ownerPersonId: h.org.farRep.id }));
    const accounts: [string, TerritoryEntity][] = [['Acme', t.west], ['Globex', t.west], ['Initech', t.bay], ['Umbrella', t.west], ['Hooli', t.east]];
    for (const [name, territory] of accounts) {
      acc[name] = await h.db.getRepository(AccountEntity).save({ name, territoryId: territory.id });
      await h.db.getRepository(AccountOwnershipEntity).save({ accountId: acc[name].id, territoryId: territory.id, effectiveFrom: '2020-01-01', effectiveTo: null, changeId: null });
    }
    const deal = (account: string, amount: string, stage: DealEntity['stage'], daysAgo: number) =>
      h.db.getRepository(DealEntity).save({ accountId: acc[account].id, name: `${account} ${stage}`, amount, stage, closeDate: isoDay(Date.now() - daysAgo * DAY) });
    await deal('Acme', '80000.00', 'won', 30);
    await deal('Acme', '12000.00', 'won', 400); // outside the trailing year
    await deal('Globex', '20000.00', 'won', 100);
    await deal('Globex', '7500.00', 'open', -20);
    await deal('Initech', '10000.00', 'won', 10);
    await deal('Initech', '15000.00', 'open', -40);
    await deal('Umbrella', '99999.00', 'lost', 5);
    await deal('Hooli', '50000.00', 'won', 60);
  });

  afterAll(async () => {
    await h?.close();
  });

  const tasksFor = async (who: PersonEntity, changeId: string) => {
    const inbox = await h.http('GET', '/api/v1/me/approvals', { as: who });
    expect(inbox.status).toBe(200);
    return (inbox.body.tasks as { id: string; subject: string; stage: { id: string } }[]).filter((x) => x.subject === `territory-change:${changeId}`);
  };
  const taskOf = (who: PersonEntity, changeId: string, stageId: string) =>
    eventually(async () => (await tasksFor(who, changeId)).find((x) => x.stage.id === stageId), `${who.name}'s ${stageId} task`);
  const decide = async (who: PersonEntity, taskId: string, decision: 'approve' | 'reject', comment?: string) =>
    h.http('POST', `/api/v1/approvals/${taskId}/decisions`, { as: who, body: { decision, ...(comment ? { comment } : {}) } });
  const view = (id: string, as = h.org.ops) => h.http('GET', `/api/v1/territory-changes/${id}`, { as });
  const statusIs = (id: string, status: string) => eventually(async () => ((await view(id)).body.status === status ? (await view(id)).body : undefined), `status ${status}`);

  it('shows the territory tree with owners and account counts', async () => {
    const tree = await h.http('GET', '/api/v1/territories', { as: h.org.rep });
    expect(tree.status).toBe(200);
    const americas = tree.body.territories.find((x: { name: string }) => x.name === 'Americas');
    expect(americas).toMatchObject({ accountsCount: 0, totalAccountsCount: 5, owner: null });
    const west = americas.children.find((x: { name: string }) => x.name === 'West Coast');
    expect(west).toMatchObject({ accountsCount: 3, owner: { id: h.org.rep.id }, ownerIsInherited: false });
    expect(west.children[0]).toMatchObject({ name: 'Bay Area', accountsCount: 1, owner: { id: h.org.rep.id }, ownerIsInherited: true });
    const bay = await h.http('GET', `/api/v1/territories/${t.bay.id}`, { as: h.org.rep });
    expect(bay.body).toMatchObject({ path: [{ name: 'Americas' }, { name: 'West Coast' }], owner: { name: h.org.rep.name }, accounts: [{ id: acc.Initech.id, name: 'Initech' }] });
  });

  it('refuses invalid requests with the offending field', async () => {
    const today = todayNow();
    const body = { fromTerritoryId: t.west.id, toTerritoryId: t.east.id, accountIds: [acc.Umbrella.id], effectiveDate: today, reason: 'Rebalance' };
    const cases: [object, number, string, string][] = [
      [{ toTerritoryId: t.west.id }, 400, 'VALIDATION.FAILED', 'toTerritoryId'],
      [{ effectiveDate: isoDay(Date.now() - DAY) }, 400, 'VALIDATION.FAILED', 'effectiveDate'],
      [{ effectiveDate: '2027-02-30' }, 400, 'VALIDATION.FAILED', 'effectiveDate'],
      [{ accountIds: [acc.Hooli.id] }, 400, 'VALIDATION.FAILED', 'accountIds'],
      [{ accountIds: [] }, 400, 'VALIDATION.FAILED', 'accountIds'],
      [{ financeThreshold: 1000 }, 400, 'VALIDATION.FAILED', 'financeThreshold'],
    ];
    for (const [change, status, code, field] of cases) {
      const res = await h.http('POST', '/api/v1/territory-changes', { as: h.org.ops, body: { ...body, ...change } });
      expect([res.status, res.body.code, res.body.details?.[0]?.field]).toEqual([status, code, field]);
    }
    const rep = await h.http('POST', '/api/v1/territory-changes', { as: h.org.rep, body });
    expect([rep.status, rep.body.code]).toEqual([403, 'AUTH.FORBIDDEN']);
    expect(await h.db.getRepository(TerritoryChangeEntity).count()).toBe(0);
  });

  describe('above the finance threshold (Acme and Globex to East Coast), stage by stage', () => {
    // What each stage leaves for the next (fromStage fails a stage at once when the one it needs did not finish).
    let change: { id: string; today: string } | undefined;
    let managersApproved: true | undefined;
    let signed: true | undefined;
    let applied: true | undefined;

    it('ops requests it for today: the impact (revenue and pipeline moved, reps and managers affected) and three stages — both managers, ops, finance — with their approvers', async () => {
      const today = todayNow();
      const { ops, manager, otherManager, finance, rep, farRep } = h.org;
      const requested = await h.http('POST', '/api/v1/territory-changes', {
        as: ops, body: { fromTerritoryId: t.west.id, toTerritoryId: t.east.id, accountIds: [acc.Acme.id, acc.Globex.id], effectiveDate: today, reason: 'Acme and Globex opened East Coast offices', openQuotaAdjustment: true },
      });
      expect(requested.status).toBe(202);
      const id: string = requested.body.id;
      expect(requested.body).toMatchObject({ status: 'requested', workflowId: `territory-change:${id}` });

      const inReview = await statusIs(id, 'in_review');
      change = { id, today };
      expect(inReview.impact).toMatchObject({ revenueMoved: '100000.00', pipelineMoved: '7500.00', repsAffected: [rep.id, farRep.id], managersAffected: [manager.id, otherManager.id] });
      expect(inReview.stages.map((s: { id: string; approverIds: string[] }) => [s.id, [...s.approverIds].sort()])).toEqual([
        ['territory-managers', [manager.id, otherManager.id].sort()],
        ['ops', [olga.id, opsFin.id].sort()],
        ['finance', [finance.id, opsFin.id].sort()],
      ]);
    });

    it('the managers’ stage: the requester and an affected rep may not decide, a reject needs a comment, a decision counts once; the stage waits for both managers, who approve in parallel', async () => {
      const { id } = fromStage(change, 'the change requested and in review');
      const { ops, manager, otherManager, rep } = h.org;
      const miaTask = await taskOf(manager, id, 'territory-managers');
      // The requester and an affected rep are not approvers; nobody decides with another's task.
      expect((await decide(ops, miaTask.id, 'approve')).body.code).toBe('AUTH.NOT_AN_APPROVER');
      expect((await decide(rep, miaTask.id, 'approve')).status).toBe(403);
      expect(await tasksFor(ops, id)).toEqual([]);
      const noComment = await decide(manager, miaTask.id, 'reject');
      expect([noComment.status, noComment.body.code]).toEqual([400, 'VALIDATION.FAILED']);

      expect((await decide(manager, miaTask.id, 'approve')).status).toBe(200);
      const again = await decide(manager, miaTask.id, 'approve');
      expect([again.status, again.body.code]).toEqual([409, 'APPROVAL.ALREADY_DECIDED']);
      expect((await view(id)).body.openStageIds).toEqual(['territory-managers']);
      expect((await decide(otherManager, (await taskOf(otherManager, id, 'territory-managers')).id, 'approve')).status).toBe(200);
      managersApproved = true;
    });

    it('ops, then finance: Otto (ops and finance) signs the ops stage and may not sign finance too; Fay signs finance', async () => {
      const { id } = fromStage(change, 'the change requested and in review');
      fromStage(managersApproved, 'both managers’ approvals');
      const { finance } = h.org;
      expect((await decide(opsFin, (await taskOf(opsFin, id, 'ops')).id, 'approve')).status).toBe(200);
      const finTaskOfOpsFin = await taskOf(opsFin, id, 'finance');
      const second = await decide(opsFin, finTaskOfOpsFin.id, 'approve');
      expect([second.status, second.body.code]).toEqual([403, 'AUTH.SECOND_STAGE_SAME_PERSON']);
      expect((await decide(finance, (await taskOf(finance, id, 'finance')).id, 'approve')).status).toBe(200);
      signed = true;
    });

    it('applied today: the view shows the time the apply committed; the history audits every step (the quota adjustment suggested too) and each approval with the approver’s role; no task is left', async () => {
      const { id } = fromStage(change, 'the change requested and in review');
      fromStage(signed, 'every stage signed');
      const { manager, otherManager, finance } = h.org;
      await statusIs(id, 'applied');
      applied = true;
      // The apply commits the status with the data; the workflow audits right after.
      const body = await eventually(async () => {
        const b = (await view(id)).body;
        return b.history.some((e: { action: string }) => e.action === 'territory-change.quota-adjustment-suggested') ? b : undefined;
      }, 'quota adjustment audited');
      // The view shows the time the apply committed (the read model's own column).
      const stored = await h.db.getRepository(TerritoryChangeEntity).findOneByOrFail({ id });
      expect(stored.appliedAt).toBeInstanceOf(Date);
      expect(body.appliedAt).toBe(stored.appliedAt!.toISOString());
      const actions = body.history.map((e: { action: string }) => e.action.replace('territory-change.', ''));
      expect(actions).toEqual(expect.arrayContaining(['requested', 'impact-computed', 'routed', 'approved', 'approval-complete', 'scheduled', 'applied', 'quota-adjustment-suggested']));
      const decisions = body.history.filter((e: { action: string }) => e.action === 'territory-change.approved').map((e: { actorId: string; actorRole: string }) => [e.actorId, e.actorRole]);
      expect(decisions).toEqual([[manager.id, 'manager'], [otherManager.id, 'manager'], [opsFin.id, 'ops'], [finance.id, 'finance']]);
      expect(await tasksFor(opsFin, id)).toEqual([]);
    });

    it('from today the accounts and their credits belong to East Coast (Rosa); until yesterday to West Coast (Rita)', async () => {
      const { id, today } = fromStage(change, 'the change requested and in review');
      fromStage(applied, 'the change applied');
      const { rep, farRep } = h.org;
      const now = await h.http('GET', `/api/v1/accounts/${acc.Acme.id}/owner?date=${today}`, { as: rep });
      expect(now.body).toMatchObject({ territory: { id: t.east.id, name: 'East Coast' }, owner: { id: farRep.id }, period: { from: today, to: null, changeId: id } });
      const before = await h.http('GET', `/api/v1/accounts/${acc.Acme.id}/owner?date=${isoDay(Date.parse(`${today}T00:00:00Z`) - DAY)}`, { as: rep });
      expect(before.body).toMatchObject({ territory: { id: t.west.id }, owner: { id: rep.id }, period: { from: '2020-01-01', to: today } });
      expect((await h.db.getRepository(AccountEntity).findOneByOrFail({ id: acc.Globex.id })).territoryId).toBe(t.east.id);
    });

    it('an applied change can no longer be cancelled; the audit chain verifies', async () => {
      const { id } = fromStage(change, 'the change requested and in review');
      fromStage(applied, 'the change applied');
      const { ops } = h.org;
      const late = await h.http('POST', `/api/v1/territory-changes/${id}/cancel`, { as: ops, body: {} });
      expect([late.status, late.body.code]).toEqual([409, 'TERRITORY_CHANGE.ALREADY_APPLIED']);
      const verify = await h.http('GET', '/api/v1/audit/verify', { as: h.org.auditor });
      expect(verify.body).toMatchObject({ ok: true });
    });
  });

  it('below the threshold there is no finance stage; a manager may request and is then no approver', async () => {
    const today = todayNow();
    const { ops, manager, otherManager } = h.org;
    const requested = await h.http('POST', '/api/v1/territory-changes', {
      as: otherManager, body: { fromTerritoryId: t.east.id, toTerritoryId: t.bay.id, accountIds: [acc.Hooli.id], effectiveDate: today, reason: 'Hooli is run from the Bay Area' },
    });
    expect(requested.status).toBe(202);
    const id: string = requested.body.id;
    const inReview = await statusIs(id, 'in_review');
    expect(inReview.impact.revenueMoved).toBe('50000.00');
    expect(inReview.stages.map((s: { id: string }) => s.id)).toEqual(['territory-managers', 'ops']);
    expect(inReview.stages[0].approverIds).toEqual([manager.id]);
    expect((await decide(manager, (await taskOf(manager, id, 'territory-managers')).id, 'approve')).status).toBe(200);
    expect((await decide(ops, (await taskOf(ops, id, 'ops')).id, 'approve')).status).toBe(200);
    await statusIs(id, 'applied');
    const owner = await h.http('GET', `/api/v1/accounts/${acc.Hooli.id}/owner`, { as: ops });
    expect(owner.body).toMatchObject({ territory: { name: 'Bay Area' }, owner: { id: h.org.rep.id } });
  });

  it("the auditor's trace of an applied change: every stage and decision as JSON, every event as CSV", async () => {
    const today = todayNow();
    const { ops, manager, otherManager, auditor, rep } = h.org;
    // An account of this test's own (the tree test counts the others).
    const wonka = await h.db.getRepository(AccountEntity).save({ name: 'Wonka', territoryId: t.east.id });
    await h.db.getRepository(AccountOwnershipEntity).save({ accountId: wonka.id, territoryId: t.east.id, effectiveFrom: '2020-01-01', effectiveTo: null, changeId: null });
    const requested = await h.http('POST', '/api/v1/territory-changes', {
      as: otherManager, body: { fromTerritoryId: t.east.id, toTerritoryId: t.bay.id, accountIds: [wonka.id], effectiveDate: today, reason: 'Wonka buys through the Bay Area' },
    });
    expect(requested.status).toBe(202);
    const id: string = requested.body.id;
    await statusIs(id, 'in_review');
    expect((await decide(manager, (await taskOf(manager, id, 'territory-managers')).id, 'approve', 'Bay Area has the capacity')).status).toBe(200);
    expect((await decide(ops, (await taskOf(ops, id, 'ops')).id, 'approve')).status).toBe(200);
    await statusIs(id, 'applied');
    const subject = `territory-change:${id}`;
    const trace = await eventually(async () => {
      const res = await h.http('GET', `/api/v1/audit/trace/${subject}`, { as: auditor });
      return res.body?.events?.some((e: { action: string }) => e.action === 'territory-change.applied') ? res : undefined;
    }, 'the applied change in the trace');
    expect(trace.status).toBe(200);
    const actions = trace.body.events.map((e: { action: string }) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['territory-change.requested', 'territory-change.routed', 'territory-change.approved', 'territory-change.applied']));
    expect(actions.filter((a: string) => a === 'territory-change.approved')).toHaveLength(2);
    expect(trace.body.stages.map((s: { stageId: string; approverId: string; status: string; decision: string | null }) => [s.stageId, s.approverId, s.status, s.decision])).toEqual(
      expect.arrayContaining([['territory-managers', manager.id, 'done', 'approve'], ['ops', ops.id, 'done', 'approve']]),
    );
    expect(trace.body.decisions.map((d: { stage: string; approverId: string; decision: string }) => [d.stage, d.approverId, d.decision])).toEqual([
      ['territory-managers', manager.id, 'approve'],
      ['ops', ops.id, 'approve'],
    ]);
    const csv = await h.http('GET', `/api/v1/audit/trace/${subject}?format=csv`, { as: auditor });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    const lines = (csv.body as string).trim().split('\r\n');
    expect(lines[0]).toBe('eventId,at,action,actorId,actorName,actorRole,stage,decision,version,comment,workflowId,runId,hash');
    expect(lines).toHaveLength(trace.body.events.length + 1);
    expect(lines.filter((l) => l.includes('territory-change.approved') && l.includes(manager.id) && l.includes('Bay Area has the capacity'))).toHaveLength(1);
    expect(lines.filter((l) => l.includes('territory-change.applied') && l.includes(`territory-change:${id}`))).toHaveLength(1);
    expect((await h.http('GET', `/api/v1/audit/trace/${subject}?format=csv`, { as: rep })).status).toBe(403);
  });

  it('with a future effective date the change waits, and the requester cancels it before then', async () => {
    const { ops, manager, otherManager, farRep } = h.org;
    const effectiveDate = isoDay(Date.now() + 30 * DAY);
    const requested = await h.http('POST', '/api/v1/territory-changes', {
      as: ops, body: { fromTerritoryId: t.bay.id, toTerritoryId: t.east.id, accountIds: [acc.Initech.id], effectiveDate, reason: 'Next quarter' },
    });
    const id: string = requested.body.id;
    await statusIs(id, 'in_review');
    expect((await decide(manager, (await taskOf(manager, id, 'territory-managers')).id, 'approve')).status).toBe(200);
    expect((await decide(otherManager, (await taskOf(otherManager, id, 'territory-managers')).id, 'approve')).status).toBe(200);
    expect((await decide(olga, (await taskOf(olga, id, 'ops')).id, 'approve')).status).toBe(200);
    const scheduled = await statusIs(id, 'scheduled');
    expect(new Date(scheduled.nextDeadline).toISOString()).toBe(`${effectiveDate}T00:00:00.000Z`);

    const byRep = await h.http('POST', `/api/v1/territory-changes/${id}/cancel`, { as: farRep, body: {} });
    expect([byRep.status, byRep.body.code]).toEqual([403, 'AUTH.FORBIDDEN']);
    const byManager = await h.http('POST', `/api/v1/territory-changes/${id}/cancel`, { as: manager, body: {} });
    expect([byManager.status, byManager.body.code]).toEqual([403, 'AUTH.FORBIDDEN']);
    const cancelled = await h.http('POST', `/api/v1/territory-changes/${id}/cancel`, { as: ops, body: { comment: 'Reorg postponed' } });
    expect(cancelled.status).toBe(200);
    const final = await statusIs(id, 'cancelled');
    expect(final).toMatchObject({ cancelledById: ops.id, nextDeadline: null });
    const twice = await h.http('POST', `/api/v1/territory-changes/${id}/cancel`, { as: ops, body: {} });
    expect([twice.status, twice.body.code]).toEqual([409, 'TERRITORY_CHANGE.ALREADY_CANCELLED']);
    expect((await h.db.getRepository(AccountEntity).findOneByOrFail({ id: acc.Initech.id })).territoryId).toBe(t.bay.id);
    expect(await h.db.getRepository(AccountOwnershipEntity).countBy({ changeId: id })).toBe(0);
  });
  it('two approvers of a parallel stage deciding at the same moment (each request sent twice) are both recorded once', async () => {
    const { ops, manager, otherManager } = h.org;
    const requested = await h.http('POST', '/api/v1/territory-changes', {
      as: ops, body: { fromTerritoryId: t.west.id, toTerritoryId: t.east.id, accountIds: [acc.Umbrella.id], effectiveDate: isoDay(Date.now() + 60 * DAY), reason: 'Simultaneous decisions' },
    });
    expect(requested.status).toBe(202);
    const id: string = requested.body.id;
    await statusIs(id, 'in_review');
    const [mine, theirs] = await Promise.all([taskOf(manager, id, 'territory-managers'), taskOf(otherManager, id, 'territory-managers')]);
    const send = (who: PersonEntity, taskId: string, key: string) =>
      h.http('POST', `/api/v1/approvals/${taskId}/decisions`, { as: who, body: { decision: 'approve' }, headers: { 'Idempotency-Key': key } });
    const answers = await Promise.all([
      send(manager, mine.id, `simul-${id}-a`), send(otherManager, theirs.id, `simul-${id}-b`),
      send(manager, mine.id, `simul-${id}-a`), send(otherManager, theirs.id, `simul-${id}-b`),
    ]);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    // The stage is complete with exactly one decision per approver; the request moved on to ops.
    await taskOf(olga, id, 'ops');
    const decisions = await h.db.getRepository(ApprovalDecisionEntity).findBy({ subject: `territory-change:${id}`, stage: 'territory-managers' });
    expect(decisions.map((d) => d.approverId).sort()).toEqual([manager.id, otherManager.id].sort());
    const approvals = await h.db.getRepository(AuditEventEntity).findBy({ subject: `territory-change:${id}`, action: 'territory-change.approved' });
    expect(approvals).toHaveLength(2);
    expect((await h.http('POST', `/api/v1/territory-changes/${id}/cancel`, { as: ops, body: { comment: 'done testing' } })).status).toBe(200);
  });
});
