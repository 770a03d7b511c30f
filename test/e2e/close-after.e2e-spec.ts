import { calculate, explainLine, formatMoney, type CalculationOutput, type PlanDocumentInput, type TransactionInput } from '@quotaflow/domain';
import {
  AccountEntity, AccountOwnershipEntity, DealEntity, PersonEntity, PlanAssignmentEntity, QuotaSetEntity, QuotaSetRepository, TerritoryEntity,
} from '@quotaflow/persistence';
import { pdfText } from '../support/pdf';
import { fromStage } from '../support/stages';
import { addPerson, closeTaskOf } from './fixtures';
import { eventually, type Harness, startHarness } from './harness';

jest.setTimeout(300_000);

const JAN = { key: '2026-01', start: '2026-01-01', end: '2026-01-31' };
const FEB = { key: '2026-02', start: '2026-02-01', end: '2026-02-28' };
/** Rita and Ravi: 5% of the month's quota attained up to 100%, 8% above (step). */
const AE_PLAN = {
  id: 'after-ae',
  components: [{ id: 'commission', kind: 'commission', window: 'period', basis: 'attainment', table: { split: 'step', tiers: [{ from: 0, rate: '0.05' }, { from: 1, rate: '0.08' }] } }],
};
/** Rosa: 10% of new business, and a chargeback deduction of 10% on chargeback deals (which can make a month negative). */
const CHARGEBACK_PLAN = {
  id: 'after-flat',
  components: [
    { id: 'commission', kind: 'commission', window: 'period', basis: 'amount', types: ['new'], table: { split: 'step', tiers: [{ from: 0, rate: '0.1' }] } },
    { id: 'chargeback', kind: 'commission', deduction: true, window: 'period', basis: 'amount', types: ['chargeback'], table: { split: 'step', tiers: [{ from: 0, rate: '-0.1' }] } },
  ],
};
const QUOTAS = { rita: '50000.00', ravi: '40000.00', rosa: '60000.00' };
/** One period's engine figures by rep. */
type Figures = Map<string, CalculationOutput['periods'][number]['participants'][number]>;

/**
 * After the close, over HTTP with real PostgreSQL, Temporal and SMTP (payroll in the ADP layout).
 * January closes: Rita 2,000.00, Ravi 1,000.00, Rosa −300.00 (a chargeback month: not paid, not in
 * the payroll file). Then a late deal of Rita's (dated 25 January) and the cancellation of Ravi's
 * January deal (dated 30 January) arrive. February's close pays them as prior-period adjustments —
 * January as its own plan would have paid it, Rita's tier re-rating included, and a partial cancellation
 * dated in February of Rita's January deal the same way — and recovers Rosa's
 * balance; January never changes and still recalculates to the same cents. Every figure is checked
 * against the engine run on its own, on the February payouts, the payroll file and each emailed PDF.
 */
