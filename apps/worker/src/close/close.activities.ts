import { Inject, Injectable } from '@nestjs/common';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { AppConfig } from '@quotaflow/config';
import {
  calculateBatch,
  closeBatchInput,
  closeException,
  creditsForDeal,
  DEFAULT_APPROVAL_POLICY,
  formatMoney,
  isDomainError,
  planNeedsQuota,
  resolveStages,
  withThresholds,
  type CloseExceptionView,
  type CloseSnapshotContent,
  type CreditRow,
  type OwnershipPeriod,
  type ParticipantPeriodOutput,
  type PlanInput,
} from '@quotaflow/domain';
import {
  ApprovalRepository,
  AuditLog,
  canonicalJson,
  CloseSnapshotEntity,
  OrganisationRepository,
  PayoutEntity,
  PeriodEntity,
  sha256Hex,
  StatementEntity,
  type EmailOutboxEntity,
} from '@quotaflow/persistence';
import type { CalculateBatchInput, CloseActivities, ClosePosition, CloseTotals, FreezeCloseResult, RoutedApproval } from '@quotaflow/workflows';
import type { RecordedDecision } from '@quotaflow/domain';
import { SYSTEM_CLOSE_REQUESTER_ID } from '@quotaflow/domain';
import { DataSource, type EntityManager } from 'typeorm';
import { OutboxDelivery } from '../activities/outbox-delivery';
import { toRoutedApproval } from '../approvals/routing';
import { render } from '../templates/message';
import { statementMessage } from '../templates/close.templates';
import { APP_CONFIG } from '../worker.tokens';
import { renderStatementPdf } from './statement.renderer';

function permanent(e: unknown): never {
  if (isDomainError(e)) throw ApplicationFailure.create({ type: e.code, message: e.message, nonRetryable: true, details: [e.details ?? null] });
  throw e;
}

interface DealRow {
  id: string;
  external_id: string | null;
  account_id: string;
  stage: 'won' | 'open' | 'lost';
  close_date: string;
  amount: string;
  currency: string | null;
  type: string;
  product: string | null;
  credits: { personId: string; share: string }[] | null;
  reverses_deal_id: string | null;
}

/**
 * The monthly close's own activities. Ids, counts and totals in and out; idempotent by business
 * key: a snapshot per (period, run), payouts per (period, rep, version), a statement per (period,
 * rep), an email per purpose, audit events by dedupe key.
 */
