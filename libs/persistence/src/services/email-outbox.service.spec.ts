import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import { createDataSource } from '../data-source';
import { createTestDatabase, TestDatabase } from '../../../../test/support/database';
import { EmailOutbox, EmailOutboxInput, messageIdFor } from './email-outbox.service';

let db: TestDatabase;
let ds: DataSource;
let outbox: EmailOutbox;
beforeAll(async () => {
  db = await createTestDatabase();
  ds = await createDataSource({ url: db.url, appRole: 'quotaflow_app' }).initialize();
  outbox = new EmailOutbox(ds);
});
afterAll(async () => {
  await ds.destroy();
  await db.drop();
});

let seq = 0;
/** A fresh purpose per test keeps tests independent within one database. */
function invite(extra: Partial<EmailOutboxInput> = {}): EmailOutboxInput {
  seq += 1;
  return {
    purpose: `plan-acceptance:${seq}:invite`,
    toAddress: 'ann.lee@demo.quotaflow.local',
    subject: 'Your 2026 plan is ready',
    text: 'Please review and accept.',
    attachments: [{ filename: 'plan.pdf', contentType: 'application/pdf', source: { kind: 'plan-document', assignmentId: 'a1' } }],
    ...extra,
  };
}

describe('EmailOutbox', () => {
  it('derives a deterministic Message-ID from the purpose', () => {
    const purpose = 'plan-acceptance:abc:invite';
    const expected = `<${createHash('sha256').update(purpose).digest('hex').slice(0, 32)}@quotaflow.local>`;
    expect(messageIdFor(purpose)).toBe(expected);
    expect(messageIdFor('plan-acceptance:abc:reminder-1')).not.toBe(expected);
  });

  it('enqueues a pending row', async () => {
    const input = invite();
    const row = await outbox.enqueue(input);
    expect(row).toMatchObject({
      purpose: input.purpose,
      toAddress: input.toAddress,
      subject: input.subject,
      text: input.text,
      html: null,
      attachments: input.attachments,
      messageId: messageIdFor(input.purpose),
      status: 'pending',
      attempts: 0,
      lastError: null,
      sentAt: null,
    });
    // Written without a read back: the returned row equals the stored one, defaults included.
    expect(row).toEqual(await outbox.findByPurpose(input.purpose));
  });

  it('is idempotent by purpose: the first row wins, nothing is duplicated', async () => {
    const input = invite();
    const [a, b] = await Promise.all([outbox.enqueue(input), outbox.enqueue({ ...input, subject: 'changed' })]);
    const again = await outbox.enqueue({ ...input, text: 'other text' });
    expect(new Set([a.id, b.id, again.id]).size).toBe(1);
    expect(again.text).toBe(input.text);
    const count = (await ds.query('SELECT count(*)::int AS n FROM email_outbox WHERE purpose = $1', [input.purpose])) as Array<{ n: number }>;
    expect(count).toEqual([{ n: 1 }]);
  });

  it('records a failure, then a send; a second markSent changes nothing', async () => {
    const row = await outbox.enqueue(invite());
    await outbox.markFailed(row.id, 'ECONNREFUSED 127.0.0.1:2525');
    expect(await outbox.findById(row.id)).toMatchObject({ status: 'failed', attempts: 1, lastError: 'ECONNREFUSED 127.0.0.1:2525' });
    expect((await outbox.listUnsent(1000)).map((r) => r.id)).toContain(row.id);

    await outbox.markSent(row.id, row.messageId);
    const sent = await outbox.findById(row.id);
    expect(sent).toMatchObject({ status: 'sent', attempts: 2, lastError: null });
    expect(sent!.sentAt).toBeInstanceOf(Date);

    await outbox.markSent(row.id, '<other@x>');
    await outbox.markFailed(row.id, 'late failure');
    expect(await outbox.findById(row.id)).toEqual(sent);
    expect((await outbox.listUnsent(1000)).map((r) => r.id)).not.toContain(row.id);
  });
});
