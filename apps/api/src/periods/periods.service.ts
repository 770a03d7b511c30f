import { Inject, Injectable } from '@nestjs/common';
import { Client, WorkflowIdReusePolicy, WorkflowNotFoundError } from '@temporalio/client';
import type { AppConfig } from '@quotaflow/config';
import { DomainError, explainParticipantPeriod, statementAccess, monthPeriod, payDateOf, payrollCsv, type ParticipantPeriodOutput } from '@quotaflow/domain';
import { AuditLog, CloseSnapshotEntity, CloseVerification, PeriodEntity, StatementEntity, StatementResendEntity, type CloseVerificationResult } from '@quotaflow/persistence';
import {
  closeStatusQuery, closeWorkflow, closeWorkflowId, statementResendPurpose, statementResendWorkflow, statementResendWorkflowId, type CloseStatus,
} from '@quotaflow/workflows';
import { DataSource } from 'typeorm';
import { READ_ALL, type Principal } from '../auth/principal';
import { APP_CONFIG } from '../config.token';
import { AccessService } from '../common/access.service';
import { liveStatus } from '../common/live-status';
import { alreadyStarted } from '../common/temporal-errors';
import type { CreatePeriodDto } from './periods.dto';

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
    const versions = (await this.dataSource.query(
      `SELECT calculation_version AS version, count(*)::int AS reps, sum(payout)::numeric(18,2)::text AS "payoutTotal", sum(earnings)::numeric(18,2)::text AS "earningsTotal",
              count(*) FILTER (WHERE payout < 0)::int AS "negativeCount"
         FROM payouts WHERE period_id = $1 GROUP BY calculation_version ORDER BY calculation_version`,
      [id],
    )) as { version: number; reps: number; payoutTotal: string; earningsTotal: string; negativeCount: number }[];
    const statements = (await this.dataSource.query(`SELECT count(*)::int AS n FROM statements WHERE period_id = $1`, [id])) as { n: number }[];
    // What changed per rep from each version to the next (a rep new in the later version counts). One
    // snapshot feeds every version, so until adjustments exist the versions differ in nothing.
    const changes = (await this.dataSource.query(
      `SELECT b.calculation_version AS "toVersion", coalesce(b.person_id, a.person_id) AS "personId", a.payout::text AS before, b.payout::text AS after
         FROM (SELECT * FROM payouts WHERE period_id = $1) b
         FULL JOIN (SELECT * FROM payouts WHERE period_id = $1) a ON a.person_id = b.person_id AND a.calculation_version = b.calculation_version - 1
        WHERE b.calculation_version > 1 AND (a.payout IS DISTINCT FROM b.payout)
        ORDER BY 1, 2 LIMIT 1000`,
      [id],
    )) as { toVersion: number; personId: string; before: string | null; after: string | null }[];
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
      currentVersion: period.currentVersion,
      statements: statements[0]?.n ?? 0,
      ...(live?.failure ? { failure: live.failure } : {}),
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
        WHERE p.period_id = $1 AND p.calculation_version = $2 ORDER BY pe.name, p.person_id`,
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
              p.draw::text AS draw, p.recovery::text AS recovery, p.payout::text AS payout, p.result
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