@Injectable()
export class CloseActivitiesService implements CloseActivities {
  private readonly approvals: ApprovalRepository;
  private readonly organisation: OrganisationRepository;

  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditLog,
    private readonly delivery: OutboxDelivery,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.approvals = new ApprovalRepository(dataSource);
    this.organisation = new OrganisationRepository(dataSource);
  }

  private async period(m: EntityManager, id: string): Promise<PeriodEntity> {
    const period = await m.findOneBy(PeriodEntity, { id });
    if (!period) throw ApplicationFailure.nonRetryable(`No period ${id}.`, 'PERIOD.NOT_FOUND');
    return period;
  }

  private async snapshotOf(m: EntityManager, periodId: string, runId: string): Promise<CloseSnapshotEntity> {
    const snapshot = await m.findOneBy(CloseSnapshotEntity, { periodId, runId });
    if (!snapshot) throw ApplicationFailure.nonRetryable(`No frozen snapshot of period ${periodId} for run ${runId}.`, 'PERIOD.NOT_FROZEN');
    return snapshot;
  }

  private event(input: ClosePosition, what: string, extra: Record<string, unknown> = {}) {
    return {
      dedupeKey: `${input.workflowId}:${input.runId}:${what}`,
      action: `period.${what.replace(/:.*$/, '')}`,
      subject: `close:${input.periodId}`,
      workflowId: input.workflowId,
      runId: input.runId,
      occurredAt: new Date(input.at),
      ...extra,
    };
  }

  async beginClose(input: ClosePosition & { requesterId: string }): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      const period = await this.period(m, input.periodId);
      if (period.status === 'closed') throw ApplicationFailure.nonRetryable(`Period ${period.key} is closed.`, 'PERIOD.CLOSED');
      if (period.status !== 'closing' || period.workflowId !== input.workflowId) {
        await m.update(PeriodEntity, { id: period.id }, { status: 'closing', workflowId: input.workflowId });
      }
      await this.audit.append(this.event(input, 'close-started', { actorId: input.requesterId, actorRole: input.requesterId === SYSTEM_CLOSE_REQUESTER_ID ? 'system' : 'finance', data: { periodKey: period.key } }), m);
    });
  }

  async freezeClose(input: ClosePosition): Promise<FreezeCloseResult> {
    const summary = (s: CloseSnapshotEntity): FreezeCloseResult => {
      const content = s.content as CloseSnapshotContent;
      return {
        snapshotId: s.id, hash: s.contentHash, reps: content.participants.length, deals: content.deals,
        blocking: s.exceptions.filter((e) => e.severity === 'blocking').length, warnings: s.exceptions.filter((e) => e.severity === 'warning').length,
      };
    };
    const m = this.dataSource.manager;
    const existing = await m.findOneBy(CloseSnapshotEntity, { periodId: input.periodId, runId: input.runId });
    if (existing) return summary(existing);
    const period = await this.period(m, input.periodId);
    const currency = this.config.organisation.currency;
    const exceptions: CloseExceptionView[] = [];
    // One REPEATABLE READ transaction: every input as of one instant, whatever imports run meanwhile.
    const content = await this.dataSource.transaction('REPEATABLE READ', async (t) => {
      const frozenAt = new Date(input.at).toISOString();
      const people = (await t.query(`SELECT id, name, active, team_id, end_date FROM people`)) as { id: string; name: string; active: boolean; team_id: string | null; end_date: string | null }[];
      const byId = new Map(people.map((p) => [p.id, p]));
      const assignments = (await t.query(
        `SELECT DISTINCT ON (pa.person_id) pa.person_id, pa.plan_version_id, pv.plan_id, pv.version, pv.document, p.name AS plan_name
           FROM plan_assignments pa JOIN plan_versions pv ON pv.id = pa.plan_version_id JOIN plans p ON p.id = pv.plan_id
          WHERE pa.status = 'accepted' AND pv.effective_from <= $2 AND pv.effective_to >= $1
          ORDER BY pa.person_id, pv.effective_from DESC, pv.version DESC`,
        [period.startDate, period.endDate],
      )) as { person_id: string; plan_version_id: string; plan_id: string; version: number; document: PlanInput; plan_name: string }[];
      const quotas = new Map(((await t.query(
        `SELECT l.person_id, l.amount FROM quota_sets qs
           JOIN quota_set_versions v ON v.quota_set_id = qs.id AND v.version = qs.effective_version
           JOIN quota_lines l ON l.quota_set_version_id = v.id
          WHERE qs.effective_version IS NOT NULL AND (qs.period_id = $1 OR (qs.period_start = $2 AND qs.period_end = $3))`,
        [period.key, period.startDate, period.endDate],
      )) as { person_id: string; amount: string }[]).map((r) => [r.person_id, r.amount]));
      const previous = ((await t.query(
        `SELECT id, current_version FROM periods WHERE status = 'closed' AND end_date < $1 ORDER BY end_date DESC LIMIT 1`,
        [period.startDate],
      )) as { id: string; current_version: number }[])[0];
      const carried = new Map<string, unknown>();
      if (previous) {
        const rows = (await t.query(`SELECT person_id, state FROM payouts WHERE period_id = $1 AND calculation_version = $2`, [previous.id, previous.current_version])) as { person_id: string; state: unknown }[];
        for (const r of rows) carried.set(r.person_id, r.state);
      }

      const dealColumns = `d.id, d.external_id, d.account_id, d.stage, d.close_date::text AS close_date, d.amount::text AS amount, d.currency, d.type, pr.code AS product, d.credits, d.reverses_deal_id`;
      const deals = (await t.query(
        `SELECT ${dealColumns} FROM deals d LEFT JOIN products pr ON pr.id = d.product_id
          WHERE d.stage = 'won' AND NOT d.close_date_missing AND d.close_date BETWEEN $1 AND $2 ORDER BY d.close_date, d.id`,
        [period.startDate, period.endDate],
      )) as DealRow[];
      const originalIds = [...new Set(deals.map((d) => d.reverses_deal_id).filter((id): id is string => id !== null))];
      const originals = new Map(((originalIds.length > 0
        ? await t.query(`SELECT ${dealColumns} FROM deals d LEFT JOIN products pr ON pr.id = d.product_id WHERE d.id = ANY($1)`, [originalIds])
        : []) as DealRow[]).map((d) => [d.id, d]));
      const accountIds = [...new Set([...deals, ...originals.values()].map((d) => d.account_id))];
      const ownership = new Map<string, OwnershipPeriod[]>();
      for (const r of (await t.query(
        `SELECT account_id, territory_id, effective_from::text AS "from", effective_to::text AS "to" FROM account_ownership WHERE account_id = ANY($1)`,
        [accountIds],
      )) as { account_id: string; territory_id: string; from: string; to: string | null }[]) {
        const list = ownership.get(r.account_id) ?? [];
        list.push({ territoryId: r.territory_id, from: r.from, to: r.to });
        ownership.set(r.account_id, list);
      }
      const owners = new Map(((await t.query(`SELECT id, owner_person_id FROM territories`)) as { id: string; owner_person_id: string | null }[]).map((r) => [r.id, r.owner_person_id]));
      const transactionId = (d: DealRow) => d.external_id ?? d.id;
      const creditsOf = (d: DealRow) =>
        creditsForDeal(
          { id: transactionId(d), stage: d.stage, closeDate: d.close_date, amount: d.amount, type: d.type, product: d.product, credits: d.credits, reverses: null },
          ownership.get(d.account_id) ?? [],
          (territoryId) => owners.get(territoryId),
        );

      const participantIds = new Set(assignments.map((a) => a.person_id));
      const credits: CreditRow[] = [];
      const noPlan = new Set<string>();
      for (const d of deals) {
        if (d.currency !== null && d.currency !== currency) {
          exceptions.push(closeException('DEAL.FOREIGN_CURRENCY', `Deal ${transactionId(d)} is in ${d.currency}; the organisation pays in ${currency}.`, { dealId: d.id }));
          continue;
        }
        const original = d.reverses_deal_id ? originals.get(d.reverses_deal_id) : undefined;
        const shares = creditsOf(original ?? d);
        if (shares.length === 0) {
          exceptions.push(closeException('DEAL.NO_CREDIT', `Deal ${transactionId(d)} credits nobody: no explicit credits and no territory owner on its close date.`, { dealId: d.id }));
          continue;
        }
        for (const share of shares) {
          const person = byId.get(share.participantId);
          if (!person) {
            exceptions.push(closeException('DEAL.UNKNOWN_PERSON', `Deal ${transactionId(d)} credits an unknown person ${share.participantId}.`, { dealId: d.id, personId: share.participantId }));
            continue;
          }
          if (!person.active && (person.end_date === null || person.end_date < period.startDate)) {
            exceptions.push(closeException('DEAL.INACTIVE_PERSON', `Deal ${transactionId(d)} credits ${person.name}, who is inactive.`, { dealId: d.id, personId: person.id }));
          }
          if (!participantIds.has(person.id)) {
            noPlan.add(person.id);
            continue;
          }
          credits.push({
            participantId: person.id,
            transactionId: transactionId(d),
            seq: credits.length,
            date: d.close_date,
            amount: d.amount,
            share: share.share,
            type: (original ?? d).type,
            product: (original ?? d).product,
            ...(original ? { reverses: transactionId(original), reversedAmount: original.amount } : {}),
          });
        }
      }
      for (const personId of noPlan) {
        exceptions.push(closeException('REP.NO_ACCEPTED_PLAN', `${byId.get(personId)?.name ?? personId} is credited in ${period.key} but has no accepted plan for it: not calculated.`, { personId }));
      }
      const plans = new Map<string, CloseSnapshotContent['plans'][number]>();
      const participants: CloseSnapshotContent['participants'] = [];
      for (const a of [...assignments].sort((x, y) => (x.person_id < y.person_id ? -1 : 1))) {
        const person = byId.get(a.person_id);
        plans.set(a.plan_version_id, { planVersionId: a.plan_version_id, planId: a.plan_id, planName: a.plan_name, version: a.version, document: a.document });
        const quota = quotas.get(a.person_id) ?? null;
        if (quota === null) {
          const needed = planNeedsQuota(a.document);
          exceptions.push(closeException('REP.NO_LOCKED_QUOTA', `${person?.name ?? a.person_id} has no locked quota for ${period.key}${needed ? ', and their plan is keyed on attainment' : ''}.`, { personId: a.person_id, blocking: needed }));
        }
        participants.push({ personId: a.person_id, name: person?.name ?? a.person_id, teamId: person?.team_id ?? null, planVersionId: a.plan_version_id, quota, state: carried.get(a.person_id) ?? null });
      }
      const snapshot: CloseSnapshotContent = {
        period: { id: period.id, key: period.key, start: period.startDate, end: period.endDate },
        currency, frozenAt, plans: [...plans.values()], participants, credits, deals: deals.length, previousPeriodId: previous?.id ?? null,
      };
      return snapshot;
    });
    Context.current().heartbeat('frozen');
    const hash = sha256Hex(canonicalJson(content));
    await this.dataSource.transaction(async (t) => {
      await t.createQueryBuilder().insert().into(CloseSnapshotEntity)
        .values({ periodId: input.periodId, runId: input.runId, frozenAt: new Date(input.at), content, contentHash: hash, exceptions })
        .orIgnore().execute();
      await this.audit.append(this.event(input, 'frozen', {
        data: { hash, reps: content.participants.length, deals: content.deals, blocking: exceptions.filter((e) => e.severity === 'blocking').length, warnings: exceptions.filter((e) => e.severity === 'warning').length },
      }), t);
    });
    return summary(await this.snapshotOf(m, input.periodId, input.runId));
  }

  async blockClose(input: ClosePosition & { snapshotId: string; blocking: number }): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      await m.update(PeriodEntity, { id: input.periodId, status: 'closing' }, { status: 'open' });
      await this.audit.append(this.event(input, 'close-blocked', { data: { snapshotId: input.snapshotId, blocking: input.blocking } }), m);
    });
  }

  async calculateCloseBatch(input: CalculateBatchInput): Promise<{ reps: number }> {
    const m = this.dataSource.manager;
    const snapshot = await m.findOneBy(CloseSnapshotEntity, { id: input.snapshotId });
    if (!snapshot) throw ApplicationFailure.nonRetryable(`No snapshot ${input.snapshotId}.`, 'PERIOD.NOT_FROZEN');
    const content = snapshot.content as CloseSnapshotContent;
    const slice = content.participants.slice(input.offset, input.offset + input.limit);
    if (slice.length === 0) return { reps: 0 };
    const done = new Set(((await m.query(
      `SELECT person_id FROM payouts WHERE period_id = $1 AND calculation_version = $2 AND person_id = ANY($3)`,
      [input.periodId, input.version, slice.map((p) => p.personId)],
    )) as { person_id: string }[]).map((r) => r.person_id));
    const todo = slice.filter((p) => !done.has(p.personId));
    if (todo.length > 0) {
      let output;
      try {
        output = calculateBatch(closeBatchInput(content, todo));
      } catch (e) {
        permanent(e);
      }
      Context.current().heartbeat({ calculated: todo.length });
      const results = new Map(output.periods[0]!.participants.map((r) => [r.participantId, r]));
      const rows = todo.map((p) => {
        const r = results.get(p.personId)!;
        return {
          periodId: input.periodId, personId: p.personId, calculationVersion: input.version, snapshotId: input.snapshotId, planVersionId: p.planVersionId,
          teamId: p.teamId, currency: content.currency, earnings: r.earnings, adjustments: r.adjustments, draw: r.draw, recovery: r.recovery, payout: r.payout,
          result: r, state: output.state[p.personId] ?? {},
        };
      });
      await m.createQueryBuilder().insert().into(PayoutEntity).values(rows).orIgnore().execute();
    }
    return { reps: slice.length };
  }

  private async totals(m: EntityManager, periodId: string, version: number): Promise<CloseTotals> {
    const [row] = (await m.query(
      `SELECT count(*)::int AS reps, coalesce(sum(payout), 0)::numeric(18,2)::text AS payout_total, coalesce(sum(earnings), 0)::numeric(18,2)::text AS earnings_total,
              count(*) FILTER (WHERE payout < 0)::int AS negative
         FROM payouts WHERE period_id = $1 AND calculation_version = $2`,
      [periodId, version],
    )) as { reps: number; payout_total: string; earnings_total: string; negative: number }[];
    return { version, reps: row!.reps, payoutTotal: row!.payout_total, earningsTotal: row!.earnings_total, negativeCount: row!.negative };
  }

  async finishCalculation(input: ClosePosition & { snapshotId: string; version: number; requesterId: string }): Promise<CloseTotals> {
    return this.dataSource.transaction(async (m) => {
      const totals = await this.totals(m, input.periodId, input.version);
      await m.update(PeriodEntity, { id: input.periodId, status: 'closing' }, { currentVersion: input.version });
      await this.audit.append(this.event(input, `calculated:v${input.version}`, { data: { ...totals, snapshotId: input.snapshotId } }), m);
      return totals;
    });
  }

  async routeCloseApproval(input: ClosePosition & { version: number; round: number; requesterId: string }): Promise<RoutedApproval> {
    const m = this.dataSource.manager;
    const rows = (await m.query(`SELECT person_id, team_id FROM payouts WHERE period_id = $1 AND calculation_version = $2 ORDER BY person_id`, [input.periodId, input.version])) as { person_id: string; team_id: string | null }[];
    const org = await this.organisation.snapshot({}, m);
    Context.current().heartbeat('organisation read');
    const subject = `close:${input.periodId}`;
    const subjectPersonIds = rows.map((r) => r.person_id);
    const subjectTeamIds = [...new Set(rows.map((r) => r.team_id).filter((id): id is string => id !== null))].sort();
    let stages;
    try {
      stages = resolveStages(
        withThresholds(DEFAULT_APPROVAL_POLICY, { financeAbove: this.config.approvals.financeThreshold }),
        { kind: 'commission-close', subject, requesterId: input.requesterId, subjectPersonIds, subjectTeamIds },
        org,
      );
    } catch (e) {
      permanent(e);
    }
    const routed = await toRoutedApproval(this.approvals, `${input.workflowId}:${input.runId}:r${input.round}`, subject, { requesterId: input.requesterId, subjectPersonIds }, stages);
    await this.audit.append(this.event(input, `routed:r${input.round}`, {
      data: { round: input.round, version: input.version, steps: routed.steps.map((s) => (s.kind === 'inline' ? s.stages.map((st) => st.id) : { delegated: s.stageCount })) },
    }));
    return routed;
  }

  async returnClose(input: ClosePosition & { version: number; round: number; decision: RecordedDecision }): Promise<void> {
    await this.audit.append(this.event(input, `returned:r${input.round}`, {
      actorId: input.decision.actorId, comment: input.decision.comment ?? null,
      data: { round: input.round, version: input.version, stageId: input.decision.stageId, nextVersion: input.version + 1 },
    }));
  }

  async sendStatementBatch(input: ClosePosition & { version: number; offset: number; limit: number }): Promise<{ sent: number }> {
    const m = this.dataSource.manager;
    const period = await this.period(m, input.periodId);
    const payouts = await m.find(PayoutEntity, { where: { periodId: input.periodId, calculationVersion: input.version }, order: { personId: 'ASC' }, skip: input.offset, take: input.limit });
    if (payouts.length === 0) return { sent: 0 };
    const people = await this.organisation.people([...payouts.map((p) => p.personId)], m);
    const managers = await this.organisation.people([...people.values()].map((p) => p.managerId).filter((id): id is string => id !== null), m);
    const planNames = new Map(((await m.query(
      `SELECT pv.id, p.name, pv.version FROM plan_versions pv JOIN plans p ON p.id = pv.plan_id WHERE pv.id = ANY($1)`,
      [[...new Set(payouts.map((p) => p.planVersionId))]],
    )) as { id: string; name: string; version: number }[]).map((r) => [r.id, `${r.name} (version ${r.version})`]));
    const quotas = new Map(((await m.query(`SELECT content FROM close_snapshots WHERE id = $1`, [payouts[0]!.snapshotId])) as { content: CloseSnapshotContent }[])[0]?.content.participants.map((p) => [p.personId, p.quota]) ?? []);
    const rows: EmailOutboxEntity[] = [];
    for (const payout of payouts) {
      const rep = people.get(payout.personId);
      if (!rep) continue;
      const purpose = `close:${input.periodId}:statement:${rep.id}`;
      const row = await this.dataSource.transaction(async (t) => {
        const exists = await t.findOneBy(StatementEntity, { periodId: input.periodId, personId: rep.id });
        if (!exists) {
          const rendered = await renderStatementPdf({
            companyName: this.config.organisation.name, currency: payout.currency, repName: rep.name, title: typeof rep.attributes.title === 'string' ? rep.attributes.title : null,
            managerName: rep.managerId ? managers.get(rep.managerId)?.name ?? null : null, planName: planNames.get(payout.planVersionId) ?? 'plan',
            periodKey: period.key, periodStart: period.startDate, periodEnd: period.endDate, calculationVersion: payout.calculationVersion,
            quota: quotas.get(rep.id) ?? null, result: payout.result as ParticipantPeriodOutput, issuedAt: new Date(input.at), payoutId: payout.id,
          });
          await t.createQueryBuilder().insert().into(StatementEntity).values({
            periodId: input.periodId, personId: rep.id, payoutId: payout.id, calculationVersion: payout.calculationVersion, pdf: rendered.pdf, sha256: rendered.sha256, pages: rendered.pages,
          }).orIgnore().execute();
        }
        const message = render(statementMessage({
          periodId: period.id, periodKey: period.key, version: payout.calculationVersion, baseUrl: this.config.http.publicBaseUrl,
          recipientName: rep.name, payout: `${payout.currency} ${formatMoney(payout.payout)}`,
        }));
        return this.delivery.outbox.enqueue({
          purpose, toAddress: rep.email, subject: message.subject, text: message.text, html: message.html,
          attachments: [{ filename: `statement-${period.key}-${rep.name.replace(/[^A-Za-z0-9.-]+/g, '-')}.pdf`, contentType: 'application/pdf', source: { kind: 'statement', periodId: input.periodId, personId: rep.id } }],
        }, t);
      });
      rows.push(row);
    }
    let sent = 0;
    for (const row of rows) {
      const status = await this.delivery.deliver(row);
      if (status === 'sent') {
        await this.audit.append(this.event(input, `statement-sent:${row.purpose}`, { data: { purpose: row.purpose, messageId: row.messageId, version: input.version } }));
      }
      sent += 1;
      Context.current().heartbeat({ sent, of: rows.length });
    }
    return { sent };
  }

  async completeClose(input: ClosePosition & { version: number }): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      const period = await this.period(m, input.periodId);
      if (period.status !== 'closed') {
        const totals = await this.totals(m, input.periodId, input.version);
        await this.audit.append(this.event(input, 'closed', { data: { ...totals, periodKey: period.key } }), m);
        await m.update(PeriodEntity, { id: period.id }, { status: 'closed', closedAt: new Date(input.at), currentVersion: input.version });
      }
    });
  }
}
