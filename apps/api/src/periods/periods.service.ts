import { Inject, Injectable } from '@nestjs/common';
import { Client, WorkflowIdReusePolicy, WorkflowNotFoundError } from '@temporalio/client';
import type { AppConfig } from '@quotaflow/config';
import {
  checkCloseChanges, closeChangesSummary, decSub, DomainError, explainParticipantPeriod, statementAccess, monthPeriod, payDateOf, payrollCsv, type ParticipantPeriodOutput,
} from '@quotaflow/domain';
import { ApprovalRepository, AuditLog, CloseSnapshotEntity, CloseVerification, IdempotencyRepository, PeriodEntity, StatementEntity, StatementResendEntity, type CloseVerificationResult } from '@quotaflow/persistence';
import {
  acknowledgeNegativeUpdate, closeStatusQuery, closeWorkflow, closeWorkflowId, statementResendPurpose, statementResendWorkflow, statementResendWorkflowId,
  type AcknowledgeNegativeRequest, type CloseStatus, type NegativeAcknowledgement,
} from '@quotaflow/workflows';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ApprovalsService, type Replayable } from '../approvals/approvals.service';
import { READ_ALL, type Principal } from '../auth/principal';
import { APP_CONFIG } from '../config.token';
import { AccessService } from '../common/access.service';
import { liveStatus } from '../common/live-status';
import type { RequestContext } from '../common/request-context';
import { alreadyStarted, toDomainError } from '../common/temporal-errors';
import type { CloseChangesDto, CreatePeriodDto, NegativeAcknowledgementDto } from './periods.dto';

/** One figure of the finance view with its variance: against the previous version of this close and the previous period's final version. */
interface Variance {
  /** null when there is no such version at all. */
  vsPreviousVersion: { previous: string; change: string } | null;
  vsPreviousPeriod: { previous: string; change: string } | null;
}

interface TotalsOf {
  payout: string;
  reps: number;
  byPlan: Map<string, { planId: string; planName: string; reps: number; payout: string }>;
  byTeam: Map<string, { teamId: string | null; teamName: string | null; reps: number; payout: string }>;
  byComponent: Map<string, { componentId: string; amount: string }>;
}

export interface PeriodView {
  id: string;
  key: string;
  kind: string;
  startDate: string;
  endDate: string;
  status: string;
  currentVersion: number;
  workflowId: string | null;
  createdAt: string;
  closedAt: string | null;
}

/** A statement may be sent again at most once in this many seconds (a person asking twice, a script looping). */
export const STATEMENT_RESEND_INTERVAL_SECONDS = 600;

function toView(p: PeriodEntity): PeriodView {
  return {
    id: p.id, key: p.key, kind: p.kind, startDate: p.startDate, endDate: p.endDate, status: p.status, currentVersion: p.currentVersion,
    workflowId: p.workflowId, createdAt: p.createdAt.toISOString(), closedAt: p.closedAt ? p.closedAt.toISOString() : null,
  };
}

