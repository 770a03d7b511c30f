import { Inject, Injectable } from '@nestjs/common';
import { ApplicationFailure } from '@temporalio/common';
import type { AppConfig } from '@quotaflow/config';
import { formatAmount } from '@quotaflow/domain/plan-text';
import { TerritoryEntity, TerritoryRepository, type TerritoryChangeEntity } from '@quotaflow/persistence';
import { DataSource, In, type EntityManager } from 'typeorm';
import { territorySummary, type TerritoryChangeFacts } from '../templates/territory.templates';
import { APP_CONFIG } from '../worker.tokens';
import { subjectId, type SubjectFacts, type SubjectHandler } from '../approvals/subject-handler';

/** The territory change's part of the approval kernel: what the request is, and its failed state. */
@Injectable()
export class TerritoryChangeHandler implements SubjectHandler {
  readonly type = 'territory-change' as const;
  readonly auditPrefix = 'territory-change';
  private readonly territories: TerritoryRepository;

  constructor(
    dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.territories = new TerritoryRepository(dataSource);
  }

  async changeFacts(m: EntityManager, change: TerritoryChangeEntity): Promise<TerritoryChangeFacts> {
    const names = await m.findBy(TerritoryEntity, { id: In([change.fromTerritoryId, change.toTerritoryId]) });
    const name = (id: string) => names.find((t) => t.id === id)?.name ?? id;
    const revenue = (change.impact as { revenueMoved?: string } | null)?.revenueMoved;
    return {
      changeId: change.id,
      from: name(change.fromTerritoryId),
      to: name(change.toTerritoryId),
      accounts: change.accountIds.length,
      ...(revenue ? { revenueMoved: formatAmount(revenue, this.config.organisation.currency) } : {}),
      effectiveDate: change.effectiveDate,
      baseUrl: this.config.http.publicBaseUrl,
    };
  }

  async facts(m: EntityManager, subject: string): Promise<SubjectFacts> {
    const change = await this.territories.change(subjectId(subject), m);
    if (!change) throw ApplicationFailure.nonRetryable(`No territory change ${subjectId(subject)}.`, 'TERRITORY_CHANGE.NOT_FOUND');
    return { summary: territorySummary(await this.changeFacts(m, change)) };
  }

  async onFailure(m: EntityManager, subject: string): Promise<void> {
    await this.territories.setState(m, subjectId(subject), { status: 'failed', nextDeadline: null });
  }
}