describe('after the close: prior-period adjustments, negative balances carried, payroll layout, statements', () => {
  let h: Harness;
  let planIds: { ae: string; flat: string };
  let accounts: Record<'acme' | 'globex' | 'hooli', AccountEntity>;
  let secondFinance: PersonEntity;

  beforeAll(async () => {
    h = await startHarness('close-after', { env: { PAYROLL_LAYOUT: 'adp', PAYROLL_COMPANY_CODE: 'QF1' } });
    secondFinance = await addPerson(h, 'Fred Finance', ['finance']);
    planIds = await seedPlans();
    accounts = await seedAccounts();
    for (const month of [JAN, FEB]) await lockQuotas(month);
  });

  afterAll(async () => {
    await h?.close();
  });

  const people = () => ({ rita: h.org.rep, ravi: h.org.otherRep, rosa: h.org.farRep });

  async function seedPlans() {
    const ids: Record<string, string> = {};
    for (const [key, doc] of [['after-ae', AE_PLAN], ['after-flat', CHARGEBACK_PLAN]] as const) {
      const created = await h.http('POST', '/api/v1/plans', {
        as: h.org.ops, body: { key, name: key, periodLabel: 'FY2026', effectiveFrom: '2026-01-01', effectiveTo: '2026-12-31', document: doc },
      });
      expect(created.status).toBe(201);
      ids[key] = created.body.versions[0].id as string;
    }
    const assignments = h.db.getRepository(PlanAssignmentEntity);
    const { rita, ravi, rosa } = people();
    for (const [person, planVersionId, quota] of [[rita, ids['after-ae']!, QUOTAS.rita], [ravi, ids['after-ae']!, QUOTAS.ravi], [rosa, ids['after-flat']!, QUOTAS.rosa]] as const) {
      await assignments.save(assignments.create({
        planVersionId, personId: person.id, quota, status: 'accepted', workflowId: `plan-acceptance:fixture-${person.id}`,
        settings: { managerPreApproval: false, reminderEveryDays: 3, escalateAfterDays: 7, expireAfterDays: 14 },
        publishedById: h.org.ops.id, publishedAt: new Date('2025-12-15T09:00:00Z'), decidedAt: new Date('2025-12-16T09:00:00Z'), effectiveAt: new Date('2025-12-16T09:00:00Z'),
      }));
    }
    return { ae: ids['after-ae']!, flat: ids['after-flat']! };
  }

  async function lockQuotas(month: typeof JAN) {
    const { ops, team, otherTeam } = h.org;
    const { rita, ravi, rosa } = people();
    const repository = new QuotaSetRepository(h.db);
    await h.db.transaction(async (m) => {
      const set = await m.save(m.create(QuotaSetEntity, { periodId: month.key, periodStart: month.start, periodEnd: month.end, companyTarget: '150000.00', status: 'locked', currentVersion: 1, createdById: ops.id }));
      await repository.insertVersion(m, {
        quotaSetId: set.id, version: 1, reason: 'submission', createdById: ops.id, previous: [],
        content: {
          periodLabel: month.key, companyTarget: '150000.00',
          teams: [{ teamId: team.id, target: '90000.00' }, { teamId: otherTeam.id, target: '60000.00' }],
          quotas: [{ personId: rita.id, teamId: team.id, amount: QUOTAS.rita }, { personId: ravi.id, teamId: team.id, amount: QUOTAS.ravi }, { personId: rosa.id, teamId: otherTeam.id, amount: QUOTAS.rosa }],
        },
      });
      await repository.lock(m, { quotaSetId: set.id, version: 1, flagged: false, lockedAt: new Date('2025-12-20T09:00:00Z'), workflowId: `quota-signoff:fixture-${month.key}` });
    });
  }

  async function seedAccounts() {
    const territories = h.db.getRepository(TerritoryEntity);
    const west = await territories.save(territories.create({ name: 'West (after)', teamId: h.org.team.id, ownerPersonId: h.org.rep.id }));
    const east = await territories.save(territories.create({ name: 'East (after)', teamId: h.org.otherTeam.id, ownerPersonId: h.org.farRep.id }));
    const account = async (name: string, territory: TerritoryEntity) => {
      const row = await h.db.getRepository(AccountEntity).save({ name, territoryId: territory.id });
      await h.db.getRepository(AccountOwnershipEntity).save({ accountId: row.id, territoryId: territory.id, effectiveFrom: '2020-01-01', effectiveTo: null, changeId: null });
      return row;
    };
    return { acme: await account('Acme', west), globex: await account('Globex', west), hooli: await account('Hooli', east) };
  }

  const deal = (externalId: string, a: AccountEntity, amount: string, closeDate: string, extra: Partial<DealEntity> = {}) =>
    h.db.getRepository(DealEntity).save(h.db.getRepository(DealEntity).create({ externalId, accountId: a.id, name: `${a.name} ${externalId}`, amount, stage: 'won', closeDate, currency: 'USD', type: 'new', ...extra }));

  const taskOf = (person: PersonEntity, periodId: string, stagePrefix: string, round: number) => closeTaskOf(h, person, periodId, stagePrefix, round);

  async function decide(person: PersonEntity, periodId: string, stagePrefix: string, round: number) {
    const task = await taskOf(person, periodId, stagePrefix, round);
    const res = await h.http('POST', `/api/v1/approvals/${task.id}/decisions`, { as: person, body: { decision: 'approve' }, headers: { 'Idempotency-Key': `after-${task.id}` } });
    expect([res.status, res.body?.code]).toEqual([200, undefined]);
  }

  /** Ops creates the month, Fay starts the close, the managers, Fred (finance) and Omar (ops, payroll) approve; closed. */
  async function closeMonth(month: typeof JAN): Promise<string> {
    const created = await h.http('POST', '/api/v1/periods', { as: h.org.ops, body: { key: month.key } });
    expect(created.status).toBe(201);
    const periodId = created.body.id as string;
    expect((await h.http('POST', `/api/v1/periods/${periodId}/close`, { as: h.org.finance })).status).toBe(202);
    await decide(h.org.manager, periodId, 'team:', 1);
    await decide(h.org.otherManager, periodId, 'team:', 1);
    // Finance acknowledges every negative payout (Rosa's) one by one before approving the totals.
    await taskOf(secondFinance, periodId, 'finance', 2);
    const review = await h.http('GET', `/api/v1/periods/${periodId}/close/review`, { as: secondFinance });
    for (const n of review.body.negatives as { personId: string }[]) {
      const ack = await h.http('POST', `/api/v1/periods/${periodId}/close/negatives/${n.personId}/acknowledgement`, { as: secondFinance, body: { comment: 'recovered next month' }, headers: { 'Idempotency-Key': `ack-${periodId}-${n.personId}` } });
      expect(ack.status).toBe(200);
    }
    await decide(secondFinance, periodId, 'finance', 2);
    await decide(h.org.ops, periodId, 'payroll', 3);
    await eventually(async () => (await h.http('GET', `/api/v1/periods/${periodId}/close`, { as: h.org.finance })).body?.period?.status === 'closed', `${month.key} closed`, 90_000);
    return periodId;
  }

  // ---- the engine on its own, for the same inputs ----------------------------------------------
  const engineDocument = (month: typeof JAN, transactions: TransactionInput[], adjustments: PlanDocumentInput['adjustments'] = []): PlanDocumentInput => {
    const { rita, ravi, rosa } = people();
    return {
      currency: 'USD', periods: [{ id: month.key, start: month.start, end: month.end }],
      plans: [{ ...AE_PLAN, id: planIds.ae }, { ...CHARGEBACK_PLAN, id: planIds.flat }] as never,
      participants: [
        { id: rita.id, planId: planIds.ae, quota: { [month.key]: QUOTAS.rita } },
        { id: ravi.id, planId: planIds.ae, quota: { [month.key]: QUOTAS.ravi } },
        { id: rosa.id, planId: planIds.flat, quota: { [month.key]: QUOTAS.rosa } },
      ],
      transactions, adjustments,
    };
  };
  const figuresOf = (out: CalculationOutput) => new Map(out.periods[0]!.participants.map((r) => [r.participantId, r]));
  const credit = (id: string, date: string, amount: string, personId: string, extra: Partial<TransactionInput> = {}): TransactionInput =>
    ({ id, date, amount, type: 'new', credits: [{ participantId: personId, share: '1' }], ...extra });

  const statementOf = async (person: PersonEntity, month: string) => {
    const mails = h.smtp.messages.filter((m) => m.subject === `Your commission statement for ${month}` && JSON.stringify(m.to).includes(person.email));
    expect(mails).toHaveLength(1);
    return pdfText(mails[0]!.attachments.find((a) => a.contentType === 'application/pdf')!.content);
  };
  const money = (v: string) => `USD ${formatMoney(v)}`;
  const cents = (v: string) => BigInt(v.replace('.', ''));
  const decimal = (d: bigint) => `${d < 0n ? '-' : ''}${(d < 0n ? -d : d) / 100n}.${String((d < 0n ? -d : d) % 100n).padStart(2, '0')}`;
  const minus = (a: string, b: string) => decimal(cents(a) - cents(b));
  const resendPath = (personId: string, periodId: string) => `/api/v1/periods/${periodId}/statements/${personId}/resend`;

  // What each stage leaves for the next (fromStage fails a stage at once when the one it needs did not finish).
  let janTransactions: TransactionInput[] | undefined;
  let jan: Figures | undefined;
  let ravisDeal: DealEntity | undefined;
  let janId: string | undefined;
  let janStored: unknown[] | undefined;
  let restated: { afterA2: Figures; restatedJan: Figures; a2: string; a1x: string; b1x: string } | undefined;
  let feb: Figures | undefined;
  let febId: string | undefined;

  it('January on the engine alone: Rita 2,000.00, Ravi 1,000.00 and Rosa −300.00 (a chargeback month)', async () => {
    const { rita, ravi, rosa } = people();
    await deal('D-A1', accounts.acme, '40000.00', '2026-01-10'); // Rita by territory: 80% of her quota
    ravisDeal = await deal('D-B1', accounts.globex, '20000.00', '2026-01-12', { credits: [{ personId: ravi.id, share: '1' }] });
    await deal('D-H1', accounts.hooli, '5000.00', '2026-01-08'); // Rosa: +500.00
    await deal('D-H2', accounts.hooli, '8000.00', '2026-01-20', { type: 'chargeback' }); // Rosa: −800.00
    const transactions = [
      credit('D-H1', '2026-01-08', '5000.00', rosa.id), credit('D-A1', '2026-01-10', '40000.00', rita.id),
      credit('D-B1', '2026-01-12', '20000.00', ravi.id), credit('D-H2', '2026-01-20', '8000.00', rosa.id, { type: 'chargeback' }),
    ];
    const figures = figuresOf(calculate(engineDocument(JAN, transactions)));
    expect([figures.get(rita.id)!.payout, figures.get(ravi.id)!.payout, figures.get(rosa.id)!.payout]).toEqual(['2000.00', '1000.00', '-300.00']);
    janTransactions = transactions;
    jan = figures;
  });

  it('January closes; its ADP payroll file pays Rita and Ravi and not Rosa’s −300.00, for ops and finance, not for a rep', async () => {
    fromStage(jan, 'January on the engine alone');
    const { rita, ravi } = people();
    const periodId = await closeMonth(JAN);
    janId = periodId;
    janStored = await h.db.query(`SELECT person_id, payout::text, result, state FROM payouts WHERE period_id = $1 ORDER BY person_id`, [periodId]);
    const janPayroll = await h.http('GET', `/api/v1/periods/${periodId}/payroll`, { as: h.org.ops });
    expect(janPayroll.headers.get('x-payroll-layout')).toBe('adp');
    expect(String(janPayroll.body).split('\r\n')).toEqual([
      'Co Code,Batch ID,File #,Employee Name,Earnings 3 Code,Earnings 3 Amount,Currency,Pay Period,Pay Date',
      `QF1,QF202601,${ravi.id},${ravi.name},C,1000.00,USD,2026-01,02/15/2026`,
      `QF1,QF202601,${rita.id},${rita.name},C,2000.00,USD,2026-01,02/15/2026`,
      '', // Rosa's −300.00 is not pay
    ]);
    expect((await h.http('GET', `/api/v1/periods/${periodId}/payroll`, { as: rita })).status).toBe(403);
  });

  it('Rosa’s January statement: a negative payout is not deducted from her pay, nothing is paid, the balance is carried forward', async () => {
    fromStage(janId, 'January closed');
    const { rosa } = people();
    const rosaMail = h.smtp.messages.find((m) => m.subject === `Your commission statement for ${JAN.key}` && JSON.stringify(m.to).includes(rosa.email))!;
    expect(rosaMail.text).toContain('your payout is USD -300.00. A negative payout is not deducted from your pay: nothing is paid this period');
    const rosaJanuary = await statementOf(rosa, JAN.key);
    expect(rosaJanuary).toContain('Payout: USD -300.00');
    expect(rosaJanuary).toContain('Paid this period: USD 0.00 (the negative balance is carried forward)');
    expect(rosaJanuary).toContain('nothing is paid this period, and the balance is carried forward and recovered from your next earnings.');
  });

  it('after January’s close, a late deal of Rita’s, Ravi’s deal cancelled and (dated in February) a partial cancellation of Rita’s January deal restate January on the engine: +1,300.00, −500.00, −1,000.00, Rosa 0.00', async () => {
    fromStage(janId, 'January closed');
    const janFigures = fromStage(jan, 'January on the engine alone');
    const transactions = fromStage(janTransactions, 'January on the engine alone');
    const cancelled = fromStage(ravisDeal, 'January on the engine alone');
    const { rita, ravi, rosa } = people();
    // Both dated in January.
    await deal('D-A2', accounts.acme, '20000.00', '2026-01-25'); // Rita 80% → 120%: 10,000 at 5%, 10,000 at 8%
    await deal('D-B1X', accounts.globex, '-20000.00', '2026-01-30', { reversesDealId: cancelled.id });
    // … and, dated in February, a partial cancellation of Rita's January deal: January's too.
    const ritasDeal = await h.db.getRepository(DealEntity).findOneByOrFail({ externalId: 'D-A1' });
    await deal('D-A1X', accounts.acme, '-10000.00', '2026-02-10', { reversesDealId: ritasDeal.id });
    // January restated deal after deal, as its own plan would have paid it.
    const lateA2 = credit('D-A2', '2026-01-25', '20000.00', rita.id);
    const cancelB1: TransactionInput = { id: 'D-B1X', date: '2026-01-30', amount: '-20000.00', reverses: 'D-B1' };
    const afterA2 = figuresOf(calculate(engineDocument(JAN, [...transactions, lateA2, cancelB1])));
    const restatedJan = figuresOf(calculate(engineDocument(JAN, [...transactions, lateA2, cancelB1, { id: 'D-A1X', date: '2026-01-31', amount: '-10000.00', reverses: 'D-A1' }])));
    const a2 = minus(afterA2.get(rita.id)!.earnings, janFigures.get(rita.id)!.earnings);
    const a1x = minus(restatedJan.get(rita.id)!.earnings, afterA2.get(rita.id)!.earnings);
    const b1x = minus(afterA2.get(ravi.id)!.earnings, janFigures.get(ravi.id)!.earnings);
    // D-A2 lifts Rita over her quota (8% above it); D-A1X takes back a quarter of what D-A1 paid (§5: attainment unchanged)
    expect([a2, a1x, b1x, minus(restatedJan.get(rosa.id)!.earnings, janFigures.get(rosa.id)!.earnings)]).toEqual(['1300.00', '-500.00', '-1000.00', '0.00']);
    restated = { afterA2, restatedJan, a2, a1x, b1x };
  });

  it('February on the engine alone, January’s restatements and Rosa’s carried balance as adjustments: Rita 1,300.00, Ravi 500.00, Rosa 700.00', async () => {
    const { a2, a1x, b1x } = fromStage(restated, 'January restated');
    const { rita, ravi, rosa } = people();
    await deal('D-A3', accounts.acme, '10000.00', '2026-02-05');
    await deal('D-B2', accounts.globex, '30000.00', '2026-02-06', { credits: [{ personId: ravi.id, share: '1' }] });
    await deal('D-H3', accounts.hooli, '10000.00', '2026-02-07');
    const figures = figuresOf(calculate(engineDocument(FEB, [
      credit('D-A3', '2026-02-05', '10000.00', rita.id), credit('D-B2', '2026-02-06', '30000.00', ravi.id), credit('D-H3', '2026-02-07', '10000.00', rosa.id),
    ], [
      { participantId: rosa.id, periodId: FEB.key, amount: '-300.00' },
      { participantId: rita.id, periodId: FEB.key, amount: a2 },
      { participantId: ravi.id, periodId: FEB.key, amount: b1x },
      { participantId: rita.id, periodId: FEB.key, amount: a1x },
    ])));
    expect([figures.get(rita.id)!.payout, figures.get(ravi.id)!.payout, figures.get(rosa.id)!.payout]).toEqual(['1300.00', '500.00', '700.00']);
    feb = figures;
  });

  it('February closes: every payout and its adjustments are the engine’s, explained as prior-period adjustments (no clawback in February) and the carried balance', async () => {
    const febFigures = fromStage(feb, 'February on the engine alone');
    const { rita, ravi, rosa } = people();
    const periodId = await closeMonth(FEB);
    febId = periodId;
    const payouts = (await h.http('GET', `/api/v1/periods/${periodId}/payouts`, { as: h.org.finance })).body.payouts as { personId: string; payout: string; adjustments: string; explanation: string[] }[];
    for (const person of [rita, ravi, rosa]) {
      const row = payouts.find((p) => p.personId === person.id)!;
      expect([row.payout, row.adjustments]).toEqual([febFigures.get(person.id)!.payout, febFigures.get(person.id)!.adjustments]);
    }
    expect(payouts.find((p) => p.personId === rita.id)!.explanation).toEqual(expect.arrayContaining([
      'Adjustment (prior-period adjustment: deal D-A2 of 2026-01): USD 1,300.00', 'Adjustment (prior-period adjustment: deal D-A1 of 2026-01, cancelled by D-A1X): USD -500.00',
    ]));
    expect(JSON.stringify(payouts.find((p) => p.personId === rita.id)!.explanation)).not.toContain('Clawback'); // not credited in February
    expect(payouts.find((p) => p.personId === ravi.id)!.explanation).toContain('Adjustment (prior-period adjustment: deal D-B1 of 2026-01, cancelled by D-B1X): USD -1,000.00');
    expect(payouts.find((p) => p.personId === rosa.id)!.explanation).toContain('Adjustment (balance carried from 2026-01: a negative payout is not paid, it is recovered): USD -300.00');
  });

  it('February’s payroll file pays February’s payouts, Rosa’s net of her recovered balance', async () => {
    const periodId = fromStage(febId, 'February closed');
    const { rita, ravi, rosa } = people();
    const febPayroll = String((await h.http('GET', `/api/v1/periods/${periodId}/payroll`, { as: h.org.finance })).body).split('\r\n');
    expect(febPayroll.slice(1)).toEqual([
      `QF1,QF202602,${ravi.id},${ravi.name},C,500.00,USD,2026-02,03/15/2026`,
      `QF1,QF202602,${rita.id},${rita.name},C,1300.00,USD,2026-02,03/15/2026`,
      `QF1,QF202602,${rosa.id},${rosa.name},C,700.00,USD,2026-02,03/15/2026`,
      '',
    ]);
  });

  it('Rita’s February statement, parsed back: the prior-period adjustments with January restated twice and re-rated on January’s tiers, her year to date, every line the engine’s', async () => {
    fromStage(febId, 'February closed');
    const febFigures = fromStage(feb, 'February on the engine alone');
    const janFigures = fromStage(jan, 'January on the engine alone');
    const { afterA2, restatedJan } = fromStage(restated, 'January restated');
    const { rita } = people();
    const rita2 = await statementOf(rita, FEB.key);
    expect(rita2).toContain(`Payout: ${money(febFigures.get(rita.id)!.payout)}`);
    expect(rita2).toContain(`Adjustments: ${money('800.00')}`);
    expect(rita2).toContain('Paid year to date: USD 3,300.00');
    expect(rita2).toContain('Prior-period adjustments');
    expect(rita2).toContain('Deal D-A2 of 2026-01: USD 1,300.00');
    expect(rita2).toContain(`2026-01 earnings restated from ${money(janFigures.get(rita.id)!.earnings)} to ${money(afterA2.get(rita.id)!.earnings)}.`);
    expect(rita2).toContain('Deal D-A1 of 2026-01, cancelled by D-A1X: USD -500.00');
    expect(rita2).toContain(`2026-01 earnings restated from ${money(afterA2.get(rita.id)!.earnings)} to ${money(restatedJan.get(rita.id)!.earnings)}.`);
    for (const id of ['D-A1X']) {
      for (const line of restatedJan.get(rita.id)!.components[0]!.lines.filter((l) => l.transactionId === id)) expect(rita2).toContain(explainLine(line, 'USD').replace(/\s+/g, ' '));
    }
    const lateLine = afterA2.get(rita.id)!.components[0]!.lines.find((l) => l.transactionId === 'D-A2')!;
    expect(lateLine.slices!.map((s) => s.rate)).toEqual(['0.05', '0.08']); // January's tiers and rates
    expect(rita2).toContain(explainLine(lateLine, 'USD').replace(/\s+/g, ' '));
    expect(rita2).toContain('for 2 deals of an earlier, closed period, paid as that period\'s plan would have paid them');
    expect(rita2).toContain(`Your payout for the period is ${money('1300.00')}.`);
    for (const line of febFigures.get(rita.id)!.components[0]!.lines) expect(rita2).toContain(explainLine(line, 'USD').replace(/\s+/g, ' '));
  });

  it('Ravi’s February statement: his cancelled January deal as a clawback line, payout 500.00, year to date 1,500.00', async () => {
    fromStage(febId, 'February closed');
    const { afterA2 } = fromStage(restated, 'January restated');
    const { ravi } = people();
    const ravi2 = await statementOf(ravi, FEB.key);
    expect(ravi2).toContain('Deal D-B1 of 2026-01, cancelled by D-B1X: USD -1,000.00');
    const clawback = afterA2.get(ravi.id)!.components[0]!.lines.find((l) => l.transactionId === 'D-B1X')!;
    expect(clawback.source).toBe('clawback');
    expect(ravi2).toContain(explainLine(clawback, 'USD').replace(/\s+/g, ' '));
    expect(ravi2).toContain(`Payout: ${money('500.00')}`);
    expect(ravi2).toContain('Paid year to date: USD 1,500.00');
  });

  it('Rosa’s February statement: 700.00 after recovering January’s −300.00, year to date 700.00 (January paid nothing), no prior-period adjustments', async () => {
    fromStage(febId, 'February closed');
    const { rosa } = people();
    const rosa2 = await statementOf(rosa, FEB.key);
    expect(rosa2).toContain(`Payout: ${money('700.00')}`);
    expect(rosa2).toContain('USD -300.00 of the negative balance carried from 2026-01');
    expect(rosa2).toContain('Paid year to date: USD 700.00'); // January paid nothing
    expect(rosa2).not.toContain('Prior-period adjustments');
  });

  it('January never changes: its payouts as stored at its close, both months recalculate from their snapshots to the same cents, the database refuses a change', async () => {
    const janPeriod = fromStage(janId, 'January closed');
    const stored = fromStage(janStored, 'January closed');
    const febPeriod = fromStage(febId, 'February closed');
    const { rita } = people();
    expect(await h.db.query(`SELECT person_id, payout::text, result, state FROM payouts WHERE period_id = $1 ORDER BY person_id`, [janPeriod])).toEqual(stored);
    for (const id of [janPeriod, febPeriod]) {
      const verified = await h.http('GET', `/api/v1/periods/${id}/verification`, { as: h.org.auditor });
      expect(verified.body).toMatchObject({ hashMatches: true, reps: 3, matching: 3, differences: [] });
    }
    await expect(h.db.query(`UPDATE payouts SET payout = payout + 1 WHERE period_id = $1 AND person_id = $2`, [janPeriod, rita.id])).rejects.toThrow(/closed period/);
  });

  it('a statement resent on request (finance or ops, not the rep): a new, recorded message of the same stored PDF, not again too soon, audited; Rita downloads the same bytes', async () => {
    const periodId = fromStage(febId, 'February closed');
    const { rita } = people();
    expect((await h.http('POST', resendPath(rita.id, periodId), { as: rita })).status).toBe(403);
    const resent = await h.http('POST', resendPath(rita.id, periodId), { as: h.org.finance });
    expect([resent.status, resent.body.sequence, resent.body.purpose]).toEqual([202, 1, `close:${periodId}:statement:${rita.id}:resend:1`]);
    const copy = await eventually(async () => h.smtp.messages.find((m) => m.subject === `Your commission statement for ${FEB.key} (sent again)` && JSON.stringify(m.to).includes(rita.email)), 'the resent statement', 60_000);
    const original = h.smtp.messages.find((m) => m.subject === `Your commission statement for ${FEB.key}` && JSON.stringify(m.to).includes(rita.email))!;
    expect(copy.messageId).not.toBe(original.messageId);
    const originalPdf = original.attachments.find((a) => a.contentType === 'application/pdf')!.content;
    expect(copy.attachments.find((a) => a.contentType === 'application/pdf')!.content.equals(originalPdf)).toBe(true);
    const tooSoon = await h.http('POST', resendPath(rita.id, periodId), { as: h.org.ops });
    expect([tooSoon.status, tooSoon.body.code, Number(tooSoon.headers.get('retry-after')) > 0]).toEqual([429, 'STATEMENT.RESEND_TOO_SOON', true]);
    expect((await h.http('POST', resendPath(h.org.manager.id, periodId), { as: h.org.ops })).body.code).toBe('STATEMENT.NOT_FOUND');
    const deliveries = await eventually(async () => {
      const body = (await h.http('GET', `/api/v1/periods/${periodId}/statements`, { as: h.org.ops })).body;
      const messages = body.statements.find((s: { personId: string }) => s.personId === rita.id).messages as { sequence: number; status: string; messageId: string; requestedById: string | null }[];
      return messages.length === 2 && messages.every((m) => m.status === 'sent') ? messages : undefined;
    }, 'both deliveries recorded', 30_000);
    expect(deliveries.map((m) => [m.sequence, m.messageId, m.requestedById])).toEqual([[0, original.messageId, null], [1, copy.messageId, h.org.finance.id]]);
    expect((await h.http('GET', `/api/v1/periods/${periodId}/statements`, { as: rita })).status).toBe(403);
    const trail = (await h.http('GET', `/api/v1/audit/trace/close:${periodId}`, { as: h.org.auditor })).body.events as { action: string; actorId: string | null }[];
    expect(trail.filter((e) => e.action.startsWith('period.statement-resen')).map((e) => e.action)).toEqual(['period.statement-resend-requested', 'period.statement-resent']);
    // Rita downloads her own statement: the same bytes.
    const mine = (await h.http('GET', '/api/v1/me/statements', { as: rita })).body.statements.find((s: { periodId: string }) => s.periodId === periodId);
    const download = await fetch(`${h.baseUrl}/api/v1/statements/${mine.id}`, { headers: { authorization: `Bearer ${h.token(rita)}` } });
    expect(Buffer.from(await download.arrayBuffer()).equals(originalPdf)).toBe(true);
  });

  it('a later close restates nothing twice: March’s freeze finds January’s late deals known (and nobody’s balance negative); March, blocked, has no statement to resend', async () => {
    const periodId = fromStage(febId, 'February closed');
    const { rita } = people();
    const march = await h.http('POST', '/api/v1/periods', { as: h.org.ops, body: { key: '2026-03' } });
    const marchId = march.body.id as string;
    const [snapshot] = await h.db.query(`SELECT content FROM close_snapshots s JOIN payouts p ON p.snapshot_id = s.id WHERE p.period_id = $1 LIMIT 1`, [periodId]);
    expect(snapshot.content.restatements).toEqual([expect.objectContaining({
      periodKey: '2026-01', deals: ['D-A2', 'D-B1X', 'D-A1X'].map((transactionId) => expect.objectContaining({ transactionId })),
    })]);
    expect(snapshot.content.credits.map((c: { transactionId: string }) => c.transactionId).sort()).toEqual(['D-A3', 'D-B2', 'D-H3']);
    expect((await h.http('POST', `/api/v1/periods/${marchId}/close`, { as: h.org.finance })).status).toBe(202);
    const marchSnapshot = await eventually(async () => (await h.db.query(`SELECT content, exceptions FROM close_snapshots WHERE period_id = $1`, [marchId]))[0], 'March frozen', 60_000);
    expect(marchSnapshot.content.restatements).toBeUndefined();
    expect(marchSnapshot.content.adjustments).toBeUndefined(); // nobody's latest payout is negative
    await eventually(async () => (await h.http('GET', `/api/v1/periods/${marchId}`, { as: h.org.ops })).body.status === 'open', 'March blocked (no quotas), open again', 60_000);
    expect((await h.http('POST', resendPath(rita.id, marchId), { as: h.org.finance })).body.code).toBe('PERIOD.NOT_CLOSED');
  });
});
