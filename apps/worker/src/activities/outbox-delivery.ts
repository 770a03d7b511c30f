import { Inject, Injectable, Logger } from '@nestjs/common';
import { ApplicationFailure } from '@temporalio/common';
import { faultPoint, type AppConfig } from '@quotaflow/config';
import { EmailOutbox, type EmailOutboxEntity, PlanDocumentEntity, StatementEntity } from '@quotaflow/persistence';
import { DataSource } from 'typeorm';
import { APP_CONFIG, MAIL_TRANSPORT } from '../worker.tokens';
import type { MailTransport } from './mail-transport';

export type DeliveryStatus = 'sent' | 'pending';

/** Plan PDFs kept between storing and sending (a publish has at most ~1,000 being prepared at once). */
const JUST_STORED_MAX = 2_000;

/**
 * Sends one outbox row unless it was sent already, with its deterministic Message-ID.
 * A crash between SMTP accepting and `markSent` resends the same message with the same
 * Message-ID (at least once at the SMTP level; receivers can de-duplicate on it).
 */
@Injectable()
export class OutboxDelivery {
  private readonly logger = new Logger(OutboxDelivery.name);
  readonly outbox: EmailOutbox;
  /**
   * Plan PDFs this process has just stored, by assignment, until their invite is sent: the PDF
   * attached is the one written, without reading its bytes back (an in-memory copy of an
   * immutable row; another process, or a restart, reads the row).
   */
  private readonly justStored = new Map<string, Buffer>();

  constructor(
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(MAIL_TRANSPORT) private readonly transport: MailTransport,
  ) {
    this.outbox = new EmailOutbox(dataSource);
  }

  /** `pdf` is the stored plan document of `assignmentId` (this process's insert won). */
  rememberPlanDocument(assignmentId: string, pdf: Buffer): void {
    this.justStored.set(assignmentId, pdf);
    while (this.justStored.size > JUST_STORED_MAX) this.justStored.delete(this.justStored.keys().next().value!);
  }

  async deliver(row: EmailOutboxEntity): Promise<DeliveryStatus> {
    if (row.status === 'sent') return 'sent';
    if (!this.config.mail.enabled) {
      this.logger.log(`mail disabled: ${row.purpose} stays in the outbox`);
      return 'pending';
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
      if (e instanceof ApplicationFailure) throw e;
      const message = e instanceof Error ? e.message : String(e);
      await this.outbox.markFailed(row.id, message);
      const code = (e as { responseCode?: number }).responseCode;
      // 5xx from the server is a refusal of this message (bad address): retrying will not help.
      if (code !== undefined && code >= 500 && code < 600) throw ApplicationFailure.nonRetryable(message, 'EMAIL.REJECTED');
      throw ApplicationFailure.retryable(`SMTP unavailable: ${message}`, 'EMAIL.SMTP_UNAVAILABLE');
    }
    await faultPoint('smtp-accepted', row.purpose);
    await this.outbox.markSent(row.id, row.messageId, undefined, row.purpose);
    for (const a of row.attachments) if (a.source.kind === 'plan-document') this.justStored.delete(a.source.assignmentId);
    return 'sent';
  }

  private async attachments(row: EmailOutboxEntity) {
    const out: { filename: string; content: Buffer; contentType: string }[] = [];
    for (const a of row.attachments) {
      if (a.source.kind === 'statement') {
        const statement = await this.dataSource.manager.findOneBy(StatementEntity, { periodId: a.source.periodId, personId: a.source.personId });
        if (!statement) throw ApplicationFailure.retryable(`statement of ${a.source.personId} for ${a.source.periodId} not rendered yet`, 'STATEMENT.NOT_FOUND');
        out.push({ filename: a.filename, content: statement.pdf, contentType: a.contentType });
        continue;
      }
      const stored = this.justStored.get(a.source.assignmentId);
      if (stored) {
        out.push({ filename: a.filename, content: stored, contentType: a.contentType });
        continue;
      }
      const doc = await this.dataSource.manager.findOneBy(PlanDocumentEntity, { assignmentId: a.source.assignmentId });
      if (!doc) throw ApplicationFailure.retryable(`plan document for ${a.source.assignmentId} not rendered yet`, 'PLAN_DOCUMENT.NOT_FOUND');
      out.push({ filename: a.filename, content: doc.pdf, contentType: a.contentType });
    }
    return out;
  }
}
