import { QuotaLineEntity, QuotaSetVersionEntity } from '@quotaflow/persistence';
import type { PersonEntity } from '@quotaflow/persistence';
import { fromStage } from '../support/stages';
import { eventually, type Harness, startHarness } from './harness';

jest.setTimeout(240_000);

/**
 * Quota sign-off over HTTP: ops proposes and submits; West (Mia: Rita, Ravi) and East (Max: Rosa)
 * are signed off in parallel, then finance (Fay), then each rep acknowledges. Decisions go through
 * the approval inbox (`POST /approvals/:taskId/decisions`), mail through a real SMTP server.
 */
describe('quota sign-off, end to end over HTTP', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness('quota-signoff');
  });

  afterAll(async () => {
    await h?.close();
  });

  const mailsTo = (email: string) => h.smtp.messages.filter((m) => (m.to && 'text' in m.to ? m.to.text : JSON.stringify(m.to)).includes(email));

  /** The person's open inbox task on this set (waits for the workflow to open it). */
  async function taskOf(person: PersonEntity, quotaSetId: string, stagePrefix: string) {
    return eventually(async () => {
      const inbox = await h.http('GET', '/api/v1/me/approvals', { as: person });
      const tasks = (inbox.body?.tasks ?? []) as { id: string; subject: string; stage: { id: string; visit: number }; summary: string }[];
      return tasks.find((t) => t.subject === `quota-set:${quotaSetId}` && t.stage.id.startsWith(stagePrefix));
    }, `${person.name}'s ${stagePrefix} task`, 60_000);
  }

  async function decide(person: PersonEntity, quotaSetId: string, stagePrefix: string, decision: string, comment?: string) {
    const task = await taskOf(person, quotaSetId, stagePrefix);
    const res = await h.http('POST', `/api/v1/approvals/${task.id}/decisions`, {
      as: person, body: comment ? { decision, comment } : { decision }, headers: { 'Idempotency-Key': `qs-${task.id}` },
    });
    expect([res.status, res.body?.code]).toEqual([200, undefined]);
    return task;
  }

  const view = (id: string, as: PersonEntity = h.org.ops) => h.http('GET', `/api/v1/quota-sets/${id}`, { as });
  const waitStatus = (id: string, status: string) =>
    eventually(async () => {
      const res = await view(id);
      return res.body?.status === status ? res.body : undefined;
    }, `quota set ${status}`, 60_000);

  /** The 2026-Q1 proposal of the demo teams: West 600k (Rita, Ravi), East 400k (Rosa). */
  const q1Body = () => {
    const { rep, otherRep, farRep, team, otherTeam } = h.org;
    return {
      periodId: '2026-Q1', periodStart: '2026-01-01', periodEnd: '2026-03-31', companyTarget: '1000000.00',
      teamTargets: { [team.id]: '600000.00', [otherTeam.id]: '400000.00' },
      quotas: [{ personId: rep.id, amount: '300000.00' }, { personId: otherRep.id, amount: '300000.00' }, { personId: farRep.id, amount: '350000.00' }],
    };
  };

  it('refuses a proposal with the stable code and the offending field; only ops proposes; nothing is written', async () => {
    const { ops, manager, team } = h.org;
    const body = q1Body();
    const before = await h.db.getRepository(QuotaSetVersionEntity).count();
    const notOps = await h.http('POST', '/api/v1/quota-sets', { as: manager, body });
    expect([notOps.status, notOps.body.code]).toEqual([403, 'AUTH.FORBIDDEN']);
    const float = await h.http('POST', '/api/v1/quota-sets', { as: ops, body: { ...body, companyTarget: 1000000.5 } });
    expect([float.status, float.body.code, float.body.details[0].field]).toEqual([400, 'VALIDATION.FAILED', 'companyTarget']);
    const teamless = await h.http('POST', '/api/v1/quota-sets', { as: ops, body: { ...body, teamTargets: { [team.id]: '600000.00' } } });
    expect([teamless.status, teamless.body.code, teamless.body.details.field]).toEqual([400, 'VALIDATION.FAILED', 'quotas[2].personId']);
    expect(await h.db.getRepository(QuotaSetVersionEntity).count()).toBe(before);
  });

  describe('the 2026-Q1 sign-off story, stage by stage', () => {
    // What each stage leaves for the next (fromStage fails a stage at once when the one before did not finish).
    let id: string | undefined;
    let teamTasks: { mia: { id: string }; max: { id: string } } | undefined;
    let adjusted: true | undefined;
    let returnedToOps: true | undefined;
    let financeApproved: true | undefined;
    let locked: true | undefined;
    let lockedForGood: true | undefined;
    let v4InForce: true | undefined;

    it('ops proposes version 1 (the 50,000.00 shortfall flagged) and submits it; a second submit is the same', async () => {
      const { ops } = h.org;
      const created = await h.http('POST', '/api/v1/quota-sets', { as: ops, body: q1Body() });
      expect(created.status).toBe(201);
      const setId: string = created.body.id;
      expect(created.body).toMatchObject({ status: 'draft', currentVersion: 1, flags: { shortfall: '50000.00', shortfallFlag: true } });

      const submitted = await h.http('POST', `/api/v1/quota-sets/${setId}/submit`, { as: ops });
      expect(submitted.status).toBe(202);
      expect(submitted.body.status).toBe('in_review');
      id = setId;
      expect((await h.http('POST', `/api/v1/quota-sets/${setId}/submit`, { as: ops })).status).toBe(202); // idempotent
    });

    it('both team stages open at once, and the manager gets the email asking for the decision', async () => {
      const setId = fromStage(id, 'the proposal submitted');
      const { manager, otherManager, team, otherTeam } = h.org;
      const miaTask = await taskOf(manager, setId, 'team:');
      const maxTask = await taskOf(otherManager, setId, 'team:');
      teamTasks = { mia: miaTask, max: maxTask };
      expect([miaTask.stage.id, maxTask.stage.id]).toEqual([`team:${team.id}`, `team:${otherTeam.id}`]);
      await h.smtp.waitFor((m) => mailsTo(manager.email).includes(m) && /Waiting for you: Quota set 2026-Q1 .* — Team West manager approval/.test(m.subject ?? ''), 60_000);
    });

    it('Mia moves quota between her reps (version 2, team total unchanged); a changed team total, another team’s manager and the requester deciding are refused', async () => {
      const setId = fromStage(id, 'the proposal submitted');
      const { mia } = fromStage(teamTasks, 'both team stages open');
      const { ops, manager, otherManager, rep, otherRep, team } = h.org;
      const moved = await h.http('POST', `/api/v1/quota-sets/${setId}/adjustments`, {
        as: manager, body: { teamId: team.id, changes: [{ personId: rep.id, amount: '280000.00' }, { personId: otherRep.id, amount: '320000.00' }], comment: 'Ravi has the bigger patch' },
      });
      expect([moved.status, moved.body.currentVersion]).toEqual([200, 2]);
      adjusted = true;
      const totalMoves = await h.http('POST', `/api/v1/quota-sets/${setId}/adjustments`, {
        as: manager, body: { teamId: team.id, changes: [{ personId: rep.id, amount: '1.00' }], comment: 'oops' },
      });
      expect(totalMoves.body.code).toBe('QUOTA.TEAM_TOTAL_CHANGED');
      const foreign = await h.http('POST', `/api/v1/quota-sets/${setId}/adjustments`, {
        as: otherManager, body: { teamId: team.id, changes: [{ personId: rep.id, amount: '300000.00' }, { personId: otherRep.id, amount: '300000.00' }], comment: 'x' },
      });
      expect([foreign.status, foreign.body.code]).toEqual([403, 'AUTH.NOT_AN_APPROVER']);
      // Ops (the requester) cannot decide a manager's task.
      const opsDecides = await h.http('POST', `/api/v1/approvals/${mia.id}/decisions`, { as: ops, body: { decision: 'approve' } });
      expect(opsDecides.status).toBe(403);
    });

    it('Mia approves, Max rejects East: the set returns to ops with his comment, by email too', async () => {
      const setId = fromStage(id, 'the proposal submitted');
      fromStage(teamTasks, 'both team stages open');
      fromStage(adjusted, 'Mia’s adjustment (version 2)');
      const { ops, manager, otherManager } = h.org;
      await decide(manager, setId, 'team:', 'approve');
      await decide(otherManager, setId, 'team:', 'reject', 'East cannot carry 350k with Rosa alone');
      const returned = await waitStatus(setId, 'returned');
      expect(returned.workflow.returned).toMatchObject({ byId: otherManager.id, comment: 'East cannot carry 350k with Rosa alone' });
      returnedToOps = true;
      const returnMail = await h.smtp.waitFor((m) => mailsTo(ops.email).includes(m) && /returned/.test(m.subject ?? ''), 60_000);
      expect(returnMail.text).toContain('East cannot carry 350k with Rosa alone');
    });

    it('ops revises (version 3, a new round of the same workflow); both managers approve; finance’s task and email say what finance weighs; finance approves', async () => {
      const setId = fromStage(id, 'the proposal submitted');
      fromStage(returnedToOps, 'the set returned to ops');
      const { ops, finance, manager, otherManager, rep, otherRep, farRep, team, otherTeam } = h.org;
      const revised = await h.http('POST', `/api/v1/quota-sets/${setId}/revisions`, {
        as: ops,
        body: {
          companyTarget: '1000000.00', teamTargets: { [team.id]: '650000.00', [otherTeam.id]: '350000.00' },
          quotas: [{ personId: rep.id, amount: '300000.00' }, { personId: otherRep.id, amount: '350000.00' }, { personId: farRep.id, amount: '350000.00' }],
          comment: 'West takes 50k from East',
        },
      });
      expect([revised.status, revised.body.status, revised.body.currentVersion]).toEqual([200, 'in_review', 3]);

      await decide(manager, setId, 'team:', 'approve');
      await decide(otherManager, setId, 'team:', 'approve', 'fine now');
      const financeTask = await taskOf(finance, setId, 'finance');
      expect(financeTask.summary).toBe('Quota set 2026-Q1 (2026-01-01 to 2026-03-31), version 3');
      // What finance weighs is in finance's own email, not in a summary every task shows.
      const financeMail = await h.smtp.waitFor((m) => mailsTo(finance.email).includes(m) && /Finance approval of the quota set/.test(m.subject ?? ''), 60_000);
      expect(financeMail.text).toContain('The rep quotas add up to USD 1,000,000.00 against a company target of USD 1,000,000.00. It meets the company target.');
      await decide(finance, setId, 'finance', 'approve');
      financeApproved = true;
    });

    it('every rep acknowledges their own quota: the set locks on version 3 with its version history, and the reps are told', async () => {
      const setId = fromStage(id, 'the proposal submitted');
      fromStage(financeApproved, 'finance’s approval of version 3');
      const { rep, otherRep, farRep } = h.org;
      for (const person of [rep, otherRep, farRep]) await decide(person, setId, 'acknowledge:', 'acknowledge');
      const set = await waitStatus(setId, 'locked');
      locked = true;
      expect(set).toMatchObject({ effectiveVersion: 3, currentVersion: 3, flagged: false });
      expect(set.versions.map((v: { version: number; reason: string; locked: boolean }) => [v.version, v.reason, v.locked])).toEqual([
        [1, 'submission', false], [2, 'manager-adjustment', false], [3, 'revision', true],
      ]);
      expect(set.versions[1].comment).toBe('Ravi has the bigger patch');
      expect(set.versions[2].lines.every((l: { acknowledgedAt: string | null }) => l.acknowledgedAt !== null)).toBe(true);
      await h.smtp.waitFor((m) => mailsTo(rep.email).includes(m) && /locked/.test(m.subject ?? ''), 60_000);
    });

    it('who sees what of the locked set: a manager their team, a rep their own line; the engine quotas for finance, not for a rep', async () => {
      const setId = fromStage(id, 'the proposal submitted');
      fromStage(locked, 'the set locked on version 3');
      const { finance, otherManager, rep, farRep } = h.org;
      const asManager = (await view(setId, otherManager)).body;
      expect(asManager.versions[2].lines.map((l: { personId: string }) => l.personId)).toEqual([farRep.id]);
      expect(asManager.companyTarget).toBeNull();
      const asRep = (await view(setId, rep)).body;
      expect(asRep.versions[2].lines).toEqual([expect.objectContaining({ personId: rep.id, amount: '300000.00' })]);
      const mine = await h.http('GET', '/api/v1/me/quotas', { as: rep });
      expect(mine.body.quotas).toEqual([expect.objectContaining({ quotaSetId: setId, periodId: '2026-Q1', amount: '300000.00', version: 3 })]);
      const engine = await h.http('GET', `/api/v1/quota-sets/${setId}/engine-quotas`, { as: finance });
      expect(engine.body).toEqual({
        periodId: '2026-Q1', version: 3,
        participants: expect.arrayContaining([{ id: rep.id, quota: { '2026-Q1': '300000.00' } }, { id: farRep.id, quota: { '2026-Q1': '350000.00' } }]),
      });
      expect((await h.http('GET', `/api/v1/quota-sets/${setId}/engine-quotas`, { as: rep })).status).toBe(403);
    });

    it('locked means immutable, even for the database owner; a second set for the same period is refused (a change is a revision)', async () => {
      const setId = fromStage(id, 'the proposal submitted');
      fromStage(locked, 'the set locked on version 3');
      const { ops, rep } = h.org;
      const v3 = await h.db.getRepository(QuotaSetVersionEntity).findOneByOrFail({ quotaSetId: setId, version: 3 });
      await expect(h.db.getRepository(QuotaLineEntity).update({ quotaSetVersionId: v3.id, personId: rep.id }, { amount: '1.00' })).rejects.toThrow(/immutable/);
      await expect(h.db.getRepository(QuotaSetVersionEntity).update({ id: v3.id }, { locked: false, lockedAt: null })).rejects.toThrow(/stays locked|immutable/);
      await expect(h.db.getRepository(QuotaLineEntity).delete({ quotaSetVersionId: v3.id })).rejects.toThrow(/DELETE refused/);
      const second = await h.http('POST', '/api/v1/quota-sets', { as: ops, body: q1Body() });
      expect([second.status, second.body.code]).toEqual([409, 'QUOTA_SET.ALREADY_LOCKED']);
      lockedForGood = true;
    });

    it('a mid-period change: version 4 through the same workflow type, version 3 in force until version 4 locks, then superseded by it', async () => {
      const setId = fromStage(id, 'the proposal submitted');
      fromStage(lockedForGood, 'the locked set refusing changes');
      const { ops, finance, manager, otherManager, rep, otherRep, farRep, team, otherTeam } = h.org;
      const change = await h.http('POST', `/api/v1/quota-sets/${setId}/revisions`, {
        as: ops,
        body: {
          companyTarget: '1000000.00', teamTargets: { [team.id]: '650000.00', [otherTeam.id]: '350000.00' },
          quotas: [{ personId: rep.id, amount: '320000.00' }, { personId: otherRep.id, amount: '330000.00' }, { personId: farRep.id, amount: '350000.00' }],
          comment: 'Rita takes over an account in February',
        },
      });
      expect([change.status, change.body.status, change.body.currentVersion, change.body.effectiveVersion, change.body.workflowId]).toEqual([
        200, 'in_review', 4, 3, `quota-signoff:${setId}:v4`,
      ]);
      expect((await h.http('GET', '/api/v1/me/quotas', { as: rep })).body.quotas[0].amount).toBe('300000.00');
      await decide(manager, setId, 'team:', 'approve');
      await decide(otherManager, setId, 'team:', 'approve');
      await decide(finance, setId, 'finance', 'approve');
      for (const person of [rep, otherRep, farRep]) await decide(person, setId, 'acknowledge:', 'acknowledge');
      const relocked = await eventually(async () => {
        const res = await view(setId);
        return res.body?.effectiveVersion === 4 ? res.body : undefined;
      }, 'version 4 in force', 60_000);
      v4InForce = true;
      expect(relocked.versions[2]).toMatchObject({ version: 3, locked: true, supersededByVersion: 4 });
      expect(relocked.versions[3]).toMatchObject({ version: 4, locked: true, reason: 'mid-period-change', supersededByVersion: null });
      expect((await h.http('GET', '/api/v1/me/quotas', { as: rep })).body.quotas.map((q: { amount: string }) => q.amount)).toEqual(['320000.00']);
    });

    it('the auditor’s trail names every step with its actor, role, workflow and run, and the audit chain verifies', async () => {
      const setId = fromStage(id, 'the proposal submitted');
      fromStage(v4InForce, 'version 4 in force');
      const { otherManager, auditor } = h.org;
      const trail = await h.http('GET', `/api/v1/audit?subject=quota-set:${setId}&limit=1000`, { as: auditor });
      expect(trail.status).toBe(200);
      const events = trail.body.events as { action: string; actorId: string | null; actorRole: string | null; workflowId: string | null; runId: string | null; comment: string | null }[];
      const actions = events.map((e) => e.action);
      for (const action of ['quota-set.created', 'quota-set.submitted', 'quota-set.adjusted', 'quota-set.approved', 'quota-set.rejected', 'quota-set.returned',
        'quota-set.revised', 'quota-set.acknowledged', 'quota-set.locked', 'quota-set.change-proposed', 'quota-set.change-submitted']) {
        expect(actions).toContain(action);
      }
      expect(events.find((e) => e.action === 'quota-set.rejected')).toMatchObject({ actorId: otherManager.id, actorRole: 'manager', comment: 'East cannot carry 350k with Rosa alone' });
      expect(events.filter((e) => e.action === 'quota-set.locked').map((e) => e.workflowId)).toEqual([`quota-signoff:${setId}`, `quota-signoff:${setId}:v4`]);
      expect(events.filter((e) => e.workflowId).every((e) => e.runId)).toBe(true);
      expect((await h.http('GET', '/api/v1/audit/verify', { as: auditor })).body.ok).toBe(true);
    });
  });

  it('finance rejects: both teams are asked again (visit 2), finance after them; the trace shows it as JSON and CSV', async () => {
    const { ops, finance, manager, otherManager, rep, otherRep, farRep, team, otherTeam, auditor } = h.org;
    // A period of this test's own; it never locks, so the 2026-Q1 story's quotas stay as they are.
    const created = await h.http('POST', '/api/v1/quota-sets', {
      as: ops,
      body: {
        periodId: '2026-Q3', periodStart: '2026-07-01', periodEnd: '2026-09-30', companyTarget: '900000.00',
        teamTargets: { [team.id]: '500000.00', [otherTeam.id]: '400000.00' },
        quotas: [{ personId: rep.id, amount: '250000.00' }, { personId: otherRep.id, amount: '250000.00' }, { personId: farRep.id, amount: '400000.00' }],
      },
    });
    expect(created.status).toBe(201);
    const id: string = created.body.id;
    expect((await h.http('POST', `/api/v1/quota-sets/${id}/submit`, { as: ops })).status).toBe(202);
    const first = [await decide(manager, id, 'team:', 'approve'), await decide(otherManager, id, 'team:', 'approve')];
    expect(first.map((t) => [t.stage.id, t.stage.visit])).toEqual([[`team:${team.id}`, 1], [`team:${otherTeam.id}`, 1]]);
    const financeTask = await decide(finance, id, 'finance', 'reject', 'East is light for Q3');
    expect([financeTask.stage.id, financeTask.stage.visit]).toEqual(['finance', 1]);

    // One stage back: both team stages open again (visit 2); the set is not returned to ops.
    const again = [await taskOf(manager, id, 'team:'), await taskOf(otherManager, id, 'team:')];
    expect(again.map((t) => [t.stage.id, t.stage.visit])).toEqual([[`team:${team.id}`, 2], [`team:${otherTeam.id}`, 2]]);
    expect((await view(id)).body.status).toBe('in_review');
    await decide(manager, id, 'team:', 'approve', 'West stands');
    await decide(otherManager, id, 'team:', 'approve', 'East stands');
    const financeAgain = await taskOf(finance, id, 'finance');
    expect([financeAgain.stage.id, financeAgain.stage.visit]).toEqual(['finance', 2]);

    const trace = await h.http('GET', `/api/v1/audit/trace/quota-set:${id}`, { as: auditor });
    expect(trace.status).toBe(200);
    expect(trace.body.decisions.map((d: { stage: string; approverId: string; decision: string; comment: string | null }) => [d.stage, d.approverId, d.decision, d.comment])).toEqual([
      [`team:${team.id}`, manager.id, 'approve', null],
      [`team:${otherTeam.id}`, otherManager.id, 'approve', null],
      ['finance', finance.id, 'reject', 'East is light for Q3'],
      [`team:${team.id}`, manager.id, 'approve', 'West stands'],
      [`team:${otherTeam.id}`, otherManager.id, 'approve', 'East stands'],
    ]);
    const events = trace.body.events as { action: string; actorId: string | null; actorRole: string | null; comment: string | null }[];
    expect(events.filter((e) => e.action === 'quota-set.rejected').map((e) => [e.actorId, e.actorRole, e.comment])).toEqual([[finance.id, 'finance', 'East is light for Q3']]);
    expect(events.map((e) => e.action)).toEqual(expect.arrayContaining(['quota-set.created', 'quota-set.submitted', 'quota-set.approved', 'quota-set.rejected']));
    const csv = await h.http('GET', `/api/v1/audit/trace/quota-set:${id}?format=csv`, { as: auditor });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    const lines = (csv.body as string).trim().split('\r\n');
    expect(lines[0]).toBe('eventId,at,action,actorId,actorName,actorRole,stage,decision,version,comment,workflowId,runId,hash');
    expect(lines).toHaveLength(events.length + 1);
    expect(lines.filter((l) => l.includes('quota-set.rejected') && l.includes(finance.id) && l.includes('East is light for Q3'))).toHaveLength(1);
    expect((await h.http('GET', `/api/v1/audit/trace/quota-set:${id}`, { as: rep })).status).toBe(403);
  });
});
