import { calculate, explainLine, formatMoney, type ParticipantPeriodOutput } from '@quotaflow/domain';
import {
  AccountEntity, AccountOwnershipEntity, DealEntity, PersonEntity, PlanAssignmentEntity, QuotaSetEntity, QuotaSetRepository, TerritoryEntity,
} from '@quotaflow/persistence';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { pdfText } from '../support/pdf';
import { fromStage } from '../support/stages';
import { addPerson, closeTaskOf } from './fixtures';
import { eventually, type Harness, startHarness } from './harness';

jest.setTimeout(240_000);

const ROOT = resolve(__dirname, '../..');

/** `npm run close:verify -- <periodId>` as a person runs it, against this harness's database. */
function closeVerify(h: Harness, periodId: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('npm', ['run', '--silent', 'close:verify', '--', periodId], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...h.env }, timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** As the tables' owner, the close's immutability trigger off for this one statement: what a tampering owner could do. */
async function tamper(h: Harness, table: 'payouts' | 'close_snapshots', sql: string, params: unknown[]): Promise<void> {
  await h.db.transaction(async (m) => {
    await m.query(`ALTER TABLE ${table} DISABLE TRIGGER ${table}_closed_immutable`);
    await m.query(sql, params);
    await m.query(`ALTER TABLE ${table} ENABLE TRIGGER ${table}_closed_immutable`);
  });
}

const PERIOD = { key: '2026-01', start: '2026-01-01', end: '2026-01-31' };
/** Commission on attainment of the month's quota: 5% up to 100%, 8% above. */
const PLAN = {
  id: 'close-ae',
  components: [{ id: 'commission', kind: 'commission', window: 'period', basis: 'attainment', table: { split: 'step', tiers: [{ from: 0, rate: '0.05' }, { from: 1, rate: '0.08' }] } }],
};

/**
 * The monthly close over HTTP, against real PostgreSQL, Temporal and SMTP: ops creates the period,
 * finance (Fay) starts the close; it freezes the won deals of January (a territory-credited one,
 * a split one, an East one; February's and an open one left out), calculates, and routes the
 * approvals — West (Mia) and East (Max) in parallel, then finance (Fred: Fay started it, so she may
 * not approve it), then ops (Omar) for the payroll export. Fred rejects version 1: version 2 is
 * calculated and every approval is asked again. After the last approval every rep gets one
 * statement email with a PDF whose figures are the engine's; the period is closed and the
 * database refuses to change its payouts.
 */
describe('monthly close, end to end over HTTP', () => {
  let h: Harness;
  let inputs: Awaited<ReturnType<typeof seedInputs>>;

  let secondFinance: PersonEntity;

  beforeAll(async () => {
    h = await startHarness('close');
    inputs = await seedInputs();
    secondFinance = await addPerson(h, 'Fred Finance', ['finance']);
  });

  afterAll(async () => {
    await h?.close();
  });

  const subjectOf = (periodId: string) => `close:${periodId}`;

  const taskOf = (person: PersonEntity, periodId: string, stagePrefix: string, round: number) => closeTaskOf(h, person, periodId, stagePrefix, round);

  async function decide(person: PersonEntity, periodId: string, stagePrefix: string, round: number, decision: string, comment?: string) {
    const task = await taskOf(person, periodId, stagePrefix, round);
    const res = await h.http('POST', `/api/v1/approvals/${task.id}/decisions`, {
      as: person, body: comment ? { decision, comment } : { decision }, headers: { 'Idempotency-Key': `close-${task.id}` },
    });
    expect([res.status, res.body?.code]).toEqual([200, undefined]);
    return task;
  }

  const closeView = (periodId: string) => h.http('GET', `/api/v1/periods/${periodId}/close`, { as: h.org.finance });
  const verification = (as: PersonEntity, periodId: string) => h.http('GET', `/api/v1/periods/${periodId}/verification`, { as });

  /** The engine's own figures for the same inputs, by rep. */
  const figures = () => {
    const { rep, otherRep, farRep } = h.org;
    const engine = calculate({
      currency: 'USD', periods: [{ id: PERIOD.key, start: PERIOD.start, end: PERIOD.end }], plans: [{ ...PLAN, id: inputs.planVersionId }],
      participants: [rep, otherRep, farRep].map((p) => ({ id: p.id, planId: inputs.planVersionId, quota: { [PERIOD.key]: inputs.quotas[p.id]! } })),
      transactions: inputs.transactions,
    });
    return new Map(engine.periods[0]!.participants.map((r) => [r.participantId, r]));
  };

  /** Plan, accepted assignments, a locked quota set and January's deals, written as their own flows leave them. */
  async function seedInputs() {
    const { ops, rep, otherRep, farRep, team, otherTeam } = h.org;
    const created = await h.http('POST', '/api/v1/plans', {
      as: ops, body: { key: 'close-ae', name: 'Close AE', periodLabel: 'FY2026', effectiveFrom: '2026-01-01', effectiveTo: '2026-12-31', document: PLAN },
    });
    expect(created.status).toBe(201);
    const planVersionId = created.body.versions[0].id as string;
    const quotas: Record<string, string> = { [rep.id]: '50000.00', [otherRep.id]: '40000.00', [farRep.id]: '60000.00' };
    const assignments = h.db.getRepository(PlanAssignmentEntity);
    for (const person of [rep, otherRep, farRep]) {
      await assignments.save(assignments.create({
        planVersionId, personId: person.id, quota: quotas[person.id]!, status: 'accepted', workflowId: `plan-acceptance:fixture-${person.id}`,
        settings: { managerPreApproval: false, reminderEveryDays: 3, escalateAfterDays: 7, expireAfterDays: 14 },
        publishedById: ops.id, publishedAt: new Date('2025-12-15T09:00:00Z'), decidedAt: new Date('2025-12-16T09:00:00Z'), effectiveAt: new Date('2025-12-16T09:00:00Z'),
      }));
    }
    const repository = new QuotaSetRepository(h.db);
    await h.db.transaction(async (m) => {
      const set = await m.save(m.create(QuotaSetEntity, {
        periodId: PERIOD.key, periodStart: PERIOD.start, periodEnd: PERIOD.end, companyTarget: '150000.00', status: 'locked', currentVersion: 1, createdById: ops.id,
      }));
      await repository.insertVersion(m, {
        quotaSetId: set.id, version: 1, reason: 'submission', createdById: ops.id, previous: [],
        content: {
          periodLabel: PERIOD.key, companyTarget: '150000.00',
          teams: [{ teamId: team.id, target: '90000.00' }, { teamId: otherTeam.id, target: '60000.00' }],
          quotas: [{ personId: rep.id, teamId: team.id, amount: quotas[rep.id]! }, { personId: otherRep.id, teamId: team.id, amount: quotas[otherRep.id]! }, { personId: farRep.id, teamId: otherTeam.id, amount: quotas[farRep.id]! }],
        },
      });
      await repository.lock(m, { quotaSetId: set.id, version: 1, flagged: false, lockedAt: new Date('2025-12-20T09:00:00Z'), workflowId: 'quota-signoff:fixture' });
    });

    const territories = h.db.getRepository(TerritoryEntity);
    const west = await territories.save(territories.create({ name: 'West Coast', teamId: team.id, ownerPersonId: rep.id }));
    const east = await territories.save(territories.create({ name: 'East Coast', teamId: otherTeam.id, ownerPersonId: farRep.id }));
    const account = async (name: string, territory: TerritoryEntity) => {
      const row = await h.db.getRepository(AccountEntity).save({ name, territoryId: territory.id });
      await h.db.getRepository(AccountOwnershipEntity).save({ accountId: row.id, territoryId: territory.id, effectiveFrom: '2020-01-01', effectiveTo: null, changeId: null });
      return row;
    };
    const acme = await account('Acme', west);
    const globex = await account('Globex', west);
    const hooli = await account('Hooli', east);
    const deals = h.db.getRepository(DealEntity);
    const deal = (externalId: string, a: AccountEntity, amount: string, stage: DealEntity['stage'], closeDate: string, credits: DealEntity['credits'] = null) =>
      deals.save(deals.create({ externalId, accountId: a.id, name: `${a.name} ${externalId}`, amount, stage, closeDate, currency: 'USD', type: 'new', credits }));
    await deal('D-ACME-1', acme, '60000.00', 'won', '2026-01-10'); // Rita by territory: 120% of her quota
    await deal('D-GLOBEX-1', globex, '40000.00', 'won', '2026-01-20', [{ personId: rep.id, share: '0.5' }, { personId: otherRep.id, share: '0.5' }]);
    await deal('D-HOOLI-1', hooli, '25000.00', 'won', '2026-01-15'); // Rosa by territory
    await deal('D-HOOLI-2', hooli, '99000.00', 'won', '2026-02-02'); // February: not in this close
    await deal('D-ACME-2', acme, '5000.00', 'open', '2026-01-25'); // open: not in any close
    return {
      planVersionId, quotas,
      transactions: [
        { id: 'D-ACME-1', date: '2026-01-10', amount: '60000.00', type: 'new', credits: [{ participantId: rep.id, share: '1' }] },
        { id: 'D-HOOLI-1', date: '2026-01-15', amount: '25000.00', type: 'new', credits: [{ participantId: farRep.id, share: '1' }] },
        { id: 'D-GLOBEX-1', date: '2026-01-20', amount: '40000.00', type: 'new', credits: [{ participantId: rep.id, share: '0.5' }, { participantId: otherRep.id, share: '0.5' }] },
      ],
    };
  }

  describe('January, stage by stage', () => {
    // What each stage leaves for the next (fromStage fails a stage at once when the one it needs did not finish).
    let periodId: string | undefined;
    let started: true | undefined;
    let v1: { versions: { payoutTotal: string }[]; snapshot: { hash: string } } | undefined;
    let rejected: true | undefined;
    let approvedV2: true | undefined;
    let closed: true | undefined;
    let verified: Record<string, unknown> | undefined;
    let payoutTampered: true | undefined;

    it('ops creates the period: a month key only, once; finance may not', async () => {
      const { ops, finance } = h.org;
      const bad = await h.http('POST', '/api/v1/periods', { as: ops, body: { key: '2026-13' } });
      expect([bad.status, bad.body.code, bad.body.details[0].field]).toEqual([400, 'VALIDATION.FAILED', 'key']);
      expect((await h.http('POST', '/api/v1/periods', { as: finance, body: { key: PERIOD.key } })).status).toBe(403);
      const created = await h.http('POST', '/api/v1/periods', { as: ops, body: { key: PERIOD.key } });
      expect(created.status).toBe(201);
      periodId = created.body.id as string;
      expect(created.body).toMatchObject({ key: PERIOD.key, startDate: PERIOD.start, endDate: PERIOD.end, status: 'open', currentVersion: 0 });
      expect((await h.http('POST', '/api/v1/periods', { as: ops, body: { key: PERIOD.key } })).body.code).toBe('PERIOD.ALREADY_EXISTS');
    });

    it('finance starts the close (ops may not); a second start is the same close', async () => {
      const id = fromStage(periodId, 'the period created');
      const { ops, finance } = h.org;
      expect((await h.http('POST', `/api/v1/periods/${id}/close`, { as: ops })).status).toBe(403);
      const first = await h.http('POST', `/api/v1/periods/${id}/close`, { as: finance });
      expect(first.status).toBe(202);
      started = true;
      expect(first.body.period.status).toBe('closing');
      expect((await h.http('POST', `/api/v1/periods/${id}/close`, { as: finance })).status).toBe(202);
    });

    it('version 1: the snapshot hashed, no exception, both team reviews open at once, the total the engine’s', async () => {
      const id = fromStage(periodId, 'the period created');
      fromStage(started, 'the close started');
      const { manager, otherManager } = h.org;
      await taskOf(manager, id, 'team:', 1);
      await taskOf(otherManager, id, 'team:', 1);
      const view = (await closeView(id)).body;
      v1 = view;
      expect(view).toMatchObject({ state: 'in_review', currentVersion: 1, exceptions: [], snapshot: { hash: expect.stringMatching(/^[0-9a-f]{64}$/) } });
      const total = (rows: ParticipantPeriodOutput[]) => rows.reduce((sum, r) => sum + BigInt(r.payout.replace('.', '')), 0n);
      const engineTotal = total([...figures().values()]);
      expect(view.versions).toEqual([{ version: 1, reps: 3, payoutTotal: `${engineTotal / 100n}.${String(engineTotal % 100n).padStart(2, '0')}`, earningsTotal: expect.any(String), negativeCount: 0 }]);
    });

    it('the payroll file of version 1 is for ops and finance, not for a manager', async () => {
      const id = fromStage(periodId, 'the period created');
      fromStage(v1, 'version 1 in review');
      const { ops, manager } = h.org;
      const payroll = await h.http('GET', `/api/v1/periods/${id}/payroll`, { as: ops });
      expect(payroll.headers.get('x-calculation-version')).toBe('1');
      expect((await h.http('GET', `/api/v1/periods/${id}/payroll`, { as: manager })).status).toBe(403);
    });

    it('each manager reviews their own team’s payouts, explained; a rep sees their own; finance all three', async () => {
      const id = fromStage(periodId, 'the period created');
      fromStage(v1, 'version 1 in review');
      const { finance, manager, otherManager, rep, otherRep, farRep } = h.org;
      const westView = (await h.http('GET', `/api/v1/periods/${id}/payouts`, { as: manager })).body;
      expect(westView.payouts.map((p: { personId: string }) => p.personId).sort()).toEqual([rep.id, otherRep.id].sort());
      const ritaRow = westView.payouts.find((p: { personId: string }) => p.personId === rep.id);
      expect(ritaRow).toMatchObject({ payout: figures().get(rep.id)!.payout, explanation: expect.arrayContaining([expect.stringContaining('Deal D-ACME-1')]) });
      expect((await h.http('GET', `/api/v1/periods/${id}/payouts`, { as: otherManager })).body.payouts.map((p: { personId: string }) => p.personId)).toEqual([farRep.id]);
      expect((await h.http('GET', `/api/v1/periods/${id}/payouts`, { as: farRep })).body.payouts.map((p: { personId: string }) => p.personId)).toEqual([farRep.id]);
      expect((await h.http('GET', `/api/v1/periods/${id}/payouts`, { as: finance })).body.payouts).toHaveLength(3);
    });

    it('version 1: the managers approve, Fay (who started the close) may not approve it, Fred (finance) rejects it', async () => {
      const id = fromStage(periodId, 'the period created');
      fromStage(v1, 'version 1 in review');
      const { finance, manager, otherManager } = h.org;
      await decide(manager, id, 'team:', 1, 'approve');
      await decide(otherManager, id, 'team:', 1, 'approve');
      const fredTask = await taskOf(secondFinance, id, 'finance', 2);
      expect(fredTask.summary).toBe(`Commission close ${PERIOD.key}, calculation version 1`);
      const self = await h.http('POST', `/api/v1/approvals/${fredTask.id}/decisions`, { as: finance, body: { decision: 'approve' }, headers: { 'Idempotency-Key': `close-self-${fredTask.id}` } });
      expect(self.status).toBe(403);
      await decide(secondFinance, id, 'finance', 2, 'reject', 'Recalculate after the late Globex split confirmation');
      rejected = true;
    });

    it('version 2 is calculated anew and every approval asked again (each step a round of its own): the same figures, Fred’s return recorded; finance and ops approve', async () => {
      const id = fromStage(periodId, 'the period created');
      const first = fromStage(v1, 'version 1 in review');
      fromStage(rejected, 'version 1 rejected by finance');
      const { ops, manager, otherManager } = h.org;
      await decide(manager, id, 'team:', 3, 'approve');
      await decide(otherManager, id, 'team:', 3, 'approve');
      const v2 = (await closeView(id)).body;
      expect(v2.currentVersion).toBe(2);
      expect(v2.versions.map((v: { version: number; payoutTotal: string }) => [v.version, v.payoutTotal])).toEqual([[1, first.versions[0]!.payoutTotal], [2, first.versions[0]!.payoutTotal]]);
      expect(v2.changes).toEqual([]); // nothing changed between the versions: no rep differs
      expect(v2.returned).toEqual([expect.objectContaining({ byId: secondFinance.id, stageId: 'finance', version: 1, comment: 'Recalculate after the late Globex split confirmation' })]);
      await decide(secondFinance, id, 'finance', 4, 'approve');
      await decide(ops, id, 'payroll', 5, 'approve');
      approvedV2 = true;
    });

    it('closed on version 2 with three statements; the payroll file of version 2 pays the engine’s figures', async () => {
      const id = fromStage(periodId, 'the period created');
      fromStage(approvedV2, 'version 2 approved by everyone');
      const { finance, rep, otherRep, farRep } = h.org;
      const done = await eventually(async () => {
        const v = (await closeView(id)).body;
        return v.period.status === 'closed' ? v : undefined;
      }, 'period closed', 90_000);
      closed = true;
      expect(done).toMatchObject({ state: 'closed', currentVersion: 2, statements: 3 });

      const csv = await h.http('GET', `/api/v1/periods/${id}/payroll`, { as: finance });
      expect(csv.headers.get('x-calculation-version')).toBe('2');
      const csvText = typeof csv.body === 'string' ? csv.body : String(csv.body);
      const csvLines = csvText.trim().split('\r\n');
      expect(csvLines[0]).toBe('employee_id,person,amount,currency,period,pay_date,earning_code');
      for (const person of [rep, otherRep, farRep]) {
        const r = figures().get(person.id)!;
        expect(csvLines).toContain(`${person.id},${person.name},${r.payout},USD,${PERIOD.key},2026-02-15,COMMISSION`);
      }
    });

    it('each rep gets one statement email of version 2 whose PDF has the engine’s figures, and downloads the same PDF (another rep may not); three distinct messages', async () => {
      const id = fromStage(periodId, 'the period created');
      fromStage(closed, 'January closed');
      const { rep, otherRep, farRep } = h.org;
      for (const person of [rep, otherRep, farRep]) {
        const mails = h.smtp.messages.filter((m) => /commission statement/i.test(m.subject ?? '') && JSON.stringify(m.to).includes(person.email));
        expect(mails).toHaveLength(1);
        const pdf = mails[0]!.attachments.find((a) => a.contentType === 'application/pdf')!;
        const text = await pdfText(pdf.content);
        const r = figures().get(person.id)!;
        expect(text).toContain(`Rep: ${person.name}`);
        expect(text).toContain('Calculation version: 2');
        expect(text).toContain(`Payout: USD ${formatMoney(r.payout)}`);
        expect(text).toContain(`Earnings (components and adjustments): USD ${formatMoney(r.earnings)}`);
        for (const c of r.components) for (const line of c.lines) expect(text).toContain(explainLine(line, 'USD').replace(/\s+/g, ' '));
        expect(text).toContain(`Your payout for the period is USD ${formatMoney(r.payout)}.`);
        expect(text).not.toContain('D-HOOLI-2');

        const mine = await h.http('GET', '/api/v1/me/statements', { as: person });
        expect(mine.body.statements).toEqual([expect.objectContaining({ periodId: id, periodKey: PERIOD.key, calculationVersion: 2, payout: r.payout, currency: 'USD' })]);
        // The same PDF to download, for the rep (and their manager), not for another rep.
        const download = await fetch(`${h.baseUrl}/api/v1/statements/${mine.body.statements[0].id}`, { headers: { authorization: `Bearer ${h.token(person)}` } });
        expect([download.status, download.headers.get('content-type')]).toEqual([200, 'application/pdf']);
        expect(Buffer.from(await download.arrayBuffer()).equals(pdf.content)).toBe(true);
        const other = person.id === farRep.id ? rep : farRep;
        expect((await h.http('GET', `/api/v1/statements/${mine.body.statements[0].id}`, { as: other })).status).toBe(403);
      }
      const statementIds = new Set(h.smtp.messages.filter((m) => /commission statement/i.test(m.subject ?? '')).map((m) => m.messageId));
      expect(statementIds.size).toBe(3);
    });

    it('every step of the close is in the audit trail', async () => {
      const id = fromStage(periodId, 'the period created');
      fromStage(closed, 'January closed');
      const trace = await h.http('GET', `/api/v1/audit/trace/${subjectOf(id)}`, { as: h.org.auditor });
      const actions = (trace.body.events as { action: string }[]).map((e) => e.action);
      for (const action of ['period.created', 'period.close-started', 'period.frozen', 'period.calculated', 'period.routed', 'period.returned', 'period.statement-sent', 'period.closed']) {
        expect(actions).toContain(action);
      }
    });

    it('closed for good in the database: the owner’s UPDATE and DELETE are refused, the app role has no UPDATE at all; a new close is refused', async () => {
      const id = fromStage(periodId, 'the period created');
      fromStage(closed, 'January closed');
      const { finance } = h.org;
      await expect(h.db.query(`UPDATE payouts SET payout = payout + 1 WHERE period_id = $1`, [id])).rejects.toThrow(/closed period/);
      await expect(h.db.query(`DELETE FROM statements WHERE period_id = $1`, [id])).rejects.toThrow(/closed period/);
      await expect(h.db.query(`UPDATE periods SET status = 'open', closed_at = NULL WHERE id = $1`, [id])).rejects.toThrow(/is closed/);
      const runner = h.db.createQueryRunner();
      try {
        await runner.query('SET ROLE quotaflow_app');
        await expect(runner.query(`UPDATE payouts SET payout = 0 WHERE period_id = $1`, [id])).rejects.toThrow(/permission denied/);
      } finally {
        await runner.query('RESET ROLE');
        await runner.release();
      }
      expect((await h.http('POST', `/api/v1/periods/${id}/close`, { as: finance })).body.code).toBe('PERIOD.CLOSED');
    });

    it('recalculated from its stored snapshot, the closed period gives the same cents, over HTTP (not for a rep or ops; an open period is refused) and by `npm run close:verify`', async () => {
      const id = fromStage(periodId, 'the period created');
      const first = fromStage(v1, 'version 1 in review');
      fromStage(closed, 'January closed');
      const { ops, finance, rep } = h.org;
      const ok = await verification(h.org.auditor, id);
      expect(ok.status).toBe(200);
      expect(ok.body).toMatchObject({ periodId: id, version: 2, snapshotHash: first.snapshot.hash, hashMatches: true, reps: 3, matching: 3, differences: [] });
      verified = ok.body;
      expect((await verification(rep, id)).status).toBe(403);
      expect((await verification(ops, id)).status).toBe(403);
      const open = await h.http('POST', '/api/v1/periods', { as: ops, body: { key: '2026-02' } });
      const notClosed = await verification(finance, open.body.id as string);
      expect([notClosed.status, notClosed.body.code]).toEqual([409, 'PERIOD.NOT_CLOSED']);
      const good = closeVerify(h, id);
      expect([good.status, JSON.parse(good.stdout)]).toEqual([0, ok.body]);
      expect(good.stderr).toContain(`close ${PERIOD.key} v2: OK — 3/3 reps match to the cent, snapshot hash matches`);
      expect(closeVerify(h, '00000000-0000-4000-8000-000000000000').status).toBe(2);
    });

    it('a payout changed behind the database’s back (the owner, the trigger off): the verification names the rep and the field, over HTTP and by the command', async () => {
      const id = fromStage(periodId, 'the period created');
      fromStage(verified, 'the closed period verified');
      const { finance, farRep } = h.org;
      const storedPayout = figures().get(farRep.id)!.payout;
      await tamper(h, 'payouts', `UPDATE payouts SET payout = payout + 0.01 WHERE period_id = $1 AND person_id = $2 AND calculation_version = 2`, [id, farRep.id]);
      payoutTampered = true;
      const tampered = (await verification(finance, id)).body;
      const paidMore = `${(BigInt(storedPayout.replace('.', '')) + 1n) / 100n}.${String((BigInt(storedPayout.replace('.', '')) + 1n) % 100n).padStart(2, '0')}`;
      expect(tampered).toMatchObject({ hashMatches: true, reps: 3, matching: 2, differences: [{ personId: farRep.id, field: 'payout', stored: paidMore, recomputed: storedPayout }] });
      const differs = closeVerify(h, id);
      expect(differs.status).toBe(1);
      expect(JSON.parse(differs.stdout).differences).toEqual(tampered.differences);
      expect(differs.stderr).toContain(`${farRep.id} payout: stored ${paidMore}, recomputed ${storedPayout}`);
    });

    it('the snapshot rewritten behind the database’s back: its stored hash no longer matches its content', async () => {
      const id = fromStage(periodId, 'the period created');
      const first = fromStage(v1, 'version 1 in review');
      fromStage(payoutTampered, 'the payout changed');
      await tamper(h, 'close_snapshots', `UPDATE close_snapshots SET content = jsonb_set(content, '{deals}', '99') WHERE id = (SELECT snapshot_id FROM payouts WHERE period_id = $1 AND calculation_version = 2 LIMIT 1)`, [id]);
      const rewritten = (await verification(h.org.admin, id)).body;
      expect(rewritten).toMatchObject({ hashMatches: false, snapshotHash: first.snapshot.hash });
      expect(rewritten.contentHash).not.toBe(first.snapshot.hash);
    });
  });

  it('blocking exceptions (a deal in a foreign currency, reps on an attainment plan without a locked quota) stop the close before any payout; the period is open again', async () => {
    const { ops, finance } = h.org;
    const created = await h.http('POST', '/api/v1/periods', { as: ops, body: { key: '2026-03' } });
    const periodId = created.body.id as string;
    const account = await h.db.getRepository(AccountEntity).findOneByOrFail({ name: 'Hooli' });
    await h.db.getRepository(DealEntity).save({ externalId: 'D-HOOLI-EUR', accountId: account.id, name: 'Hooli EUR', amount: '1000.00', stage: 'won', closeDate: '2026-03-05', currency: 'EUR', type: 'new' });
    expect((await h.http('POST', `/api/v1/periods/${periodId}/close`, { as: finance })).status).toBe(202);
    const blocked = await eventually(async () => {
      const v = (await closeView(periodId)).body;
      return v.period.status === 'open' && v.snapshot ? v : undefined;
    }, 'close blocked', 60_000);
    expect(blocked.versions).toEqual([]);
    const codes = (blocked.exceptions as { code: string; severity: string; personId?: string }[]).map((e) => `${e.code}:${e.severity}`).sort();
    expect(codes).toEqual(['DEAL.FOREIGN_CURRENCY:blocking', 'REP.NO_LOCKED_QUOTA:blocking', 'REP.NO_LOCKED_QUOTA:blocking', 'REP.NO_LOCKED_QUOTA:blocking']);
    expect(await h.db.query(`SELECT count(*)::int AS n FROM payouts WHERE period_id = $1`, [periodId])).toEqual([{ n: 0 }]);
  });
});
