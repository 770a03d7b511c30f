import { AcceptanceEntity, ApprovalDecisionEntity, AuditEventEntity, EmailOutboxEntity, PlanAssignmentEntity, PlanDocumentEntity } from '@quotaflow/persistence';
import { pdfText } from '../support/pdf';
import { fromStage } from '../support/stages';
import { aePlanDocument, eventually, type Harness, startHarness } from './harness';

jest.setTimeout(180_000);

describe('plan acceptance, end to end over HTTP', () => {
  let h: Harness;
  let versionId: string;

  beforeAll(async () => {
    h = await startHarness('plan-acceptance');
    const created = await h.http('POST', '/api/v1/plans', {
      as: h.org.ops,
      body: { key: 'ae-2026', name: 'Account Executive 2026', periodLabel: 'FY2026', effectiveFrom: '2026-01-01', document: aePlanDocument() },
    });
    expect(created.status).toBe(201);
    versionId = created.body.versions[0].id;
  });

  afterAll(async () => {
    await h?.close();
  });

  const mailsTo = (email: string) => h.smtp.messages.filter((m) => (m.to && 'text' in m.to ? m.to.text : JSON.stringify(m.to)).includes(email));

  describe('Rita’s acceptance, stage by stage', () => {
    // What each stage leaves for the next (fromStage fails a stage at once when the one it needs did not finish).
    let assignmentId: string | undefined;
    let invite: { messageId?: string } | undefined;
    let accepted: true | undefined;

    it('ops publishes the version to Rita with her quota; publishing it to her again starts nothing new', async () => {
      const { rep } = h.org;
      const published = await h.http('POST', `/api/v1/plan-versions/${versionId}/publish`, { as: h.org.ops, body: { personIds: [rep.id], quotas: { [rep.id]: '480000.00' } } });
      expect(published.status).toBe(202);
      expect(published.body.assignments).toHaveLength(1);
      const id: string = published.body.assignments[0].assignmentId;
      assignmentId = id;
      expect(published.body.assignments[0]).toMatchObject({ personId: rep.id, created: true, workflowId: `plan-acceptance:${id}` });

      // Publishing the same version to the same rep again starts nothing new.
      const again = await h.http('POST', `/api/v1/plan-versions/${versionId}/publish`, { as: h.org.ops, body: { personIds: [rep.id] } });
      expect(again.status).toBe(202);
      expect(again.body.assignments[0]).toMatchObject({ assignmentId: id, created: false });
    });

    it('the email arrives with exactly one attachment, the plan PDF, naming Rita, the plan and its figures', async () => {
      fromStage(assignmentId, 'the version published to Rita');
      const { rep } = h.org;
      const mail = await h.smtp.waitFor((m) => mailsTo(rep.email).includes(m), 60_000);
      invite = mail;
      // Exactly one attachment, the plan PDF.
      expect(mail.attachments.map((a) => a.contentType)).toEqual(['application/pdf']);
      const attachment = mail.attachments[0]!;
      const text = await pdfText(attachment.content);
      expect(text).toContain(rep.name);
      expect(text).toContain('Account Executive 2026');
      expect(text).toMatch(/480,000\.00/);
      expect(text).toMatch(/9(\.0+)?\s?%/);
    });

    it('Rita sees the assignment pending her decision, with the deadline the workflow wrote to the read model, and in her own list', async () => {
      const id = fromStage(assignmentId, 'the version published to Rita');
      fromStage(invite, 'the plan emailed to Rita');
      const { rep } = h.org;
      const view = await h.http('GET', `/api/v1/plan-assignments/${id}`, { as: rep });
      expect(view.status).toBe(200);
      expect(view.body).toMatchObject({ status: 'pending_rep', person: { id: rep.id }, plan: { key: 'ae-2026', version: 1 }, quota: '480000.00' });
      // The deadline the rep is shown is the one the read model keeps (written by the workflow).
      const pending = await h.db.getRepository(PlanAssignmentEntity).findOneByOrFail({ id });
      expect(pending.nextDeadline).toBeInstanceOf(Date);
      expect(view.body.nextDeadline).toBe(pending.nextDeadline!.toISOString());
      expect((await h.http('GET', '/api/v1/me/plan-assignments', { as: rep })).body.map((a: { id: string }) => a.id)).toContain(id);
    });

    it('nobody but the assigned rep may decide: no token 401, another rep, her manager, the auditor and ops 403', async () => {
      const id = fromStage(assignmentId, 'the version published to Rita');
      expect((await h.http('POST', `/api/v1/plan-assignments/${id}/accept`, {})).status).toBe(401);
      for (const intruder of [h.org.otherRep, h.org.manager, h.org.auditor, h.org.ops]) {
        const refused = await h.http('POST', `/api/v1/plan-assignments/${id}/accept`, { as: intruder, body: {} });
        expect(refused.status).toBe(403);
        expect(refused.body.code).toMatch(/^AUTH\./);
      }
    });

    it('Rita accepts, once per Idempotency-Key (a decline after it is a conflict); the acceptance records her browser, address and the document’s hash; effective from the later of the acceptance and the version’s start', async () => {
      const id = fromStage(assignmentId, 'the version published to Rita');
      fromStage(invite, 'the plan emailed to Rita');
      const { rep } = h.org;
      const stored = await h.db.getRepository(PlanDocumentEntity).findOneByOrFail({ assignmentId: id });
      const first = await h.http('POST', `/api/v1/plan-assignments/${id}/accept`, {
        as: rep, body: {}, headers: { 'Idempotency-Key': 'accept-rita-0001', 'User-Agent': 'e2e-browser/1.0' },
      });
      expect(first.status).toBe(200);
      expect(first.body.status).toBe('accepted');
      accepted = true;
      // Where the decision's time went, phase by phase (names and durations only).
      const phases = (first.headers.get('server-timing') ?? '').split(', ').map((p) => p.split(';')[0]);
      expect(phases).toEqual(['auth', 'read', 'claim', 'workflow', 'complete', 'total']);
      // The same key again records nothing new; a new decision is a conflict.
      const replay = await h.http('POST', `/api/v1/plan-assignments/${id}/accept`, { as: rep, body: {}, headers: { 'Idempotency-Key': 'accept-rita-0001' } });
      expect(replay.status).toBe(200);
      const second = await h.http('POST', `/api/v1/plan-assignments/${id}/decline`, { as: rep, body: { reason: 'changed my mind' }, headers: { 'Idempotency-Key': 'decline-rita-0002' } });
      expect(second.status).toBe(409);

      // The Update answered once the decision was durable; the acceptance record follows from the workflow.
      const acceptance = await eventually(() => h.db.getRepository(AcceptanceEntity).findOneBy({ assignmentId: id }), 'the acceptance record');
      expect(acceptance).toMatchObject({ decision: 'accepted', personId: rep.id, userAgent: 'e2e-browser/1.0', documentHash: stored.sha256 });
      // The harness calls the API over 127.0.0.1 with no proxy: the socket's address is recorded.
      expect(acceptance.ip).toBe('127.0.0.1');
      const assignment = await eventually(async () => {
        const a = await h.db.getRepository(PlanAssignmentEntity).findOneByOrFail({ id });
        return a.status === 'accepted' ? a : undefined;
      }, 'accepted assignment');
      // Effective from the later of the acceptance and the version's start (2026-01-01).
      expect(assignment.effectiveAt!.toISOString()).toBe(new Date(Math.max(acceptance.decidedAt.getTime(), Date.parse('2026-01-01T00:00:00.000Z'))).toISOString());
    });

    it('exactly one invitation was sent: one outbox row, one message with its Message-ID', async () => {
      const sent = fromStage(invite, 'the plan emailed to Rita');
      fromStage(accepted, 'Rita’s acceptance');
      const { rep } = h.org;
      const invites = await h.db.getRepository(EmailOutboxEntity).find({ where: { toAddress: rep.email } });
      expect(invites.filter((o) => o.purpose.endsWith(':invite'))).toHaveLength(1);
      expect(h.smtp.messages.filter((m) => m.messageId === sent.messageId)).toHaveLength(1);
    });

    it('the auditor reads the chain: every event of the run hashed, with its workflow and run, the acceptance by Rita; the chain verifies; a rep may not read it', async () => {
      const id = fromStage(assignmentId, 'the version published to Rita');
      fromStage(accepted, 'Rita’s acceptance');
      const { rep } = h.org;
      const trail = await eventually(async () => {
        const r = await h.http('GET', `/api/v1/audit?subject=plan-assignment:${id}`, { as: h.org.auditor });
        const actions: string[] = r.body.events.map((e: AuditEventEntity) => e.action);
        return actions.some((a) => a.endsWith('accepted')) ? r.body : undefined;
      }, 'accepted audit event');
      const actions: string[] = trail.events.map((e: AuditEventEntity) => e.action);
      expect(actions).toEqual(expect.arrayContaining([expect.stringMatching(/published$/), expect.stringMatching(/emailed$/), expect.stringMatching(/accepted$/)]));
      const runId = (await h.db.getRepository(ApprovalDecisionEntity).findOneByOrFail({ subject: `plan-assignment:${id}` })).runId;
      expect(runId).toMatch(/^[0-9a-f-]{36}$/);
      for (const e of trail.events as AuditEventEntity[]) {
        expect(e.workflowId).toBe(`plan-acceptance:${id}`);
        expect(e.runId).toBe(runId);
        expect(e.hash).toMatch(/^[0-9a-f]{64}$/);
      }
      expect(trail.events.find((e: AuditEventEntity) => e.action.endsWith('accepted')).actorId).toBe(rep.id);
      const verify = await h.http('GET', '/api/v1/audit/verify', { as: h.org.auditor });
      expect(verify.body).toMatchObject({ ok: true });
      expect((await h.http('GET', `/api/v1/audit?subject=plan-assignment:${id}`, { as: rep })).status).toBe(403);
    });
  });

  it('a decline needs a reason and tells the manager and ops', async () => {
    const { otherRep, manager, ops } = h.org;
    const published = await h.http('POST', `/api/v1/plan-versions/${versionId}/publish`, { as: ops, body: { personIds: [otherRep.id] } });
    const assignmentId: string = published.body.assignments[0].assignmentId;
    await h.smtp.waitFor((m) => mailsTo(otherRep.email).includes(m), 60_000);
    const noReason = await h.http('POST', `/api/v1/plan-assignments/${assignmentId}/decline`, { as: otherRep, body: {} });
    expect(noReason.status).toBe(400);
    expect(noReason.body).toMatchObject({ code: 'VALIDATION.FAILED' });
    const declined = await h.http('POST', `/api/v1/plan-assignments/${assignmentId}/decline`, { as: otherRep, body: { reason: 'The accelerator is below last year' } });
    expect(declined.status).toBe(200);
    expect(declined.body.status).toBe('declined');
    await h.smtp.waitFor((m) => mailsTo(manager.email).includes(m) && /declin/i.test(m.subject ?? ''), 60_000);
    await h.smtp.waitFor((m) => mailsTo(ops.email).includes(m) && /declin/i.test(m.subject ?? ''), 60_000);
    const acceptance = await eventually(() => h.db.getRepository(AcceptanceEntity).findOneBy({ assignmentId }), 'the decline record');
    expect(acceptance).toMatchObject({ decision: 'declined', reason: 'The accelerator is below last year' });
  });

  it('with manager pre-approval the rep is asked only after the manager approves, and a new version supersedes a pending one', async () => {
    const { farRep, otherManager, manager, ops } = h.org;
    const published = await h.http('POST', `/api/v1/plan-versions/${versionId}/publish`, { as: ops, body: { personIds: [farRep.id], managerPreApproval: true } });
    const assignmentId: string = published.body.assignments[0].assignmentId;
    expect(published.body.assignments[0].status).toBe('pending_manager');
    await h.smtp.waitFor((m) => mailsTo(otherManager.email).includes(m), 60_000);
    const early = await h.http('POST', `/api/v1/plan-assignments/${assignmentId}/accept`, { as: farRep, body: {} });
    expect(early.status).toBe(409);
    const wrongManager = await h.http('POST', `/api/v1/plan-assignments/${assignmentId}/pre-approval`, { as: manager, body: { decision: 'approve' } });
    expect(wrongManager.status).toBe(403);
    const approved = await h.http('POST', `/api/v1/plan-assignments/${assignmentId}/pre-approval`, { as: otherManager, body: { decision: 'approve', comment: 'fine' } });
    expect(approved.status).toBe(200);
    await h.smtp.waitFor((m) => mailsTo(farRep.email).includes(m), 60_000);
    await eventually(async () => (await h.db.getRepository(PlanAssignmentEntity).findOneByOrFail({ id: assignmentId })).status === 'pending_rep', 'pending_rep');

    // Version 2 supersedes the pending assignment of version 1.
    const plan = await h.http('GET', '/api/v1/plans', { as: ops });
    const planId = plan.body.find((p: { key: string }) => p.key === 'ae-2026').id;
    const v2 = await h.http('POST', `/api/v1/plans/${planId}/versions`, { as: ops, body: { periodLabel: 'FY2026', effectiveFrom: '2026-04-01', document: aePlanDocument() } });
    expect(v2.status).toBe(201);
    const republished = await h.http('POST', `/api/v1/plan-versions/${v2.body.id}/publish`, { as: ops, body: { personIds: [farRep.id] } });
    expect(republished.status).toBe(202);
    await eventually(async () => (await h.db.getRepository(PlanAssignmentEntity).findOneByOrFail({ id: assignmentId })).status === 'superseded', 'superseded');
    const old = await h.http('POST', `/api/v1/plan-assignments/${assignmentId}/accept`, { as: farRep, body: {} });
    expect(old.status).toBe(409);
  });
});