@Injectable()
export class PeriodsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly temporal: Client,
    private readonly audit: AuditLog,
    private readonly access: AccessService,
    private readonly decisions: ApprovalsService,
    private readonly approvals: ApprovalRepository,
    private readonly idempotency: IdempotencyRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private async load(id: string): Promise<PeriodEntity> {
    const period = await this.dataSource.getRepository(PeriodEntity).findOneBy({ id });
    if (!period) throw new DomainError('PERIOD.NOT_FOUND', `No period with id ${id}.`, { field: 'id', value: id });
    return period;
  }

  async create(actor: Principal, dto: CreatePeriodDto): Promise<PeriodView> {
    const dates = monthPeriod(dto.key);
    const id = await this.dataSource.transaction(async (m) => {
      if (await m.findOneBy(PeriodEntity, { key: dates.key })) {
        throw new DomainError('PERIOD.ALREADY_EXISTS', `Period ${dates.key} exists already.`, { field: 'key', value: dates.key });
      }
      const period = await m.save(m.create(PeriodEntity, { key: dates.key, kind: 'month', startDate: dates.start, endDate: dates.end, status: 'open', createdById: actor.id }));
      await this.audit.append({
        action: 'period.created', subject: `close:${period.id}`, actorId: actor.id, actorRole: 'ops',
        after: { key: dates.key, startDate: dates.start, endDate: dates.end }, dedupeKey: `period:${period.id}:created`,
      }, m);
      return period.id;
    });
    return toView(await this.load(id));
  }

  async list(): Promise<{ periods: PeriodView[] }> {
    const periods = await this.dataSource.getRepository(PeriodEntity).find({ order: { startDate: 'DESC' }, take: 240 });
    return { periods: periods.map(toView) };
  }

  async get(id: string): Promise<PeriodView> {
    return toView(await this.load(id));
  }

  async startClose(actor: Principal, id: string): Promise<unknown> {
    const period = await this.load(id);
    const workflowId = closeWorkflowId(id);
    if (period.status === 'closed') throw new DomainError('PERIOD.CLOSED', `Period ${period.key} is closed.`, { status: period.status });
    if (period.status === 'closing') return this.closeView(id); // started already: nothing new starts
    try {
      await this.temporal.workflow.start(closeWorkflow, {
        taskQueue: this.config.temporal.taskQueue,
        workflowId,
        args: [{ periodId: id, requesterId: actor.id }],
        // A close that ended blocked (the period open again) may be started anew; a running one not.
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      });
    } catch (e) {
      if (!alreadyStarted(e)) throw new DomainError('TEMPORAL.UNAVAILABLE', 'The workflow service is unavailable; nothing was started. Try again.', { cause: (e as Error).message });
    }
    // The workflow records closing too; written here so the answer is consistent at once.
    await this.dataSource.getRepository(PeriodEntity).update({ id, status: 'open' }, { status: 'closing', workflowId });
    return this.closeView(id);
  }

  async closeView(id: string): Promise<unknown> {
    const period = await this.load(id);
    const live: CloseStatus | undefined = period.workflowId ? await liveStatus(this.temporal, period.workflowId, closeStatusQuery) : undefined;
    const snapshot = await this.dataSource.getRepository(CloseSnapshotEntity).findOne({ where: { periodId: id }, order: { createdAt: 'DESC' }, select: ['id', 'contentHash', 'frozenAt', 'exceptions', 'runId'] });
    const versions = ((await this.dataSource.query(
      `SELECT calculation_version AS version, count(*)::int AS reps, coalesce(sum(payout) FILTER (WHERE NOT held), 0)::numeric(18,2)::text AS "payoutTotal", sum(earnings)::numeric(18,2)::text AS "earningsTotal",
              count(*) FILTER (WHERE payout < 0 AND NOT held)::int AS "negativeCount", count(*) FILTER (WHERE held)::int AS "heldCount",
              coalesce(sum(payout) FILTER (WHERE held), 0)::numeric(18,2)::text AS "heldTotal", count(*) FILTER (WHERE copied_from_version IS NOT NULL)::int AS copied
         FROM payouts WHERE period_id = $1 GROUP BY calculation_version ORDER BY calculation_version`,
      [id],
    )) as { version: number; reps: number; payoutTotal: string; earningsTotal: string; negativeCount: number; heldCount: number; heldTotal: string; copied: number }[])
      // Versions without holds or copies read as before.
      .map(({ heldCount, heldTotal, copied, ...v }) => ({ ...v, ...(heldCount > 0 ? { heldCount, heldTotal } : {}), ...(copied > 0 ? { copied } : {}) }));
    const statements = (await this.dataSource.query(`SELECT count(*)::int AS n FROM statements WHERE period_id = $1`, [id])) as { n: number }[];
    // What changed per rep from each version to the next (a rep new in the later version counts). One
    // snapshot feeds every version, so until adjustments exist the versions differ in nothing.
    // `why`: the managers' adjustments and holds that took effect in that version (a rep held keeps
    // their figures but is not paid: a change too).
    const changes = (await this.dataSource.query(
      `SELECT b.calculation_version AS "toVersion", coalesce(b.person_id, a.person_id) AS "personId", a.payout::text AS before, b.payout::text AS after,
              coalesce(a.held, false) AS "heldBefore", b.held AS "heldAfter", (b.copied_from_version IS NULL) AS recalculated,
              coalesce((SELECT json_agg(json_build_object('kind', c.kind, 'amount', c.amount::text, 'reason', c.reason, 'requestedById', c.requested_by_id) ORDER BY c.kind)
                          FROM close_changes c WHERE c.period_id = $1 AND c.person_id = b.person_id AND c.effective_version = b.calculation_version), '[]'::json) AS why
         FROM (SELECT * FROM payouts WHERE period_id = $1) b
         FULL JOIN (SELECT * FROM payouts WHERE period_id = $1) a ON a.person_id = b.person_id AND a.calculation_version = b.calculation_version - 1
        WHERE b.calculation_version > 1 AND (a.payout IS DISTINCT FROM b.payout OR a.held IS DISTINCT FROM b.held)
        ORDER BY 1, 2 LIMIT 1000`,
      [id],
    )) as { toVersion: number; personId: string; before: string | null; after: string | null; heldBefore: boolean; heldAfter: boolean; recalculated: boolean; why: unknown[] }[];
    // Every decision of the close with the version it was on: a decision on an earlier version than
    // the current one is void (a reject or a manager's changes made a new version, asked again).
    const decisions = (await this.dataSource.query(
      `SELECT d.round, d.stage AS "stageId", d.approver_id AS "actorId", d.decision, d.comment, d.decided_at AS "decidedAt",
              (SELECT (e.data ->> 'version')::int FROM audit_events e
                WHERE e.subject = d.subject AND e.action = 'period.routed' AND e.occurred_at <= d.decided_at
                ORDER BY e.occurred_at DESC, e.id DESC LIMIT 1) AS version
         FROM approval_decisions d WHERE d.subject = $1 AND d.workflow_id LIKE $2 ORDER BY d.decided_at, d.round LIMIT 1000`,
      [`close:${id}`, `${closeWorkflowId(id)}%`],
    )) as { round: number; stageId: string; actorId: string; decision: string; comment: string | null; decidedAt: Date; version: number | null }[];
    const requests = (await this.dataSource.query(
      `SELECT kind, person_id AS "personId", team_id AS "teamId", amount::text AS amount, reason, requested_by_id AS "requestedById", requested_on_version AS "requestedOnVersion",
              effective_version AS "effectiveVersion", requested_at AS "requestedAt"
         FROM close_changes WHERE period_id = $1 ORDER BY requested_on_version, person_id LIMIT 1000`,
      [id],
    )) as (Record<string, unknown> & { requestedAt: Date })[];
    return {
      period: toView(period),
      state: live?.state ?? (period.status === 'closed' ? 'closed' : period.status === 'open' ? (snapshot ? 'blocked' : 'not-started') : 'unknown'),
      stage: live?.progress.step ?? (period.status === 'closed' ? 'closed' : null),
      progress: live?.progress ?? null,
      round: live?.round ?? null,
      openStages: live?.openStages ?? [],
      returned: live?.returned ?? [],
      snapshot: snapshot ? { id: snapshot.id, hash: snapshot.contentHash, frozenAt: snapshot.frozenAt.toISOString() } : null,
      exceptions: snapshot?.exceptions ?? [],
      versions,
      changes,
      requests: requests.map((r) => ({ ...r, requestedAt: r.requestedAt.toISOString() })),
      approvals: decisions.map(({ decidedAt, comment, ...d }) => ({
        ...d, ...(comment !== null ? { comment } : {}), decidedAt: decidedAt.toISOString(), void: d.version !== null && d.version < period.currentVersion,
      })),
      ...(live?.negatives ? { negatives: live.negatives } : {}),
      currentVersion: period.currentVersion,
      statements: statements[0]?.n ?? 0,
      ...(live?.failure ? { failure: live.failure } : {}),
    };
  }

  /**
   * A team manager asks for adjustments and holds of their team's reps on the version under review
   * (instead of approving it): the kernel's request-adjustment on their open team stage, carrying
   * the changes. Who first (every rep named is in a team they manage), then the state (their team
   * review is open), then the domain check against the version's payouts; the workflow checks again.
   */
  async requestChanges(actor: Principal, id: string, dto: CloseChangesDto, ctx: RequestContext): Promise<Replayable<unknown>> {
    // Plain data, as the workflow stores it (DTO instances carry nothing more).
    const data = JSON.parse(JSON.stringify({ ...(dto.adjustments ? { adjustments: dto.adjustments } : {}), ...(dto.holds ? { holds: dto.holds } : {}) })) as Record<string, unknown>;
    const target = `close:${id}:changes`;
    const claimed = this.decisions.claim({ actor, target, scope: 'close-changes', decision: 'request-adjustment', ...(dto.comment !== undefined ? { comment: dto.comment } : {}), data, ctx });
    // A replay answers what the first request did, whatever the close's state is now (the manager's
    // task closed with that very request): checked before anything that the request itself changed.
    const claim = await claimed;
    const replay = this.decisions.replayOf(claim);
    if (replay) return replay;
    const period = await this.load(id);
    const named = [...(dto.adjustments ?? []).map((a, i) => ({ personId: a.personId, field: `adjustments[${i}].personId` })), ...(dto.holds ?? []).map((h, i) => ({ personId: h.personId, field: `holds[${i}].personId` }))];
    const scope = await this.access.scope(actor);
    const teams = new Map(((await this.dataSource.query(`SELECT id, team_id FROM people WHERE id = ANY($1)`, [named.map((n) => n.personId)])) as { id: string; team_id: string | null }[]).map((r) => [r.id, r.team_id]));
    for (const n of named) {
      const team = teams.get(n.personId);
      if (n.personId !== actor.id && (team === undefined || team === null || !scope.managedTeamIds.includes(team))) {
        throw new DomainError('AUTH.FORBIDDEN', `${n.field}: not a rep of a team you manage.`, { field: n.field, value: n.personId });
      }
    }
    checkCloseChanges(data, { actorId: actor.id }); // the shape before the state: an empty request is a 400 whenever it comes
    if (period.status !== 'closing' || !period.workflowId) throw new DomainError('CLOSE.NOT_IN_REVIEW', `Period ${period.key} is ${period.status}: no version is under review.`, { status: period.status });
    const task = (await this.approvals.tasksOfSubject(`close:${id}`)).find((t) => t.approverId === actor.id && t.status === 'open' && t.stageId.startsWith('team:'));
    if (!task) throw new DomainError('CLOSE.NOT_IN_REVIEW', `No team review of yours is open in the close of ${period.key}.`);
    const teamId = task.stageId.slice('team:'.length);
    const teamOf = new Map(((await this.dataSource.query(
      `SELECT person_id, team_id FROM payouts WHERE period_id = $1 AND calculation_version = $2 AND person_id = ANY($3)`,
      [id, period.currentVersion, named.map((n) => n.personId)],
    )) as { person_id: string; team_id: string | null }[]).map((r) => [r.person_id, r.team_id]));
    const changes = checkCloseChanges(data, { actorId: actor.id, team: { teamId, teamOf } });
    const comment = dto.comment ?? closeChangesSummary(changes);
    return this.decisions.decideInWorkflow(
      { actor, workflowId: task.workflowId, target, scope: 'close-changes', area: 'APPROVAL', decision: 'request-adjustment', comment, stageId: task.stageId, data, ctx },
      (receipt) => ({
        periodId: id, version: period.currentVersion, nextVersion: period.currentVersion + 1, stageId: receipt.stageId, decision: receipt.decision, decidedAt: receipt.decidedAt,
        adjustments: changes.adjustments, holds: changes.holds, comment,
      }),
      undefined,
      Promise.resolve(claim),
    );
  }

  /** Finance acknowledges one negative payout of the version under review (the Update `acknowledgeNegative`; idempotent by its key). */
  async acknowledgeNegative(actor: Principal, id: string, personId: string, dto: NegativeAcknowledgementDto, ctx: RequestContext): Promise<Replayable<NegativeAcknowledgement>> {
    const key = ctx.idempotencyKey;
    const target = `close:${id}:negative:${personId}`;
    const claim = key ? await this.idempotency.claim({ key, scope: 'close-negative-ack', actorId: actor.id, target, body: { comment: dto.comment ?? null } }) : null;
    if (claim?.kind === 'conflict') throw new DomainError('IDEMPOTENCY.KEY_REUSED', 'This Idempotency-Key was used for another request.', { field: 'Idempotency-Key' });
    if (claim?.kind === 'replay') return { body: claim.response as NegativeAcknowledgement, replayed: true };
    const period = await this.load(id);
    const [payout] = (await this.dataSource.query(
      `SELECT payout::text AS payout, held FROM payouts WHERE period_id = $1 AND calculation_version = $2 AND person_id = $3`,
      [id, period.currentVersion, personId],
    )) as { payout: string; held: boolean }[];
    if (!payout) throw new DomainError('PAYOUT.NOT_FOUND', `No payout of this rep in version ${period.currentVersion} of ${period.key}.`, { field: 'personId', value: personId });
    if (period.status !== 'closing' || !period.workflowId) throw new DomainError('CLOSE.NOT_IN_REVIEW', `Period ${period.key} is ${period.status}: no version is under review.`, { status: period.status });
    if (!payout.payout.startsWith('-') || payout.held) throw new DomainError('CLOSE.NOT_NEGATIVE', `This rep's payout of version ${period.currentVersion} is ${payout.payout}${payout.held ? ' (held)' : ''}: nothing to acknowledge.`, { field: 'personId', value: personId });
    const request: AcknowledgeNegativeRequest = {
      actorId: actor.id, actorRoles: [...actor.roles], personId, ...(dto.comment !== undefined ? { comment: dto.comment } : {}), idempotencyKey: key ?? randomUUID(),
    };
    let body: NegativeAcknowledgement;
    try {
      body = await this.temporal.workflow.getHandle(period.workflowId).executeUpdate(acknowledgeNegativeUpdate, { args: [request], updateId: request.idempotencyKey });
    } catch (e) {
      throw toDomainError(e, 'APPROVAL');
    }
    if (key) await this.idempotency.complete(key, 200, body);
    return { body, replayed: false };
  }

  private async totalsOf(periodId: string, version: number): Promise<TotalsOf> {
    const byPlan = (await this.dataSource.query(
      `SELECT pl.id AS "planId", pl.name AS "planName", count(*)::int AS reps, sum(p.payout)::numeric(18,2)::text AS payout
         FROM payouts p JOIN plan_versions pv ON pv.id = p.plan_version_id JOIN plans pl ON pl.id = pv.plan_id
        WHERE p.period_id = $1 AND p.calculation_version = $2 AND NOT p.held GROUP BY pl.id, pl.name ORDER BY pl.name, pl.id`,
      [periodId, version],
    )) as { planId: string; planName: string; reps: number; payout: string }[];
    const byTeam = (await this.dataSource.query(
      `SELECT p.team_id AS "teamId", t.name AS "teamName", count(*)::int AS reps, sum(p.payout)::numeric(18,2)::text AS payout
         FROM payouts p LEFT JOIN teams t ON t.id = p.team_id
        WHERE p.period_id = $1 AND p.calculation_version = $2 AND NOT p.held GROUP BY p.team_id, t.name ORDER BY t.name NULLS LAST, p.team_id`,
      [periodId, version],
    )) as { teamId: string | null; teamName: string | null; reps: number; payout: string }[];
    const byComponent = (await this.dataSource.query(
      `SELECT c ->> 'id' AS "componentId", sum((c ->> 'amount')::numeric)::numeric(18,2)::text AS amount
         FROM payouts p CROSS JOIN LATERAL jsonb_array_elements(p.result -> 'components') c
        WHERE p.period_id = $1 AND p.calculation_version = $2 AND NOT p.held GROUP BY 1 ORDER BY 1`,
      [periodId, version],
    )) as { componentId: string; amount: string }[];
    const [all] = (await this.dataSource.query(
      `SELECT count(*)::int AS reps, coalesce(sum(payout), 0)::numeric(18,2)::text AS payout FROM payouts WHERE period_id = $1 AND calculation_version = $2 AND NOT held`,
      [periodId, version],
    )) as { reps: number; payout: string }[];
    return {
      payout: all!.payout, reps: all!.reps,
      byPlan: new Map(byPlan.map((r) => [r.planId, r])), byTeam: new Map(byTeam.map((r) => [r.teamId ?? '', r])), byComponent: new Map(byComponent.map((r) => [r.componentId, r])),
    };
  }

  /**
   * Finance's view of the version under review: totals by plan, team and component with their
   * variance against the previous version of this close and the previous period's final version;
   * every negative payout with its acknowledgement; the managers' adjustments and holds.
   */
  async review(id: string): Promise<unknown> {
    const period = await this.load(id);
    const version = period.currentVersion;
    if (version === 0) throw new DomainError('CLOSE.NOT_CALCULATED', `Period ${period.key} has no calculation version yet.`, { status: period.status });
    const now = await this.totalsOf(id, version);
    const beforeVersion = version > 1 ? await this.totalsOf(id, version - 1) : null;
    const [previousPeriod] = (await this.dataSource.query(
      `SELECT id, key, current_version AS version FROM periods WHERE status = 'closed' AND end_date < $1 ORDER BY end_date DESC LIMIT 1`,
      [period.startDate],
    )) as { id: string; key: string; version: number }[];
    const beforePeriod = previousPeriod ? await this.totalsOf(previousPeriod.id, previousPeriod.version) : null;
    const variance = (value: string, pick: (t: TotalsOf) => string | undefined): Variance => {
      const against = (t: TotalsOf | null) => {
        if (!t) return null;
        const previous = pick(t) ?? '0.00';
        return { previous, change: decSub(value, previous) };
      };
      return { vsPreviousVersion: against(beforeVersion), vsPreviousPeriod: against(beforePeriod) };
    };
    const negatives = (await this.dataSource.query(
      `SELECT p.person_id AS "personId", pe.name AS "personName", p.team_id AS "teamId", p.payout::text AS payout,
              a.acknowledged_by_id AS "acknowledgedById", a.acknowledged_at AS "acknowledgedAt", a.comment
         FROM payouts p JOIN people pe ON pe.id = p.person_id
         LEFT JOIN close_negative_acks a ON a.period_id = p.period_id AND a.calculation_version = p.calculation_version AND a.person_id = p.person_id
        WHERE p.period_id = $1 AND p.calculation_version = $2 AND p.payout < 0 AND NOT p.held ORDER BY pe.name, p.person_id LIMIT 10000`,
      [id, version],
    )) as { personId: string; personName: string; teamId: string | null; payout: string; acknowledgedById: string | null; acknowledgedAt: Date | null; comment: string | null }[];
    const held = (await this.dataSource.query(
      `SELECT p.person_id AS "personId", pe.name AS "personName", p.team_id AS "teamId", p.payout::text AS payout
         FROM payouts p JOIN people pe ON pe.id = p.person_id WHERE p.period_id = $1 AND p.calculation_version = $2 AND p.held ORDER BY pe.name, p.person_id`,
      [id, version],
    )) as Record<string, unknown>[];
    const carriedOut = (await this.dataSource.query(
      `SELECT person_id AS "personId", amount::text AS amount, reason, released_in_period_id AS "releasedInPeriodId" FROM close_carries WHERE from_period_id = $1 ORDER BY person_id`,
      [id],
    )) as Record<string, unknown>[];
    return {
      periodId: id, periodKey: period.key, version,
      previousVersion: beforeVersion ? version - 1 : null,
      previousPeriod: previousPeriod ? { id: previousPeriod.id, key: previousPeriod.key, version: previousPeriod.version } : null,
      totals: { reps: now.reps, payout: now.payout, ...variance(now.payout, (t) => t.payout) },
      byPlan: [...now.byPlan.values()].map((r) => ({ ...r, ...variance(r.payout, (t) => t.byPlan.get(r.planId)?.payout) })),
      byTeam: [...now.byTeam.values()].map((r) => ({ ...r, ...variance(r.payout, (t) => t.byTeam.get(r.teamId ?? '')?.payout) })),
      byComponent: [...now.byComponent.values()].map((r) => ({ ...r, ...variance(r.amount, (t) => t.byComponent.get(r.componentId)?.amount) })),
      negatives: negatives.map(({ acknowledgedById, acknowledgedAt, comment, ...n }) => ({
        ...n, acknowledgement: acknowledgedById ? { byId: acknowledgedById, at: acknowledgedAt!.toISOString(), ...(comment !== null ? { comment } : {}) } : null,
      })),
      unacknowledged: negatives.filter((n) => !n.acknowledgedById).length,
      held,
      carriedOut,
    };
  }

  /** A closed period recalculated from its snapshot and compared with its stored payouts (the same service as `npm run close:verify`). */
  verification(id: string): Promise<CloseVerificationResult> {
    return new CloseVerification(this.dataSource).verify(id);
  }

  async payroll(id: string): Promise<{ csv: string; version: number; periodKey: string; layout: string }> {
    const period = await this.load(id);
    // Nothing calculated yet: the header alone, version 0 (never a file of another version).
    const rows = (await this.dataSource.query(
      `SELECT p.person_id AS "personId", pe.employee_id AS "employeeId", pe.name AS "personName", p.payout::text AS payout, p.currency
         FROM payouts p JOIN people pe ON pe.id = p.person_id
        WHERE p.period_id = $1 AND p.calculation_version = $2 AND NOT p.held ORDER BY pe.name, p.person_id`,
      [id, period.currentVersion],
    )) as { personId: string; employeeId: string | null; personName: string; payout: string; currency: string }[];
    const dates = monthPeriod(period.key);
    const { layout, earningCode, companyCode } = this.config.payroll;
    const file = payrollCsv(rows, { periodKey: period.key, periodStart: dates.start, periodEnd: dates.end, payDate: payDateOf(dates), earningCode, companyCode }, layout);
    return { csv: file.csv, version: period.currentVersion, periodKey: period.key, layout };
  }

  /** The current version's payouts the caller may read: everyone's (finance, ops, auditors, admins), their teams' (a manager), their own. */
  async payouts(actor: Principal, id: string): Promise<{ periodId: string; version: number; payouts: unknown[] }> {
    const period = await this.load(id);
    const everyone = actor.roles.some((r) => READ_ALL.includes(r));
    const scope = everyone ? undefined : await this.access.scope(actor);
    const rows = (await this.dataSource.query(
      `SELECT p.person_id AS "personId", pe.name AS "personName", p.team_id AS "teamId", p.currency, p.earnings::text AS earnings, p.adjustments::text AS adjustments,
              p.draw::text AS draw, p.recovery::text AS recovery, p.payout::text AS payout, p.held, p.copied_from_version AS "copiedFromVersion", p.result
         FROM payouts p JOIN people pe ON pe.id = p.person_id
        WHERE p.period_id = $1 AND p.calculation_version = $2
          AND ($3::boolean OR p.person_id = $4 OR p.team_id = ANY($5::uuid[]) OR p.person_id = ANY($6::uuid[]))
        ORDER BY pe.name, p.person_id`,
      [id, period.currentVersion, everyone, actor.id, scope?.managedTeamIds ?? [], scope?.reportIds ?? []],
    )) as (Record<string, unknown> & { result: ParticipantPeriodOutput; currency: string })[];
    return {
      periodId: id,
      version: period.currentVersion,
      payouts: rows.map(({ result, ...row }) => ({ ...row, explanation: explainParticipantPeriod(result, row.currency) })),
    };
  }

  /** A statement's PDF for the rep, their manager (or a manager of the team it was paid in) or a read-all role. */
  async statementPdf(actor: Principal, id: string): Promise<{ pdf: Buffer; sha256: string; filename: string }> {
    const [row] = (await this.dataSource.query(
      `SELECT s.pdf, s.sha256, s.person_id AS "personId", pe.manager_id AS "managerId", p.team_id AS "teamId", pr.key AS "periodKey"
         FROM statements s JOIN people pe ON pe.id = s.person_id JOIN payouts p ON p.id = s.payout_id JOIN periods pr ON pr.id = s.period_id
        WHERE s.id = $1`,
      [id],
    )) as { pdf: Buffer; sha256: string; personId: string; managerId: string | null; teamId: string | null; periodKey: string }[];
    if (!row) throw new DomainError('STATEMENT.NOT_FOUND', `No statement with id ${id}.`, { field: 'id', value: id });
    if (!statementAccess(await this.access.scope(actor), row)) throw new DomainError('AUTH.FORBIDDEN', 'You may not read this statement.');
    return { pdf: row.pdf, sha256: row.sha256, filename: `statement-${row.periodKey}.pdf` };
  }

  async myStatements(actor: Principal): Promise<{ statements: unknown[] }> {
    const rows = (await this.dataSource.query(
      `SELECT s.id, s.period_id AS "periodId", pr.key AS "periodKey", s.calculation_version AS "calculationVersion", p.payout::text AS payout, p.currency,
              s.sha256, s.pages, s.created_at AS "createdAt"
         FROM statements s JOIN periods pr ON pr.id = s.period_id JOIN payouts p ON p.id = s.payout_id
        WHERE s.person_id = $1 ORDER BY pr.start_date DESC`,
      [actor.id],
    )) as Record<string, unknown>[];
    return { statements: rows.map((r) => ({ ...r, createdAt: (r.createdAt as Date).toISOString() })) };
  }

  /**
   * A rep's statement of a closed period sent again: a recorded request (numbered from 1 per rep
   * and period, audited) and its workflow, which emails the stored PDF as a new message. A request
   * whose workflow never started (Temporal was away) is started on the next request, not repeated.
   */
  async resendStatement(actor: Principal, periodId: string, personId: string): Promise<{ periodId: string; personId: string; sequence: number; purpose: string; workflowId: string; status: 'requested' }> {
    const period = await this.load(periodId);
    if (period.status !== 'closed') throw new DomainError('PERIOD.NOT_CLOSED', `Period ${period.key} is not closed: its statements are sent by the close.`, { status: period.status });
    const request = await this.dataSource.transaction(async (m) => {
      await m.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`statement-resend:${periodId}:${personId}`]);
      const statement = await m.findOneBy(StatementEntity, { periodId, personId });
      if (!statement) throw new DomainError('STATEMENT.NOT_FOUND', `No statement of ${personId} for period ${period.key}.`, { field: 'personId', value: personId });
      const [last] = (await m.query(
        `SELECT sequence, workflow_id AS "workflowId", purpose, extract(epoch FROM now() - requested_at)::int AS age FROM statement_resends
          WHERE period_id = $1 AND person_id = $2 ORDER BY sequence DESC LIMIT 1`,
        [periodId, personId],
      )) as { sequence: number; workflowId: string; purpose: string; age: number }[];
      if (last && last.age < STATEMENT_RESEND_INTERVAL_SECONDS) return { ...last, recent: true };
      const sequence = (last?.sequence ?? 0) + 1;
      const row = { periodId, personId, sequence, requestedById: actor.id, purpose: statementResendPurpose(periodId, personId, sequence), workflowId: statementResendWorkflowId(periodId, personId, sequence) };
      await m.insert(StatementResendEntity, row);
      await this.audit.append({
        action: 'period.statement-resend-requested', subject: `close:${periodId}`, actorId: actor.id, actorRole: actor.roles.includes('finance') ? 'finance' : 'ops',
        after: { personId, sequence, purpose: row.purpose, statementSha256: statement.sha256 }, dedupeKey: `${row.purpose}:requested`,
      }, m);
      return { sequence, workflowId: row.workflowId, purpose: row.purpose, age: 0, recent: false };
    });
    const handle = this.temporal.workflow.getHandle(request.workflowId);
    if (request.recent) {
      // The last request is recent: refused, unless its workflow never started.
      let started = true;
      try {
        await handle.describe();
      } catch (e) {
        if (!(e instanceof WorkflowNotFoundError)) throw new DomainError('TEMPORAL.UNAVAILABLE', 'The workflow service is unavailable; try again.', { cause: (e as Error).message });
        started = false;
      }
      if (started) {
        const retryAfterSeconds = STATEMENT_RESEND_INTERVAL_SECONDS - request.age;
        throw new DomainError('STATEMENT.RESEND_TOO_SOON', `This statement was sent again ${request.age} s ago; it may be sent again in ${retryAfterSeconds} s.`, { retryAfterSeconds, sequence: request.sequence });
      }
    }
    try {
      await this.temporal.workflow.start(statementResendWorkflow, {
        taskQueue: this.config.temporal.taskQueue, workflowId: request.workflowId,
        args: [{ periodId, personId, sequence: request.sequence, requestedById: actor.id }],
      });
    } catch (e) {
      if (!alreadyStarted(e)) throw new DomainError('TEMPORAL.UNAVAILABLE', 'The workflow service is unavailable; the request is recorded and starts with the next one.', { cause: (e as Error).message });
    }
    return { periodId, personId, sequence: request.sequence, purpose: request.purpose, workflowId: request.workflowId, status: 'requested' };
  }

  /** Each rep's statement of the period and every message that carried it, with its delivery. */
  async statementDeliveries(periodId: string): Promise<{ periodId: string; statements: unknown[] }> {
    await this.load(periodId);
    // One pass over the period's statement emails (purposes `close:<periodId>:statement:<personId>[:resend:<n>]`).
    const rows = (await this.dataSource.query(
      `WITH messages AS (
         SELECT split_part(o.purpose, ':', 4) AS person_id, o.id, o.purpose, o.message_id, o.status, o.attempts, o.last_error, o.created_at, o.sent_at,
                coalesce(r.sequence, 0) AS sequence, r.requested_by_id, r.requested_at
           FROM email_outbox o LEFT JOIN statement_resends r ON r.purpose = o.purpose
          WHERE o.purpose LIKE $2)
       SELECT s.id, s.person_id AS "personId", pe.name AS "personName", s.calculation_version AS "calculationVersion", s.sha256, s.pages,
              coalesce(json_agg(json_build_object(
                'sequence', m.sequence, 'purpose', m.purpose, 'messageId', m.message_id, 'status', m.status, 'attempts', m.attempts,
                'lastError', m.last_error, 'queuedAt', m.created_at, 'sentAt', m.sent_at, 'requestedById', m.requested_by_id, 'requestedAt', m.requested_at
              ) ORDER BY m.sequence) FILTER (WHERE m.id IS NOT NULL), '[]') AS messages
         FROM statements s JOIN people pe ON pe.id = s.person_id LEFT JOIN messages m ON m.person_id = s.person_id::text
        WHERE s.period_id = $1 GROUP BY s.id, pe.name ORDER BY pe.name, s.person_id`,
      [periodId, `close:${periodId}:statement:%`],
    )) as Record<string, unknown>[];
    return { periodId, statements: rows };
  }
}
