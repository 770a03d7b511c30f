/**
 * Fault test, SMTP during the close's statements: the in-test SMTP server refuses connections from
 * the moment ops approves the payroll, so every statement email fails and the statement batch is
 * retried by the production retry policy; once the server is back every rep's statement arrives
 * exactly once (one Message-ID each, no second copy), and the period closes.
 */
import { EmailOutboxEntity, PeriodEntity, StatementEntity } from '@quotaflow/persistence';
import { eventually, type Harness, startHarness } from '../e2e/harness';
import { approve, seedCloseMonth } from './close-inputs';

jest.setTimeout(240_000);

describe('the SMTP server down while the close emails statements', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('faults-close-smtp');
  });
  afterAll(async () => {
    await h?.smtp.resume();
    await h?.close();
  });

  it('delivers every statement once after the server is back, and closes', async () => {
    const month = await seedCloseMonth(h, 'close-smtp');
    expect((await h.http('POST', `/api/v1/periods/${month.periodId}/close`, { as: h.org.finance })).status).toBe(202);
    await approve(h, h.org.manager, month.subject, 'team:');
    await approve(h, h.org.otherManager, month.subject, 'team:');
    await approve(h, month.secondFinance, month.subject, 'finance');
    // The ops step's own notice goes out before the server goes away.
    await eventually(async () => (await h.db.getRepository(EmailOutboxEntity).find()).some((o) => o.purpose.startsWith(`approval:${month.subject}:`) && o.toAddress === h.org.ops.email && o.status === 'sent'), 'the ops notice sent', 60_000);
    const before = h.smtp.messages.length;
    await h.smtp.pause();
    const down = Date.now();
    await approve(h, h.org.ops, month.subject, '');

    const statementRows = async () => (await h.db.getRepository(EmailOutboxEntity).find()).filter((o) => o.purpose.startsWith(`${month.subject}:statement:`));
    const failing = await eventually(async () => {
      const rows = await statementRows();
      return rows.some((r) => r.status === 'failed' && r.attempts >= 2) ? rows : undefined;
    }, 'a statement email failing at least twice', 90_000);
    expect(failing.every((r) => r.status !== 'sent')).toBe(true);
    expect(failing.find((r) => r.status === 'failed')!.lastError).toContain('ECONNREFUSED');
    expect(h.smtp.messages).toHaveLength(before);
    expect((await h.db.getRepository(PeriodEntity).findOneByOrFail({ id: month.periodId })).status).toBe('closing');

    await h.smtp.resume();
    const outageMs = Date.now() - down;
    await eventually(async () => (await h.db.getRepository(PeriodEntity).findOneByOrFail({ id: month.periodId })).status === 'closed', 'the period closed', 150_000);
    const rows = await statementRows();
    expect(rows.map((r) => r.toAddress).sort()).toEqual(month.reps.map((r) => r.email).sort());
    expect(rows.every((r) => r.status === 'sent')).toBe(true);
    const statements = h.smtp.messages.filter((m) => m.subject?.startsWith('Your commission statement'));
    expect(statements).toHaveLength(3);
    for (const row of rows) expect(statements.filter((m) => m.messageId === row.messageId)).toHaveLength(1);
    expect(new Set(statements.map((m) => (Array.isArray(m.to) ? '' : m.to?.text))).size).toBe(3);
    for (const m of statements) expect(m.attachments.map((a) => a.contentType)).toEqual(['application/pdf']);
    expect(await h.db.getRepository(StatementEntity).countBy({ periodId: month.periodId })).toBe(3);
    const distinct = new Set(statements.map((m) => m.messageId)).size;
    console.log(`close-smtp-outage: SMTP down ${(outageMs / 1000).toFixed(1)} s from the ops approval, ${before} messages delivered before it, ${Math.max(...failing.map((r) => r.attempts))} failed attempts of a statement at most while down; ${rows.length} statement rows, all sent (attempts ${rows.map((r) => r.attempts).sort((a, b) => a - b).join(', ')}); ${statements.length} statement deliveries, ${distinct} distinct Message-IDs, ${statements.length - distinct} duplicates; 3 statements stored, the period closed`);
  });
});
