import { Inject, Injectable } from '@nestjs/common';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { faultPoint, type AppConfig } from '@quotaflow/config';
import {
  APPROVE_ADJUST_REJECT,
  calculateBatch,
  closeBatchInput,
  closeException as closeExceptionWith,
  closeExceptionSeverities,
  decAdd,
  DEFAULT_APPROVAL_POLICY,
  formatMoney,
  isDomainError,
  planNeedsQuota,
  resolveStages,
  withThresholds,
  type CloseChanges,
  type CloseExceptionView,
  type CloseRepAdjustment,
  type CloseSnapshotContent,
  type CreditRow,
  type ParticipantPeriodOutput,
  type PlanInput,
  type SnapshotAdjustment,
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
import { DealCredits, dealDigest, transactionIdOf, wonDealsBetween } from './deal-credits';
import { readCarriedBalances, readPriorPeriods } from './prior-period.reader';
import { paidOf, renderStatementPdf } from './statement.renderer';

/** Negative payouts of one version finance acknowledges one by one, at most. */
export const MAX_NEGATIVES_TO_ACKNOWLEDGE = 2000;

function permanent(e: unknown): never {
  if (isDomainError(e)) throw ApplicationFailure.create({ type: e.code, message: e.message, nonRetryable: true, details: [e.details ?? null] });
  throw e;
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
    const severities = closeExceptionSeverities(this.config.close.exceptionSeverity);
    const closeException = (...args: Parameters<typeof closeExceptionWith>) => closeExceptionWith(args[0], args[1], args[2], severities);
    // Exceptions found by the shared readers (deal credits, late deals) carry the default severity: the configured one replaces it.
    const configured = (found: readonly CloseExceptionView[]) => found.map((e) => ({ ...e, severity: severities[e.code] }));
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

      const deals = await wonDealsBetween(t, period.startDate, period.endDate);
      const dealCredits = await DealCredits.load(t, deals);
      const participantIds = new Set(assignments.map((a) => a.person_id));
      // After a close: late deals of closed periods become prior-period adjustments of this one
      // (a cancellation dated here of a closed period's deal among them), and each rep's negative
      // balance is carried in to be recovered (docs/CONTRACTS.md "Monthly close").
      const prior = await readPriorPeriods(t, { start: period.startDate, end: period.endDate, previousId: previous?.id ?? null, participantIds, people: byId, currency });
      exceptions.push(...configured(prior.exceptions));
      const credits: CreditRow[] = [];
      const noPlan = new Set<string>();
      const dealDigests: Record<string, { t: string; h: string }> = {};
      for (const d of deals) {
        dealDigests[d.id] = { t: transactionIdOf(d), h: dealDigest(d) };
        if (prior.routedDealIds.has(d.id)) continue;
        const got = dealCredits.rowsOf(d, { currency, periodStart: period.startDate, participantIds, people: byId, seq: credits.length });
        exceptions.push(...configured(got.exceptions));
        for (const personId of got.noPlan) noPlan.add(personId);
        credits.push(...got.rows);
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
      for (const participant of participants) {
        const restated = prior.state.get(participant.personId);
        if (restated) participant.state = restated;
      }
      const balances = await readCarriedBalances(t, { start: period.startDate, participantIds: participants.map((x) => x.personId) });
      const adjustments = [...balances, ...prior.adjustments];
      // Payouts held in earlier closes, carried into this one as adjustments (released when it closes).
      const ids = participants.map((p) => p.personId);
      const carriedIn = ((await t.query(
        `SELECT c.id, c.person_id, c.amount::text AS amount, c.reason, p.key FROM close_carries c JOIN periods p ON p.id = c.from_period_id
          WHERE c.released_in_period_id IS NULL AND p.status = 'closed' AND p.end_date < $1 AND c.person_id = ANY($2) ORDER BY p.end_date, c.person_id`,
        [period.startDate, ids],
      )) as { id: string; person_id: string; amount: string; reason: string; key: string }[]).map((c) => ({ carryId: c.id, personId: c.person_id, amount: c.amount, reason: `Held in ${c.key}: ${c.reason}` }));
      const snapshot: CloseSnapshotContent = {
        period: { id: period.id, key: period.key, start: period.startDate, end: period.endDate },
        currency, frozenAt, plans: [...plans.values()], participants, credits, deals: deals.length, previousPeriodId: previous?.id ?? null,
        dealDigests,
        ...(carriedIn.length > 0 ? { carried: carriedIn } : {}),
        ...(adjustments.length > 0 ? { adjustments } : {}),
        ...(prior.restatements.length > 0 ? { restatements: prior.restatements } : {}),
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
    const content = await this.batchOfSnapshot(m, input.snapshotId, input.offset, input.limit);
    const slice = content.participants;
    if (slice.length === 0) return { reps: 0 };
    const done = new Set(((await m.query(
      `SELECT person_id FROM payouts WHERE period_id = $1 AND calculation_version = $2 AND person_id = ANY($3)`,
      [input.periodId, input.version, slice.map((p) => p.personId)],
    )) as { person_id: string }[]).map((r) => r.person_id));
    const todo = slice.filter((p) => !done.has(p.personId));
    if (todo.length > 0) await this.calculateReps(m, input, content, todo);
    await faultPoint('close-batch-stored', `${input.periodId}:${input.offset}`);
    return { reps: slice.length };
  }

  /**
   * The snapshot as one batch needs it: its reps `offset`..`offset + limit` and only their credits,
   * cut out by PostgreSQL (in snapshot order), with everything else as frozen. A batch no longer
   * reads and parses every rep's and every credit of the organisation (40 times at 10,000 reps);
   * closeBatchInput gives the same engine input from it as from the whole snapshot.
   */
  private async batchOfSnapshot(m: EntityManager, snapshotId: string, offset: number, limit: number): Promise<CloseSnapshotContent> {
    const [row] = (await m.query(
      `WITH s AS (SELECT content FROM close_snapshots WHERE id = $1),
            reps AS (SELECT p, i FROM s, jsonb_array_elements(s.content->'participants') WITH ORDINALITY AS x(p, i) WHERE i > $2::int AND i <= $2::int + $3::int)
       SELECT (SELECT content - 'participants' - 'credits' - 'dealDigests' - 'restatements' FROM s) AS base,
              (SELECT coalesce(jsonb_agg(p ORDER BY i), '[]'::jsonb) FROM reps) AS participants,
              (SELECT coalesce(jsonb_agg(c ORDER BY j), '[]'::jsonb) FROM s, jsonb_array_elements(s.content->'credits') WITH ORDINALITY AS y(c, j)
                WHERE c->>'participantId' IN (SELECT p->>'personId' FROM reps)) AS credits`,
      [snapshotId, offset, limit],
    )) as { base: Omit<CloseSnapshotContent, 'participants' | 'credits'> | null; participants: CloseSnapshotContent['participants']; credits: CloseSnapshotContent['credits'] }[];
    if (!row?.base) throw ApplicationFailure.nonRetryable(`No snapshot ${snapshotId}.`, 'PERIOD.NOT_FROZEN');
    return { ...row.base, participants: row.participants, credits: row.credits } as CloseSnapshotContent;
  }

  /** The managers' adjustments and holds in force for `version` (asked on earlier versions), of these reps. */
  private async changesFor(m: EntityManager, periodId: string, version: number, personIds: readonly string[]): Promise<{ adjustments: CloseRepAdjustment[]; held: Set<string> }> {
    const rows = (await m.query(
      `SELECT person_id, kind, amount::text AS amount, reason FROM close_changes
        WHERE period_id = $1 AND effective_version <= $2 AND person_id = ANY($3) ORDER BY requested_on_version, person_id`,
      [periodId, version, personIds],
    )) as { person_id: string; kind: 'adjustment' | 'hold'; amount: string | null; reason: string }[];
    return {
      adjustments: rows.filter((r) => r.kind === 'adjustment').map((r) => ({ personId: r.person_id, amount: r.amount!, reason: r.reason })),
      held: new Set(rows.filter((r) => r.kind === 'hold').map((r) => r.person_id)),
    };
  }

  /** These reps of the snapshot through the engine with their adjustments; payouts stored once (period, rep, version). */
  private async calculateReps(m: EntityManager, input: ClosePosition & { snapshotId: string; version: number }, content: CloseSnapshotContent, reps: CloseSnapshotContent['participants']): Promise<void> {
    const changes = await this.changesFor(m, input.periodId, input.version, reps.map((p) => p.personId));
    let output;
    try {
      output = calculateBatch(closeBatchInput(content, reps, changes.adjustments));
    } catch (e) {
      permanent(e);
    }
    Context.current().heartbeat({ calculated: reps.length });
    const results = new Map(output.periods[0]!.participants.map((r) => [r.participantId, r]));
    const rows = reps.map((p) => {
      const r = results.get(p.personId)!;
      return {
        periodId: input.periodId, personId: p.personId, calculationVersion: input.version, snapshotId: input.snapshotId, planVersionId: p.planVersionId,
        teamId: p.teamId, currency: content.currency, earnings: r.earnings, adjustments: r.adjustments, draw: r.draw, recovery: r.recovery, payout: r.payout,
        result: r, state: output.state[p.personId] ?? {}, held: changes.held.has(p.personId), copiedFromVersion: null,
      };
    });
    await m.createQueryBuilder().insert().into(PayoutEntity).values(rows).orIgnore().execute();
  }

  async recalculateCloseVersion(input: ClosePosition & { snapshotId: string; fromVersion: number; version: number }): Promise<{ copied: number; recalculated: number }> {
    const m = this.dataSource.manager;
    const snapshot = await m.findOneBy(CloseSnapshotEntity, { id: input.snapshotId });
    if (!snapshot) throw ApplicationFailure.nonRetryable(`No snapshot ${input.snapshotId}.`, 'PERIOD.NOT_FROZEN');
    const content = snapshot.content as CloseSnapshotContent;
    const affected = ((await m.query(
      `SELECT DISTINCT person_id FROM close_changes WHERE period_id = $1 AND requested_on_version = $2 AND effective_version = $3 ORDER BY person_id`,
      [input.periodId, input.fromVersion, input.version],
    )) as { person_id: string }[]).map((r) => r.person_id);
    const named = new Set(affected);
    const reps = content.participants.filter((p) => named.has(p.personId));
    await this.dataSource.transaction(async (t) => {
      if (reps.length > 0) await this.calculateReps(t, input, content, reps);
      // Every other rep: the payout of the version before, copied as it is (not recalculated).
      await t.query(
        `INSERT INTO payouts (period_id, person_id, calculation_version, snapshot_id, plan_version_id, team_id, currency, earnings, adjustments, draw, recovery, payout, result, state, held, copied_from_version)
         SELECT period_id, person_id, $3, snapshot_id, plan_version_id, team_id, currency, earnings, adjustments, draw, recovery, payout, result, state, held, $2
           FROM payouts WHERE period_id = $1 AND calculation_version = $2 AND NOT (person_id = ANY($4::uuid[]))
         ON CONFLICT (period_id, person_id, calculation_version) DO NOTHING`,
        [input.periodId, input.fromVersion, input.version, affected],
      );
    });
    const [counts] = (await m.query(
      `SELECT count(*) FILTER (WHERE copied_from_version IS NOT NULL)::int AS copied, count(*) FILTER (WHERE copied_from_version IS NULL)::int AS recalculated
         FROM payouts WHERE period_id = $1 AND calculation_version = $2`,
      [input.periodId, input.version],
    )) as { copied: number; recalculated: number }[];
    return counts!;
  }

  async recordCloseChanges(input: ClosePosition & { version: number; round: number; decision: RecordedDecision; changes: CloseChanges }): Promise<{ adjustments: number; holds: number }> {
    const { decision, changes } = input;
    const teamId = decision.stageId.startsWith('team:') ? decision.stageId.slice('team:'.length) : null;
    return this.dataSource.transaction(async (m) => {
      const personIds = [...changes.adjustments, ...changes.holds].map((c) => c.personId);
      // The API checked each rep against the team under review; checked again against the stored version.
      const inTeam = new Map(((await m.query(
        `SELECT person_id, team_id FROM payouts WHERE period_id = $1 AND calculation_version = $2 AND person_id = ANY($3)`,
        [input.periodId, input.version, personIds],
      )) as { person_id: string; team_id: string | null }[]).map((r) => [r.person_id, r.team_id]));
      const counted = { adjustments: 0, holds: 0 };
      const items = [
        ...changes.adjustments.map((c) => ({ kind: 'adjustment' as const, personId: c.personId, amount: c.amount, reason: c.reason })),
        ...changes.holds.map((c) => ({ kind: 'hold' as const, personId: c.personId, amount: null, reason: c.reason })),
      ];
      for (const item of items) {
        if (teamId === null || inTeam.get(item.personId) !== teamId) {
          await this.audit.append(this.event(input, `change-refused:v${input.version}:${item.personId}`, {
            actorId: decision.actorId, actorRole: 'manager', data: { ...item, version: input.version, stageId: decision.stageId, reason: 'not a rep of the team under review in this version' },
          }), m);
          continue;
        }
        await m.query(
          `INSERT INTO close_changes (period_id, workflow_id, run_id, requested_on_version, effective_version, kind, person_id, team_id, amount, reason, requested_by_id, stage_id, round, requested_at)
           VALUES ($1, $2, $3, $4, $4 + 1, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT (period_id, requested_on_version, person_id) DO NOTHING`,
          [input.periodId, input.workflowId, input.runId, input.version, item.kind, item.personId, teamId, item.amount, item.reason, decision.actorId, decision.stageId, input.round, new Date(decision.at)],
        );
        await this.audit.append(this.event(input, `${item.kind}-requested:v${input.version}:${item.personId}`, {
          actorId: decision.actorId, actorRole: 'manager', comment: item.reason,
          data: { personId: item.personId, ...(item.amount !== null ? { amount: item.amount } : {}), reason: item.reason, version: input.version, effectiveVersion: input.version + 1, stageId: decision.stageId },
        }), m);
        counted[item.kind === 'adjustment' ? 'adjustments' : 'holds'] += 1;
      }
      // Back to calculation: every approval of this version is void; version n + 1 is asked again.
      await this.audit.append(this.event(input, `returned:r${input.round}`, {
        actorId: decision.actorId, comment: decision.comment ?? null,
        data: { round: input.round, version: input.version, stageId: decision.stageId, nextVersion: input.version + 1, kind: 'changes', ...counted, approvalsVoid: true },
      }), m);
      return counted;
    });
  }

  async prepareCloseReview(input: ClosePosition & { version: number }): Promise<{ negativePersonIds: string[] }> {
    // Each acknowledgement is an Update of the close (a few history events): beyond this many the
    // history would outgrow Temporal's limits, and nobody acknowledges thousands one by one anyway.
    const rows = (await this.dataSource.query(
      `SELECT person_id FROM payouts WHERE period_id = $1 AND calculation_version = $2 AND payout < 0 AND NOT held ORDER BY person_id LIMIT ${MAX_NEGATIVES_TO_ACKNOWLEDGE + 1}`,
      [input.periodId, input.version],
    )) as { person_id: string }[];
    if (rows.length > MAX_NEGATIVES_TO_ACKNOWLEDGE) {
      throw ApplicationFailure.nonRetryable(`Version ${input.version} has more than ${MAX_NEGATIVES_TO_ACKNOWLEDGE} negative payouts: too many to acknowledge one by one; check the plan or the inputs.`, 'CLOSE.TOO_MANY_NEGATIVES');
    }
    return { negativePersonIds: rows.map((r) => r.person_id) };
  }

  async acknowledgeNegativePayout(input: ClosePosition & { version: number; personId: string; actorId: string; actorRoles: string[]; comment?: string; idempotencyKey: string }): Promise<{ payout: string; acknowledgedAt: string }> {
    return this.dataSource.transaction(async (m) => {
      const [payout] = (await m.query(
        `SELECT payout::text AS payout FROM payouts WHERE period_id = $1 AND calculation_version = $2 AND person_id = $3 AND payout < 0 AND NOT held`,
        [input.periodId, input.version, input.personId],
      )) as { payout: string }[];
      if (!payout) throw ApplicationFailure.nonRetryable(`No negative payout of ${input.personId} in version ${input.version}.`, 'CLOSE.NOT_NEGATIVE');
      await m.query(
        `INSERT INTO close_negative_acks (period_id, calculation_version, person_id, payout, acknowledged_by_id, comment, acknowledged_at, workflow_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (period_id, calculation_version, person_id) DO NOTHING`,
        [input.periodId, input.version, input.personId, payout.payout, input.actorId, input.comment ?? null, new Date(input.at), input.workflowId],
      );
      const [row] = (await m.query(
        `SELECT payout::text AS payout, acknowledged_at FROM close_negative_acks WHERE period_id = $1 AND calculation_version = $2 AND person_id = $3`,
        [input.periodId, input.version, input.personId],
      )) as { payout: string; acknowledged_at: Date }[];
      await this.audit.append(this.event(input, `negative-acknowledged:v${input.version}:${input.personId}`, {
        actorId: input.actorId, actorRole: 'finance', comment: input.comment ?? null,
        data: { personId: input.personId, version: input.version, payout: row!.payout, idempotencyKey: input.idempotencyKey },
      }), m);
      return { payout: row!.payout, acknowledgedAt: row!.acknowledged_at.toISOString() };
    });
  }

  private async totals(m: EntityManager, periodId: string, version: number): Promise<CloseTotals> {
    const [row] = (await m.query(
      `SELECT count(*)::int AS reps, coalesce(sum(payout) FILTER (WHERE NOT held), 0)::numeric(18,2)::text AS payout_total, coalesce(sum(earnings), 0)::numeric(18,2)::text AS earnings_total,
              count(*) FILTER (WHERE payout < 0 AND NOT held)::int AS negative, count(*) FILTER (WHERE held)::int AS held,
              coalesce(sum(payout) FILTER (WHERE held), 0)::numeric(18,2)::text AS held_total, count(*) FILTER (WHERE copied_from_version IS NOT NULL)::int AS copied
         FROM payouts WHERE period_id = $1 AND calculation_version = $2`,
      [periodId, version],
    )) as { reps: number; payout_total: string; earnings_total: string; negative: number; held: number; held_total: string; copied: number }[];
    return {
      version, reps: row!.reps, payoutTotal: row!.payout_total, earningsTotal: row!.earnings_total, negativeCount: row!.negative,
      ...(row!.held > 0 ? { heldCount: row!.held, heldTotal: row!.held_total } : {}), ...(row!.copied > 0 ? { copied: row!.copied } : {}),
    };
  }

  async finishCalculation(input: ClosePosition & { snapshotId: string; version: number; requesterId: string }): Promise<CloseTotals> {
    return this.dataSource.transaction(async (m) => {
      const totals = await this.totals(m, input.periodId, input.version);
      await m.update(PeriodEntity, { id: input.periodId, status: 'closing' }, { currentVersion: input.version });
      await this.audit.append(this.event(input, `calculated:v${input.version}`, { data: { ...totals, snapshotId: input.snapshotId } }), m);
      return totals;
    });
  }

  async routeCloseApproval(input: ClosePosition & { version: number; round: number; requesterId: string; review?: boolean }): Promise<RoutedApproval> {
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
    // A team manager may ask for adjustments and holds instead of approving (runs since `close-review`).
    if (input.review) stages = stages.map((st) => (st.id.startsWith('team:') ? { ...st, decisions: APPROVE_ADJUST_REJECT } : st));
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
    const payouts = await m.find(PayoutEntity, { where: { periodId: input.periodId, calculationVersion: input.version, held: false }, order: { personId: 'ASC' }, skip: input.offset, take: input.limit });
    if (payouts.length === 0) return { sent: 0 };
    const people = await this.organisation.people([...payouts.map((p) => p.personId)], m);
    const managers = await this.organisation.people([...people.values()].map((p) => p.managerId).filter((id): id is string => id !== null), m);
    const planNames = new Map(((await m.query(
      `SELECT pv.id, p.name, pv.version FROM plan_versions pv JOIN plans p ON p.id = pv.plan_id WHERE pv.id = ANY($1)`,
      [[...new Set(payouts.map((p) => p.planVersionId))]],
    )) as { id: string; name: string; version: number }[]).map((r) => [r.id, `${r.name} (version ${r.version})`]));
    const frozen = ((await m.query(`SELECT content->'participants' AS participants, content->'adjustments' AS adjustments FROM close_snapshots WHERE id = $1`, [payouts[0]!.snapshotId])) as
      { participants: CloseSnapshotContent['participants'] | null; adjustments: SnapshotAdjustment[] | null }[])[0];
    const quotas = new Map((frozen?.participants ?? []).map((p) => [p.personId, p.quota]));
    const adjustmentsOf = (personId: string) => (frozen?.adjustments ?? []).filter((a) => a.participantId === personId);
    // The calendar year so far: final payouts of the closed periods before this one (a negative or
    // a held one paid nothing then; a held one is paid as an adjustment of a later close).
    const earlier = new Map(((await m.query(
      `SELECT py.person_id, coalesce(sum(greatest(py.payout, 0)) FILTER (WHERE NOT py.held), 0)::numeric(18,2)::text AS paid
         FROM payouts py JOIN periods pr ON pr.id = py.period_id AND py.calculation_version = pr.current_version
        WHERE pr.status = 'closed' AND pr.start_date >= $1 AND pr.end_date < $2 AND py.person_id = ANY($3) GROUP BY py.person_id`,
      [`${period.key.slice(0, 4)}-01-01`, period.startDate, payouts.map((p) => p.personId)],
    )) as { person_id: string; paid: string }[]).map((r) => [r.person_id, r]));
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
            adjustments: adjustmentsOf(rep.id),
            yearToDate: { paid: decAdd(earlier.get(rep.id)?.paid ?? '0.00', paidOf(payout.payout)) },
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
        // Held payouts leave with the period, to be paid by a later close; carries this close paid are released.
        const held = (await m.query(
          `INSERT INTO close_carries (from_period_id, calculation_version, person_id, amount, reason)
           SELECT p.period_id, p.calculation_version, p.person_id, p.payout,
                  coalesce((SELECT c.reason FROM close_changes c WHERE c.period_id = p.period_id AND c.person_id = p.person_id AND c.kind = 'hold' ORDER BY c.requested_on_version DESC LIMIT 1), 'held')
             FROM payouts p WHERE p.period_id = $1 AND p.calculation_version = $2 AND p.held
           ON CONFLICT (from_period_id, person_id) DO NOTHING RETURNING person_id, amount::text AS amount`,
          [input.periodId, input.version],
        )) as { person_id: string; amount: string }[];
        for (const h of held) await this.audit.append(this.event(input, `carried:${h.person_id}`, { data: { personId: h.person_id, amount: h.amount, version: input.version } }), m);
        const [snap] = (await m.query(
          `SELECT s.content -> 'carried' AS carried FROM close_snapshots s WHERE s.id = (SELECT snapshot_id FROM payouts WHERE period_id = $1 AND calculation_version = $2 LIMIT 1)`,
          [input.periodId, input.version],
        )) as { carried: { carryId: string }[] | null }[];
        const released = (snap?.carried ?? []).map((c) => c.carryId);
        if (released.length > 0) await m.query(`UPDATE close_carries SET released_in_period_id = $1 WHERE id = ANY($2) AND released_in_period_id IS NULL`, [input.periodId, released]);
        const totals = await this.totals(m, input.periodId, input.version);
        await this.audit.append(this.event(input, 'closed', { data: { ...totals, periodKey: period.key } }), m);
        await m.update(PeriodEntity, { id: period.id }, { status: 'closed', closedAt: new Date(input.at), currentVersion: input.version });
      }
    });
  }
}
