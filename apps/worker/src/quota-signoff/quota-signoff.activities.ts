import { Inject, Injectable } from '@nestjs/common';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { AppConfig } from '@quotaflow/config';
import { applyManagerAdjustment, DEFAULT_APPROVAL_POLICY, isDomainError, resolveStages, withThresholds } from '@quotaflow/domain';
import { ApprovalRepository, AuditLog, OrganisationRepository, type EmailOutboxEntity, type EmailOutboxInput } from '@quotaflow/persistence';
import type {
  AcceptQuotaRevisionInput,
  AdjustQuotaTeamInput,
  BeginQuotaSignoffInput,
  LockQuotaSetInput,
  QuotaSignoffActivities,
  ReturnQuotaSetInput,
  RouteQuotaSignoffInput,
  RoutedApproval,
} from '@quotaflow/workflows';
import { DataSource, type EntityManager } from 'typeorm';
import { OutboxDelivery } from '../activities/outbox-delivery';
import { toRoutedApproval } from '../approvals/routing';
import { render, type Message } from '../templates/message';
import { quotaLockedForRep, quotaLockedForRequester, quotaReturned } from '../templates/quota.templates';
import { APP_CONFIG } from '../worker.tokens';
import { QuotaSignoffHandler } from './quota-signoff.handler';

function permanent(e: unknown): never {
  if (isDomainError(e)) throw ApplicationFailure.create({ type: e.code, message: e.message, nonRetryable: true, details: [e.details ?? null] });
  throw e;
}

/**
 * Quota sign-off's own activities. Ids in, ids and counts out: a set's lines are read here,
 * never carried by the workflow. Idempotent by business key (audit dedupe keys, version numbers).
 */
