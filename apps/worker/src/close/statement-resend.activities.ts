import { Inject, Injectable } from '@nestjs/common';
import { ApplicationFailure } from '@temporalio/common';
import type { AppConfig } from '@quotaflow/config';
import { formatMoney } from '@quotaflow/domain';
import { AuditLog, OrganisationRepository, PayoutEntity, PeriodEntity, StatementEntity, StatementResendEntity } from '@quotaflow/persistence';
import { statementResendPurpose, type StatementResendActivities, type StatementResendInput, type StatementResendResult } from '@quotaflow/workflows';
import { DataSource } from 'typeorm';
import { OutboxDelivery } from '../activities/outbox-delivery';
import { statementResendMessage } from '../templates/close.templates';
import { render } from '../templates/message';
import { APP_CONFIG } from '../worker.tokens';

/** A statement sent again: the stored PDF under a new purpose (its own row, Message-ID and delivery record). */
@Injectable()
export class StatementResendActivitiesService implements StatementResendActivities {
  private readonly organisation: OrganisationRepository;

  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditLog,
    private readonly delivery: OutboxDelivery,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.organisation = new OrganisationRepository(dataSource);
  }

  async resendStatement(input: StatementResendInput & { workflowId: string; runId: string; at: string }): Promise<StatementResendResult> {
    const m = this.dataSource.manager;
    const purpose = statementResendPurpose(input.periodId, input.personId, input.sequence);
    const request = await m.findOneBy(StatementResendEntity, { purpose });
    if (!request) throw ApplicationFailure.nonRetryable(`No resend request ${purpose}.`, 'STATEMENT.NOT_FOUND');
    const period = await m.findOneBy(PeriodEntity, { id: input.periodId });
    const statement = await m.findOneBy(StatementEntity, { periodId: input.periodId, personId: input.personId });
    if (!period || !statement) throw ApplicationFailure.nonRetryable(`No statement of ${input.personId} for period ${input.periodId}.`, 'STATEMENT.NOT_FOUND');
    const payout = await m.findOneByOrFail(PayoutEntity, { id: statement.payoutId });
    const rep = (await this.organisation.people([input.personId], m)).get(input.personId);
    if (!rep) throw ApplicationFailure.nonRetryable(`No person ${input.personId}.`, 'PERSON.NOT_FOUND');
    const message = render(statementResendMessage({
      periodId: period.id, periodKey: period.key, version: statement.calculationVersion, baseUrl: this.config.http.publicBaseUrl,
      recipientName: rep.name, payout: `${payout.currency} ${formatMoney(payout.payout)}`, sequence: input.sequence,
    }));
    const row = await this.delivery.outbox.enqueue({
      purpose, toAddress: rep.email, subject: message.subject, text: message.text, html: message.html,
      attachments: [{ filename: `statement-${period.key}-${rep.name.replace(/[^A-Za-z0-9.-]+/g, '-')}.pdf`, contentType: 'application/pdf', source: { kind: 'statement', periodId: period.id, personId: rep.id } }],
    });
    const status = await this.delivery.deliver(row);
    if (status === 'sent') {
      await this.audit.append({
        dedupeKey: `${purpose}:sent`, action: 'period.statement-resent', subject: `close:${period.id}`, workflowId: input.workflowId, runId: input.runId,
        occurredAt: new Date(input.at), data: { purpose, messageId: row.messageId, personId: rep.id, sequence: input.sequence, requestedById: input.requestedById, sha256: statement.sha256 },
      });
    }
    return { purpose, messageId: row.messageId };
  }
}
