// FROZEN: generation 1 activities, for workflows started before the approval kernel (libs/workflows/src/legacy/gen1).
import { Inject, Injectable } from '@nestjs/common';
import { ApplicationFailure } from '@temporalio/common';
import type { AppConfig } from '@quotaflow/config';
import {
  type EmailOutboxEntity,
  PersonEntity,
  PlanAssignmentEntity,
  PlanEntity,
  PlanVersionEntity,
} from '@quotaflow/persistence';
import type { SendEmailInput, SendEmailResult } from '@quotaflow/workflows/legacy/gen1/plan-acceptance.activities';
import { DataSource, In } from 'typeorm';
import { APP_CONFIG } from '../../worker.tokens';
import { renderEmail } from './email.templates';
import { OutboxDelivery } from '../../activities/outbox-delivery';
import { notFound } from '../../activities/activity-failures';

export type { MailTransport } from '../../activities/mail-transport';

/**
 * `sendEmail`: the outbox row (unique on purpose) is written first, then delivered unless it
 * already was (`OutboxDelivery`: deterministic Message-ID, SMTP down retryable, 5xx permanent).
 */
@Injectable()
export class EmailActivity {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly delivery: OutboxDelivery,
  ) {}

  async sendEmail(input: SendEmailInput): Promise<SendEmailResult> {
    const row = (await this.delivery.outbox.findByPurpose(input.purpose)) ?? (await this.enqueue(input));
    const status = await this.delivery.deliver(row);
    return { outboxId: row.id, status, messageId: row.messageId };
  }

  private async enqueue(input: SendEmailInput): Promise<EmailOutboxEntity> {
    const m = this.dataSource.manager;
    const assignment = await m.findOneBy(PlanAssignmentEntity, { id: input.assignmentId });
    if (!assignment) throw notFound('PLAN_ASSIGNMENT.NOT_FOUND', `No plan assignment ${input.assignmentId}.`);
    const version = await m.findOneByOrFail(PlanVersionEntity, { id: assignment.planVersionId });
    const plan = await m.findOneByOrFail(PlanEntity, { id: version.planId });
    const rep = await m.findOneBy(PersonEntity, { id: assignment.personId });
    if (!rep) throw notFound('PERSON.NOT_FOUND', `No person ${assignment.personId}.`);

    const recipients = await this.recipients(input, rep);
    const mail = renderEmail(input.template, {
      repName: rep.name,
      planName: plan.name,
      version: version.version,
      periodLabel: version.periodLabel,
      link: `${this.config.http.publicBaseUrl}/api/v1/plan-assignments/${assignment.id}`,
      ...input.data,
    });
    return this.delivery.outbox.enqueue({
      purpose: input.purpose,
      toAddress: recipients.map((p) => p.email).join(', '),
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
      attachments:
        input.template === 'plan-invite'
          ? [{ filename: `${plan.key}-v${version.version}.pdf`, contentType: 'application/pdf', source: { kind: 'plan-document', assignmentId: assignment.id } }]
          : [],
    });
  }

  private async recipients(input: SendEmailInput, rep: PersonEntity): Promise<PersonEntity[]> {
    const people = this.dataSource.getRepository(PersonEntity);
    let found: PersonEntity[];
    if (input.recipientIds && input.recipientIds.length > 0) {
      found = await people.findBy({ id: In(input.recipientIds) });
    } else if (input.to === 'rep') {
      found = [rep];
    } else if (input.to === 'manager') {
      found = rep.managerId ? await people.findBy({ id: rep.managerId }) : [];
    } else {
      found = await people
        .createQueryBuilder('p')
        .where(`'ops' = ANY(p.roles)`)
        .andWhere('p.active')
        .orderBy('p.email')
        .getMany();
    }
    const withEmail = found.filter((p) => p.email);
    if (withEmail.length === 0) {
      throw ApplicationFailure.nonRetryable(`No ${input.to} with an email address for ${input.purpose}.`, 'EMAIL.NO_RECIPIENT');
    }
    return withEmail.sort((a, b) => a.email.localeCompare(b.email));
  }
}
