import { Inject, Injectable } from '@nestjs/common';
import { ApplicationFailure } from '@temporalio/common';
import type { AppConfig } from '@quotaflow/config';
import { formatAmount } from '@quotaflow/domain/plan-text';
import { PeriodEntity, TeamEntity } from '@quotaflow/persistence';
import { In, type EntityManager } from 'typeorm';
import { closeSummary, financeReviewDetail, payrollReviewDetail, teamReviewDetail, type CloseFacts } from '../templates/close.templates';
import { APP_CONFIG } from '../worker.tokens';
import { subjectId, type SubjectFacts, type SubjectHandler } from '../approvals/subject-handler';

/** The close's part of the approval kernel: what is reviewed (a version's payouts) and what each reviewer weighs. */
@Injectable()
export class CloseHandler implements SubjectHandler {
  readonly type = 'close' as const;
  readonly auditPrefix = 'period';

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  private money(amount: string): string {
    return formatAmount(amount, this.config.organisation.currency);
  }

  async facts(m: EntityManager, subject: string, about: { personIds: readonly string[]; stageIds: readonly string[] }): Promise<SubjectFacts> {
    const period = await m.findOneBy(PeriodEntity, { id: subjectId(subject) });
    if (!period) throw ApplicationFailure.nonRetryable(`No period ${subjectId(subject)}.`, 'PERIOD.NOT_FOUND');
    const facts: CloseFacts = { periodId: period.id, periodKey: period.key, version: period.currentVersion, baseUrl: this.config.http.publicBaseUrl };
    const teamIds = about.stageIds.filter((id) => id.startsWith('team:')).map((id) => id.slice('team:'.length));
    const teams = teamIds.length > 0 ? await m.findBy(TeamEntity, { id: In(teamIds) }) : [];
    const byTeam = new Map(((await m.query(
      `SELECT team_id, count(*)::int AS reps, sum(payout)::numeric(18,2)::text AS total FROM payouts WHERE period_id = $1 AND calculation_version = $2 AND team_id = ANY($3) GROUP BY team_id`,
      [period.id, period.currentVersion, teamIds],
    )) as { team_id: string; reps: number; total: string }[]).map((r) => [r.team_id, r]));
    let finance: string | undefined;
    if (about.stageIds.includes('finance')) {
      const [all] = (await m.query(
        `SELECT count(*) FILTER (WHERE NOT held)::int AS reps, coalesce(sum(payout) FILTER (WHERE NOT held), 0)::numeric(18,2)::text AS total,
                count(*) FILTER (WHERE payout < 0 AND NOT held)::int AS negative, count(*) FILTER (WHERE held)::int AS held
           FROM payouts WHERE period_id = $1 AND calculation_version = $2`,
        [period.id, period.currentVersion],
      )) as { reps: number; total: string; negative: number; held: number }[];
      finance = financeReviewDetail({ reps: all!.reps, total: this.money(all!.total), negative: all!.negative, held: all!.held });
    }
    return {
      summary: closeSummary(facts),
      detail: (stageId) => {
        if (stageId.startsWith('team:')) {
          const teamId = stageId.slice('team:'.length);
          const row = byTeam.get(teamId);
          return row ? teamReviewDetail({ teamName: teams.find((t) => t.id === teamId)?.name ?? 'your team', reps: row.reps, total: this.money(row.total) }) : undefined;
        }
        if (stageId === 'finance') return finance;
        if (stageId === 'payroll') return payrollReviewDetail(facts);
        return undefined;
      },
    };
  }

  async onFailure(m: EntityManager, subject: string): Promise<void> {
    // A close that failed for good leaves the period open for another attempt (nothing was paid).
    await m.update(PeriodEntity, { id: subjectId(subject), status: 'closing' }, { status: 'open' });
  }
}
