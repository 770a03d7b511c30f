import { Inject, Injectable } from '@nestjs/common';
import { ApplicationFailure } from '@temporalio/common';
import type { AppConfig } from '@quotaflow/config';
import { reviewQuotaSet, type QuotaReview } from '@quotaflow/domain';
import { formatAmount } from '@quotaflow/domain/plan-text';
import { QuotaSetRepository, TeamEntity, type QuotaSetEntity } from '@quotaflow/persistence';
import type { RecordApprovalDecisionInput } from '@quotaflow/workflows';
import { DataSource, In, type EntityManager } from 'typeorm';
import { acknowledgementDetail, financeDetail, quotaSummary, type QuotaSetFacts } from '../templates/quota.templates';
import { APP_CONFIG } from '../worker.tokens';
import { subjectId, type SubjectFacts, type SubjectHandler } from '../approvals/subject-handler';

/** Quota sign-off's part of the approval kernel: what the request is, each person's figure, the acknowledgement. */
@Injectable()
export class QuotaSignoffHandler implements SubjectHandler {
  readonly type = 'quota-set' as const;
  readonly auditPrefix = 'quota-set';
  readonly quotas: QuotaSetRepository;

  constructor(
    dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.quotas = new QuotaSetRepository(dataSource);
  }

  async load(m: EntityManager, quotaSetId: string): Promise<QuotaSetEntity> {
    const set = await this.quotas.find(quotaSetId, m);
    if (!set) throw ApplicationFailure.nonRetryable(`No quota set ${quotaSetId}.`, 'QUOTA_SET.NOT_FOUND');
    return set;
  }

  setFacts(set: QuotaSetEntity): QuotaSetFacts {
    return {
      quotaSetId: set.id,
      periodId: set.periodId,
      periodStart: set.periodStart,
      periodEnd: set.periodEnd,
      version: set.currentVersion,
      baseUrl: this.config.http.publicBaseUrl,
    };
  }

  money(amount: string): string {
    return formatAmount(amount, this.config.organisation.currency);
  }

  /** What finance weighs: the current version against the company target and last period. */
  async review(m: EntityManager, set: QuotaSetEntity): Promise<QuotaReview> {
    const lines = await this.quotas.lines(set.id, set.currentVersion, m);
    const content = await this.quotas.content(set, set.currentVersion, m);
    return reviewQuotaSet(content, {
      maxChangePercent: set.changePercentFlag,
      previous: lines.filter((l) => l.previousAmount !== null).map((l) => ({ personId: l.personId, amount: l.previousAmount! })),
    });
  }

  async facts(m: EntityManager, subject: string, about: { personIds: readonly string[]; stageIds: readonly string[] }): Promise<SubjectFacts> {
    const set = await this.load(m, subjectId(subject));
    const facts = this.setFacts(set);
    const mine = new Map((await this.quotas.lines(set.id, set.currentVersion, m, about.personIds)).map((l) => [l.personId, l.amount]));
    const version = await this.quotas.version(set.id, set.currentVersion, m);
    const teamIds = about.stageIds.filter((id) => id.startsWith('team:')).map((id) => id.slice('team:'.length));
    const teams = teamIds.length > 0 ? await m.findBy(TeamEntity, { id: In(teamIds) }) : [];
    let finance: string | undefined;
    if (about.stageIds.includes('finance')) {
      // What finance weighs needs the whole review: computed only when finance is asked.
      const review = await this.review(m, set);
      finance = financeDetail({
        total: this.money(review.companyTotal),
        target: this.money(review.companyTarget),
        ...(review.shortfallFlag ? { shortfall: this.money(review.shortfall) } : {}),
        changed: review.repChanges.filter((c) => c.flagged).length,
        changePercent: set.changePercentFlag,
      });
    }
    return {
      summary: quotaSummary(facts),
      detail: (stageId, personId) => {
        if (stageId.startsWith('acknowledge:')) {
          const amount = mine.get(personId);
          return amount ? acknowledgementDetail({ ...facts, amount: this.money(amount) }) : undefined;
        }
        if (stageId.startsWith('team:') && version) {
          const teamId = stageId.slice('team:'.length);
          const target = version.teamTargets[teamId];
          const team = teams.find((t) => t.id === teamId);
          return target
            ? `The target of ${team?.name ?? 'the team'} is ${this.money(target)}; during your step you may move quota between its reps, the total staying the same.`
            : undefined;
        }
        return stageId === 'finance' ? finance : undefined;
      },
    };
  }

  async onDecision(m: EntityManager, input: RecordApprovalDecisionInput): Promise<void> {
    if (input.decision.decision !== 'acknowledge') return;
    const set = await this.load(m, subjectId(input.subject));
    await this.quotas.acknowledge(set.id, set.currentVersion, input.decision.actorId, new Date(input.decision.decidedAt), m);
  }

  async onFailure(m: EntityManager, subject: string): Promise<void> {
    await this.quotas.setState(subjectId(subject), { status: 'failed' }, m);
  }
}
