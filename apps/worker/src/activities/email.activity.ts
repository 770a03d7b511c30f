import { Inject, Injectable, Logger } from '@nestjs/common';
import { ApplicationFailure } from '@temporalio/common';
import type { AppConfig } from '@quotaflow/config';
import {
  EmailOutbox,
  type EmailOutboxEntity,
  PersonEntity,
  PlanAssignmentEntity,
  PlanDocumentEntity,
  PlanEntity,
  PlanVersionEntity,
} from '@quotaflow/persistence';
import type { SendEmailInput, SendEmailResult } from '@quotaflow/workflows';
import { DataSource, In } from 'typeorm';
import { APP_CONFIG, MAIL_TRANSPORT } from '../worker.tokens';
import { renderEmail } from './email.templates';
import { notFound } from './activity-failures';

/** The part of a nodemailer transport the activity uses. */
export interface MailTransport {
  sendMail(message: {
    from: string;
    to: string;
    subject: string;
    text: string;
    html?: string;
    messageId: string;
    attachments?: { filename: string; content: Buffer; contentType: string }[];
  }): Promise<unknown>;
}

/**
 * `sendEmail`: the outbox row (unique on purpose) is written first, then sent unless it already
 * was, with its deterministic Message-ID. A crash between SMTP accepting and `markSent` resends
 * the same message with the same Message-ID (at least once; receivers can de-duplicate).
 */
@Injectable()
export class EmailActivity {
  private readonly logger = new Logger(EmailActivity.name);
  private readonly outbox: EmailOutbox;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(MAIL_TRANSPORT) private readonly transport: MailTransport,
  ) {
    this.outbox = new EmailOutbox(dataSource);
  }

  async sendEmail(input: SendEmailInput): Promise<SendEmailResult> {
    const row = (await this.outbox.findByPurpose(input.purpose)) ?? (await this.enqueue(input));
    if (row.status === 'sent') return { outboxId: row.id, status: 'sent', messageId: row.messageId };
    if (!this.config.mail.enabled) {
      this.logger.log(`mail disabled: ${input.purpose} stays in the outbox`);
      return { outboxId: row.id, status: 'pending', messageId: row.messageId };
    }
    try {
      await this.transport.sendMail({
        from: this.config.mail.from,
        to: row.toAddress,
        subject: row.subject,
        text: row.text,
        html: row.html ?? undefined,
        messageId: row.messageId,
        attachments: await this.attachments(row),
      });
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      await this.outbox.markFailed(row.id, message);
      const code = (e as { responseCode?: number }).responseCode;
      // 5xx from the server is a refusal of this message (bad address): retrying will not help.
      if (code !== undefined && code >= 500 && code < 600) throw ApplicationFailure.nonRetryable(message, 'EMAIL.REJECTED');
      throw ApplicationFailure.retryable(`SMTP unavailable: ${message}`, 'EMAIL.SMTP_UNAVAILABLE');
    }
    await this.outbox.markSent(row.id, row.messageId);
    return { outboxId: row.id, status: 'sent', messageId: row.messageId };
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
    return this.outbox.enqueue({
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

  private async attachments(row: EmailOutboxEntity) {
    const out: { filename: string; content: Buffer; contentType: string }[] = [];
    for (const a of row.attachments) {
      const doc = await this.dataSource.manager.findOneBy(PlanDocumentEntity, { assignmentId: a.source.assignmentId });
      if (!doc) throw ApplicationFailure.retryable(`plan document for ${a.source.assignmentId} not rendered yet`, 'PLAN_DOCUMENT.NOT_FOUND');
      out.push({ filename: a.filename, content: doc.pdf, contentType: a.contentType });
    }
    return out;
  }
}
