/**
 * Fault test, SMTP: the in-test SMTP server stops listening (connections refused, as when the
 * mail server is down) before the invite goes out and again before the decline notices do; the
 * worker's delivery activities fail, are retried by the production retry policy
 * (libs/workflows/src/approval/activity-options.ts), and once the server is back every email is
 * delivered exactly once, with nothing skipped or doubled in the outbox or the audit trail.
 */
import { AuditEventEntity, EmailOutboxEntity, PlanAssignmentEntity } from '@quotaflow/persistence';
import { aePlanDocument, eventually, type Harness, startHarness } from '../e2e/harness';
import { fromStage } from '../support/stages';

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

  // What each stage leaves for the next (fromStage fails a stage at once when the one it needs did not finish).
  let id: string | undefined;
  let failing: EmailOutboxEntity | undefined;
  let inviteSent: true | undefined;
  let declined: true | undefined;
  let rows: EmailOutboxEntity[] | undefined;
  // What the summary line reports: the seconds each outage lasted, the failed attempts seen during each.
  const outageMs: number[] = [];
  let noticeFailures: number | undefined;

  it('outage 1, before the invite goes out: the invite’s delivery fails at least twice (ECONNREFUSED, being retried), nothing delivered', async () => {
    await h.smtp.pause();
    const down = Date.now();
    const plan = await h.http('POST', '/api/v1/plans', { as: h.org.ops, body: { key: 'smtp-down', name: 'SMTP down', periodLabel: 'FY2026', effectiveFrom: '2026-01-01', document: aePlanDocument('smtp-down') } });
    expect(plan.status).toBe(201);
    const published = await h.http('POST', `/api/v1/plan-versions/${plan.body.versions[0].id}/publish`, { as: h.org.ops, body: { personIds: [h.org.rep.id] } });
    expect(published.status).toBe(202);
    const assignmentId: string = published.body.assignments[0].assignmentId;
    const invitePurpose = `plan-acceptance:${assignmentId}:invite`;

    // Two failed attempts while the server is away: the activity is being retried.
    const row = await eventually(async () => {
      const invite = await h.db.getRepository(EmailOutboxEntity).findOneBy({ purpose: invitePurpose });
      return invite && invite.attempts >= 2 ? invite : undefined;
    }, 'the invite failing at least twice', 60_000);
    expect(row.status).toBe('failed');
    expect(row.lastError).toContain('ECONNREFUSED');
    expect(h.smtp.messages).toHaveLength(0);
    await h.smtp.resume();
    outageMs.push(Date.now() - down);
    id = assignmentId;
    failing = row;
  });

  it('the server back: the invite is sent once, with the Message-ID of its failed attempts', async () => {
    const assignmentId = fromStage(id, 'outage 1');
    const row = fromStage(failing, 'outage 1');
    await eventually(async () => (await h.db.getRepository(EmailOutboxEntity).findOneBy({ purpose: `plan-acceptance:${assignmentId}:invite` }))?.status === 'sent', 'the invite sent once the server is back', 120_000);
    expect(h.smtp.messages.map((m) => m.messageId)).toEqual([row.messageId]);
    inviteSent = true;
  });

  it('outage 2, when the decline notices are due: the decline is recorded, a notice’s delivery fails at least twice, only the invite delivered', async () => {
    const assignmentId = fromStage(id, 'outage 1');
    fromStage(inviteSent, 'the invite sent after outage 1');
    await h.smtp.pause();
    const down = Date.now();
    const decline = await h.http('POST', `/api/v1/plan-assignments/${assignmentId}/decline`, { as: h.org.rep, body: { reason: 'Too high' }, headers: { 'Idempotency-Key': 'smtp-down-decline-1' } });
    expect(decline.status).toBe(200);
    const failingNotice = await eventually(async () => (await outbox(assignmentId)).find((o) => o.status === 'failed' && o.attempts >= 2), 'a decline notice failing at least twice', 60_000);
    expect(h.smtp.messages).toHaveLength(1);
    await h.smtp.resume();
    outageMs.push(Date.now() - down);
    noticeFailures = failingNotice.attempts;
    declined = true;
  });

  it('the server back: every email of the run sent, nothing skipped (the invite and the notices to the manager and to ops)', async () => {
    const assignmentId = fromStage(id, 'outage 1');
    fromStage(declined, 'outage 2');
    const sent = await eventually(async () => {
      const mine = await outbox(assignmentId);
      // The invite and the two notices (the manager, ops).
      return mine.length === 3 && mine.every((o) => o.status === 'sent') ? mine : undefined;
    }, 'every email sent', 120_000);
    rows = sent;
    expect(sent.map((r) => r.purpose.replace(`${assignmentId}`, '<a>').replace(/:[0-9a-f-]{36}$/, ':<person>')).sort()).toEqual([
      'plan-acceptance:<a>:declined:manager:<person>',
      'plan-acceptance:<a>:declined:ops:<person>',
      'plan-acceptance:<a>:invite',
    ]);
  });

  it('nothing doubled: each Message-ID arrived exactly once, three messages in all; the assignment declined, the audit chain without repeats', async () => {
    const assignmentId = fromStage(id, 'outage 1');
    const sent = fromStage(rows, 'every email sent after outage 2');
    // Each Message-ID arrived exactly once.
    for (const row of sent) expect(h.smtp.messages.filter((m) => m.messageId === row.messageId)).toHaveLength(1);
    expect(h.smtp.messages).toHaveLength(3);
    expect((await h.db.getRepository(PlanAssignmentEntity).findOneByOrFail({ id: assignmentId })).status).toBe('declined');
    const audit = await h.db.getRepository(AuditEventEntity).find({ where: { subject: `plan-assignment:${assignmentId}` }, order: { id: 'ASC' } });
    expect(audit.map((a) => a.action)).toEqual(['plan-assignment.published', 'plan-assignment.document-rendered', 'plan-assignment.emailed', 'plan-assignment.declined']);
    const distinct = new Set(h.smtp.messages.map((m) => m.messageId)).size;
    const attempts = sent.map((r) => `${r.purpose.replace(/^plan-acceptance:[0-9a-f-]{36}:/, '').replace(/:[0-9a-f-]{36}$/, '')} ${r.attempts}`).sort().join(', ');
    const seconds = outageMs.map((ms) => (ms / 1000).toFixed(1)).join(' s and ');
    console.log(`smtp-outage: 2 outages (${seconds} s), the invite failed ${fromStage(failing, 'outage 1').attempts} times in outage 1, a notice ${noticeFailures ?? '?'} times in outage 2; ${sent.length} outbox rows, all sent (attempts: ${attempts}); ${h.smtp.messages.length} deliveries, ${distinct} distinct Message-IDs, ${h.smtp.messages.length - distinct} duplicates; ${audit.length} audit events`);
  });
});
