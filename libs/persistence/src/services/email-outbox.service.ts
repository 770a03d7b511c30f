import { DataSource, EntityManager, In } from 'typeorm';
import { sha256Hex } from '../canonical-json';
import { EmailAttachmentRef, EmailOutboxEntity } from '../entities/email-outbox.entity';

export interface EmailOutboxInput {
  purpose: string;
  toAddress: string;
  subject: string;
  text: string;
  html?: string | null;
  attachments?: EmailAttachmentRef[];
}

/** Same purpose → same Message-ID, so a resend after a crash is recognisable as the same mail. */
export function messageIdFor(purpose: string): string {
  return `<${sha256Hex(purpose).slice(0, 32)}@quotaflow.local>`;
}

/** The columns written for a new row (the rest are the table's defaults). */
function outboxValues(row: EmailOutboxInput) {
  return {
    purpose: row.purpose,
    toAddress: row.toAddress,
    subject: row.subject,
    text: row.text,
    html: row.html ?? null,
    attachments: row.attachments ?? [],
    messageId: messageIdFor(row.purpose),
  };
}

/** A plan assignment's invite (`:v2` and later: the invite of a re-sent version). */
const PLAN_INVITE = /^plan-acceptance:([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}):invite(?::v\d+)?$/;

/** Emails are written here first, then sent; the purpose is the idempotency key. */
export class EmailOutbox {
  constructor(private readonly dataSource: DataSource) {}

  private manager(manager?: EntityManager): EntityManager {
    return manager ?? this.dataSource.manager;
  }

  /** Inserts the row unless one with the same purpose exists; returns whichever row is stored. */
  async enqueue(row: EmailOutboxInput, manager?: EntityManager): Promise<EmailOutboxEntity> {
    if (row.purpose.trim() === '') throw new TypeError('email purpose is required');
    const m = this.manager(manager);
    const values = outboxValues(row);
    const inserted = await m
      .createQueryBuilder()
      .insert()
      .into(EmailOutboxEntity)
      .values(values)
      .orIgnore('("purpose")')
      .returning(['id', 'status', 'attempts', 'createdAt'])
      .updateEntity(false)
      .execute();
    const created = (inserted.raw as { id: string; status: EmailOutboxEntity['status']; attempts: number; created_at: Date }[])[0];
    // New: the row is what was written plus its defaults (no read back); else whichever is stored.
    if (created) return Object.assign(new EmailOutboxEntity(), values, { id: created.id, status: created.status, attempts: created.attempts, lastError: null, createdAt: created.created_at, sentAt: null });
    return m.findOneByOrFail(EmailOutboxEntity, { purpose: row.purpose });
  }

  /** Many rows at once (a notice to every rep of a set): batched inserts, existing purposes kept. */
  async enqueueMany(rows: readonly EmailOutboxInput[], manager?: EntityManager): Promise<EmailOutboxEntity[]> {
    const m = this.manager(manager);
    const out: EmailOutboxEntity[] = [];
    for (let i = 0; i < rows.length; i += 500) {
      const batch = rows.slice(i, i + 500);
      await m
        .createQueryBuilder()
        .insert()
        .into(EmailOutboxEntity)
        .values(batch.map(outboxValues))
        .orIgnore('("purpose")')
        .updateEntity(false)
        .execute();
      out.push(...(await m.findBy(EmailOutboxEntity, { purpose: In(batch.map((r) => r.purpose)) })));
    }
    return out;
  }

  findByPurpose(purpose: string, manager?: EntityManager): Promise<EmailOutboxEntity | null> {
    return this.manager(manager).findOneBy(EmailOutboxEntity, { purpose });
  }

  findById(id: string, manager?: EntityManager): Promise<EmailOutboxEntity | null> {
    return this.manager(manager).findOneBy(EmailOutboxEntity, { id });
  }

  /** Rows not yet sent, oldest first (what a relay or a retry picks up). */
  listUnsent(limit = 100, manager?: EntityManager): Promise<EmailOutboxEntity[]> {
    return this.manager(manager)
      .getRepository(EmailOutboxEntity)
      .createQueryBuilder('o')
      .where(`o.status <> 'sent'`)
      .orderBy('o.createdAt', 'ASC')
      .take(limit)
      .getMany();
  }

  async markSent(id: string, messageId: string, manager?: EntityManager, purpose?: string): Promise<void> {
    const invited = purpose !== undefined ? PLAN_INVITE.exec(purpose)?.[1] : undefined;
    if (invited) {
      // A plan invite: its assignment records when, in the same statement (a publish's progress counts these).
      await this.manager(manager).query(
        `WITH sent AS (
           UPDATE email_outbox SET status = 'sent', message_id = $2, sent_at = now(), attempts = attempts + 1, last_error = NULL
           WHERE id = $1 AND status <> 'sent' RETURNING sent_at)
         UPDATE plan_assignments SET invited_at = sent.sent_at FROM sent WHERE plan_assignments.id = $3 AND plan_assignments.invited_at IS NULL`,
        [id, messageId, invited],
      );
      return;
    }
    // Only the first success counts: a retried activity must not move sent_at.
    await this.manager(manager)
      .createQueryBuilder()
      .update(EmailOutboxEntity)
      .set({ status: 'sent', messageId, sentAt: () => 'now()', attempts: () => 'attempts + 1', lastError: null })
      .where(`id = :id AND status <> 'sent'`, { id })
      .execute();
  }

  async markFailed(id: string, error: string, manager?: EntityManager): Promise<void> {
    await this.manager(manager)
      .createQueryBuilder()
      .update(EmailOutboxEntity)
      .set({ status: 'failed', attempts: () => 'attempts + 1', lastError: error.slice(0, 4000) })
      .where(`id = :id AND status <> 'sent'`, { id })
      .execute();
  }
}