@Injectable()
export class QuotaSignoffActivitiesService implements QuotaSignoffActivities {
  private readonly approvals: ApprovalRepository;
  private readonly organisation: OrganisationRepository;

  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditLog,
    private readonly handler: QuotaSignoffHandler,
    private readonly delivery: OutboxDelivery,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.approvals = new ApprovalRepository(dataSource);
    this.organisation = new OrganisationRepository(dataSource);
  }

  private get quotas() {
    return this.handler.quotas;
  }

  async beginQuotaSignoff(input: BeginQuotaSignoffInput): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      const set = await this.handler.load(m, input.quotaSetId);
      const review = await this.handler.review(m, { ...set, currentVersion: input.version });
      const action = input.midPeriod ? 'change-submitted' : 'submitted';
      await this.audit.append(
        {
          dedupeKey: `${input.workflowId}:submitted`,
          action: `quota-set.${action}`,
          subject: `quota-set:${set.id}`,
          actorId: input.requesterId,
          actorRole: 'ops',
          workflowId: input.workflowId,
          runId: input.runId,
          data: {
            periodId: set.periodId,
            version: input.version,
            reps: review.repChanges.length,
            companyTotal: review.companyTotal,
            companyTarget: review.companyTarget,
            shortfall: review.shortfall,
            shortfallFlag: review.shortfallFlag,
            changeFlags: review.repChanges.filter((c) => c.flagged).length,
          },
          occurredAt: new Date(input.at),
        },
        m,
      );
      if (set.status !== 'locked' || set.workflowId !== input.workflowId) {
        await this.quotas.setState(set.id, { status: 'in_review', currentVersion: input.version, workflowId: input.workflowId }, m);
      }
    });
  }

  async routeQuotaSignoff(input: RouteQuotaSignoffInput): Promise<RoutedApproval> {
    const m = this.dataSource.manager;
    const set = await this.handler.load(m, input.quotaSetId);
    const content = await this.quotas.content(set, input.version, m);
    const org = await this.organisation.snapshot({}, m);
    Context.current().heartbeat('organisation read');
    const subject = `quota-set:${set.id}`;
    const subjectPersonIds = content.quotas.map((q) => q.personId);
    let stages;
    try {
      stages = resolveStages(
        withThresholds(DEFAULT_APPROVAL_POLICY, { financeAbove: this.config.approvals.financeThreshold }),
        { kind: 'quota-signoff', subject, requesterId: input.requesterId, subjectPersonIds, subjectTeamIds: content.teams.map((t) => t.teamId) },
        org,
      );
    } catch (e) {
      permanent(e);
    }
    const routed = await toRoutedApproval(this.approvals, `${input.workflowId}:r${input.round}`, subject, { requesterId: input.requesterId, subjectPersonIds }, stages);
    await this.audit.append({
      dedupeKey: `${input.workflowId}:r${input.round}:routed`,
      action: 'quota-set.routed',
      subject,
      workflowId: input.workflowId,
      runId: input.runId,
      data: { round: input.round, version: input.version, steps: routed.steps.map((s) => (s.kind === 'inline' ? s.stages.map((st) => st.id) : { delegated: s.stageCount })) },
      occurredAt: new Date(input.at),
    });
    return routed;
  }

  async returnQuotaSet(input: ReturnQuotaSetInput): Promise<void> {
    const rows = await this.dataSource.transaction(async (m) => {
      const set = await this.handler.load(m, input.quotaSetId);
      await this.quotas.setState(set.id, { status: 'returned' }, m);
      const subject = `quota-set:${set.id}`;
      await this.audit.append(
        {
          dedupeKey: `${input.workflowId}:r${input.round}:returned`,
          action: 'quota-set.returned',
          subject,
          actorId: input.decision.actorId,
          comment: input.decision.comment ?? null,
          workflowId: input.workflowId,
          runId: input.runId,
          data: { round: input.round, version: set.currentVersion, stageId: input.decision.stageId },
          occurredAt: new Date(input.at),
        },
        m,
      );
      const requester = await this.organisation.person(input.requesterId, m);
      const rejecter = await this.organisation.person(input.decision.actorId, m);
      if (!requester) return [];
      const label = input.decision.stageId.startsWith('team:') ? 'team manager approval' : input.decision.stageId;
      return [await this.delivery.outbox.enqueue(this.message(`${input.workflowId}:r${input.round}:returned:${requester.id}`, requester.email, quotaReturned({
        ...this.handler.setFacts(set),
        recipientName: requester.name,
        rejectedBy: rejecter?.name ?? 'A manager',
        stageLabel: label,
        ...(input.decision.comment ? { comment: input.decision.comment } : {}),
      })), m)];
    });
    for (const row of rows) await this.delivery.deliver(row);
  }

  async acceptQuotaRevision(input: AcceptQuotaRevisionInput): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      const set = await this.handler.load(m, input.quotaSetId);
      const version = await this.quotas.version(set.id, input.version, m);
      if (!version) throw ApplicationFailure.nonRetryable(`No version ${input.version} of quota set ${set.id}.`, 'QUOTA_SET.NOT_FOUND');
      await this.quotas.setState(set.id, { status: 'in_review', currentVersion: input.version }, m);
      await this.audit.append(
        {
          dedupeKey: `${input.workflowId}:revised:v${input.version}`,
          action: 'quota-set.revised',
          subject: `quota-set:${set.id}`,
          actorId: input.actorId,
          actorRole: 'ops',
          comment: input.comment,
          workflowId: input.workflowId,
          runId: input.runId,
          data: { version: input.version, round: input.round },
          occurredAt: new Date(input.at),
        },
        m,
      );
    });
  }

  async lockQuotaVersion(input: LockQuotaSetInput): Promise<{ version: number; notified: number }> {
    let version = 0;
    let rows: EmailOutboxEntity[];
    try {
      rows = await this.dataSource.transaction(async (m) => {
        const set = await this.handler.load(m, input.quotaSetId);
        version = set.currentVersion;
        const lockedAt = new Date(input.at);
        await this.quotas.lock(m, { quotaSetId: set.id, version, flagged: input.flagged, lockedAt, workflowId: input.workflowId });
        await this.audit.append(
          {
            dedupeKey: `${input.workflowId}:locked`,
            action: 'quota-set.locked',
            subject: `quota-set:${set.id}`,
            workflowId: input.workflowId,
            runId: input.runId,
            data: { version, flagged: input.flagged, flaggedCount: input.flaggedCount, lockedAt: lockedAt.toISOString() },
            occurredAt: lockedAt,
          },
          m,
        );
        return this.lockNotices(m, { ...set, currentVersion: version }, input);
      });
    } catch (e) {
      // Another set of the same period went in force meanwhile: retrying will not change that.
      if ((e as { code?: string }).code === '23505') {
        throw ApplicationFailure.nonRetryable('Another quota set is already in force for this period.', 'QUOTA_SET.ALREADY_LOCKED');
      }
      throw e;
    }
    let sent = 0;
    for (const row of rows) {
      await this.delivery.deliver(row);
      sent += 1;
      if (sent % 50 === 0) Context.current().heartbeat({ sent, of: rows.length });
    }
    return { version, notified: rows.length };
  }

  /** The requester and every rep, each their own message (a rep reads their own quota). */
  private async lockNotices(m: EntityManager, set: Parameters<QuotaSignoffHandler['setFacts']>[0], input: LockQuotaSetInput): Promise<EmailOutboxEntity[]> {
    const facts = this.handler.setFacts(set);
    const lines = await this.quotas.lines(set.id, set.currentVersion, m);
    const people = await this.organisation.people([...lines.map((l) => l.personId), input.requesterId], m);
    const messages: EmailOutboxInput[] = [];
    const requester = people.get(input.requesterId);
    if (requester) {
      messages.push(this.message(`${input.workflowId}:locked:${requester.id}`, requester.email, quotaLockedForRequester({ ...facts, recipientName: requester.name, flaggedCount: input.flaggedCount })));
    }
    for (const line of lines) {
      const rep = people.get(line.personId);
      if (!rep) continue;
      messages.push(this.message(`${input.workflowId}:locked:${rep.id}`, rep.email, quotaLockedForRep({ ...facts, recipientName: rep.name, amount: this.handler.money(line.amount) })));
    }
    return this.delivery.outbox.enqueueMany(messages, m);
  }

  async adjustQuotaTeam(input: AdjustQuotaTeamInput): Promise<{ version: number; teamId: string }> {
    return this.dataSource.transaction(async (m) => {
      const dedupeKey = `${input.workflowId}:adjusted:${input.teamId}:${input.at}`;
      const set = await this.quotas.lockRow(input.quotaSetId, m);
      if (!set) throw ApplicationFailure.nonRetryable(`No quota set ${input.quotaSetId}.`, 'QUOTA_SET.NOT_FOUND');
      // A retried attempt finds its own adjustment recorded: the same answer, no second version.
      const done = (await m.query(`SELECT data FROM audit_events WHERE dedupe_key = $1`, [dedupeKey])) as { data: { version: number } }[];
      if (done[0]) return { version: done[0].data.version, teamId: input.teamId };
      const current = await this.quotas.content(set, set.currentVersion, m);
      let adjusted;
      try {
        adjusted = applyManagerAdjustment(current, { teamId: input.teamId, managerId: input.actorId, changes: input.changes });
      } catch (e) {
        permanent(e);
      }
      const version = set.currentVersion + 1;
      const previous = await this.quotas.lines(set.id, set.currentVersion, m);
      await this.quotas.insertVersion(m, {
        quotaSetId: set.id,
        version,
        reason: 'manager-adjustment',
        createdById: input.actorId,
        comment: input.comment,
        createdAt: new Date(input.at),
        content: adjusted,
        previous: previous.filter((l) => l.previousAmount !== null).map((l) => ({ personId: l.personId, amount: l.previousAmount! })),
      });
      await this.quotas.setState(set.id, { status: set.status, currentVersion: version }, m);
      const before = current.quotas.filter((q) => q.teamId === input.teamId).map((q) => ({ personId: q.personId, amount: q.amount }));
      await this.audit.append(
        {
          dedupeKey,
          action: 'quota-set.adjusted',
          subject: `quota-set:${set.id}`,
          actorId: input.actorId,
          actorRole: 'manager',
          comment: input.comment,
          workflowId: input.workflowId,
          runId: input.runId,
          before: { version: set.currentVersion, quotas: before },
          after: { version, quotas: input.changes },
          data: { version, teamId: input.teamId },
          occurredAt: new Date(input.at),
        },
        m,
      );
      return { version, teamId: input.teamId };
    });
  }

  private message(purpose: string, toAddress: string, message: Message): EmailOutboxInput {
    const rendered = render(message);
    return { purpose, toAddress, subject: rendered.subject, text: rendered.text, html: rendered.html };
  }
}
