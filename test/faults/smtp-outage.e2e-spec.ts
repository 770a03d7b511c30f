/**
 * Fault test, SMTP: the in-test SMTP server stops listening (connections refused, as when the
 * mail server is down) before the invite goes out and again before the decline notices do; the
 * worker's delivery activities fail, are retried by the production retry policy
 * (libs/workflows/src/approval/activity-options.ts), and once the server is back every email is
 * delivered exactly once, with nothing skipped or doubled in the outbox or the audit trail.
 */
import { AuditEventEntity, EmailOutboxEntity, PlanAssignmentEntity } from '@quotaflow/persistence';
import { aePlanDocument, eventually, type Harness, startHarness } from '../e2e/harness';

jest.setTimeout(180_000);

describe('the SMTP server down mid-workflow', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('faults-smtp');
  });
  afterAll(async () => {
    await h?.smtp.resume();
    await h?.close();
  });

  const outbox = async (id: string) => (await h.db.getRepository(EmailOutboxEntity).find()).filter((o) => o.purpose.includes(id));

  it('delivers the invite and the decline notices once each after the server is back', async () => {
    await h.smtp.pause();
    const plan = await h.http('POST', '/api/v1/plans', { as: h.org.ops, body: { key: 'smtp-down', name: 'SMTP down', periodLabel: 'FY2026', effectiveFrom: '2026-01-01', document: aePlanDocument('smtp-down') } });
    expect(plan.status).toBe(201);
    const published = await h.http('POST', `/api/v1/plan-versions/${plan.body.versions[0].id}/publish`, { as: h.org.ops, body: { personIds: [h.org.rep.id] } });
    expect(published.status).toBe(202);
    const id: string = published.body.assignments[0].assignmentId;
    const invitePurpose = `plan-acceptance:${id}:invite`;

    // Two failed attempts while the server is away: the activity is being retried.
    const failing = await eventually(async () => {
      const row = await h.db.getRepository(EmailOutboxEntity).findOneBy({ purpose: invitePurpose });
      return row && row.attempts >= 2 ? row : undefined;
    }, 'the invite failing at least twice', 60_000);
    expect(failing.status).toBe('failed');
    expect(failing.lastError).toContain('ECONNREFUSED');
    expect(h.smtp.messages).toHaveLength(0);

    await h.smtp.resume();
    await eventually(async () => (await h.db.getRepository(EmailOutboxEntity).findOneBy({ purpose: invitePurpose }))?.status === 'sent', 'the invite sent once the server is back', 120_000);
    expect(h.smtp.messages.map((m) => m.messageId)).toEqual([failing.messageId]);

    // Down again when the decline notices are due.
    await h.smtp.pause();
    const declined = await h.http('POST', `/api/v1/plan-assignments/${id}/decline`, { as: h.org.rep, body: { reason: 'Too high' }, headers: { 'Idempotency-Key': 'smtp-down-decline-1' } });
    expect(declined.status).toBe(200);
    await eventually(async () => (await outbox(id)).some((o) => o.status === 'failed' && o.attempts >= 2), 'a decline notice failing at least twice', 60_000);
    expect(h.smtp.messages).toHaveLength(1);
    await h.smtp.resume();

    const rows = await eventually(async () => {
      const mine = await outbox(id);
      // The invite and the two notices (the manager, ops).
      return mine.length === 3 && mine.every((o) => o.status === 'sent') ? mine : undefined;
    }, 'every email sent', 120_000);
    expect(rows.map((r) => r.purpose.replace(`${id}`, '<a>').replace(/:[0-9a-f-]{36}$/, ':<person>')).sort()).toEqual([
      'plan-acceptance:<a>:declined:manager:<person>',
      'plan-acceptance:<a>:declined:ops:<person>',
      'plan-acceptance:<a>:invite',
    ]);
    // Each Message-ID arrived exactly once.
    for (const row of rows) expect(h.smtp.messages.filter((m) => m.messageId === row.messageId)).toHaveLength(1);
    expect(h.smtp.messages).toHaveLength(3);
    expect((await h.db.getRepository(PlanAssignmentEntity).findOneByOrFail({ id })).status).toBe('declined');
    const audit = await h.db.getRepository(AuditEventEntity).find({ where: { subject: `plan-assignment:${id}` }, order: { id: 'ASC' } });
    expect(audit.map((a) => a.action)).toEqual(['plan-assignment.published', 'plan-assignment.document-rendered', 'plan-assignment.emailed', 'plan-assignment.declined']);
  });
});
