import { ApprovalDecisionEntity, AuditLog, PlanAssignmentEntity } from '@quotaflow/persistence';
import { fromStage } from '../support/stages';
import { connectDevServer } from '../support/temporal';
import { aePlanDocument, eventually, type Harness, startHarness } from './harness';

jest.setTimeout(180_000);

describe('the approval inbox and the auditor’s trace', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness('approval-inbox');
  });
  afterAll(async () => {
    await h?.close();
  });

  // What each stage leaves for the next (fromStage fails a stage at once when the one it needs did not finish).
  let assignmentId: string | undefined;
  let task: { id: string } | undefined;
  let approved: true | undefined;
  let accepted: true | undefined;
  const subjectOf = (id: string) => `plan-assignment:${id}`;
  const key = 'inbox-approve-0001';

  it('the manager’s pre-approval task waits in the manager’s inbox with its stage, summary, 14-day deadline and links, and in nobody else’s', async () => {
    const { ops, rep, manager } = h.org;
    const plan = await h.http('POST', '/api/v1/plans', { as: ops, body: { key: 'inbox-plan', name: 'Inbox Plan', periodLabel: 'FY2026', effectiveFrom: '2026-01-01', document: aePlanDocument() } });
    const published = await h.http('POST', `/api/v1/plan-versions/${plan.body.versions[0].id}/publish`, { as: ops, body: { personIds: [rep.id], managerPreApproval: true } });
    const id: string = published.body.assignments[0].assignmentId;
    assignmentId = id;
    const subject = subjectOf(id);

    const managerInbox = await eventually(async () => {
      const r = await h.http('GET', '/api/v1/me/approvals', { as: manager });
      return r.body.tasks.find((t: { subject: string }) => t.subject === subject) ? r.body : undefined;
    }, 'the manager’s task');
    const found = managerInbox.tasks.find((t: { subject: string }) => t.subject === subject);
    task = found;
    expect(found).toMatchObject({ subjectType: 'plan-assignment', stage: { id: 'manager-preapproval', label: 'Manager pre-approval', visit: 1 }, status: 'open' });
    expect(found.summary).toBe(`Inbox Plan version 1 (FY2026) for ${rep.name}`);
    // The pre-approval expires 14 days after the stage opened (the default settings).
    expect(Date.parse(found.deadline) - Date.parse(found.createdAt)).toBeGreaterThan(14 * 86_400_000 - 60_000);
    expect(Date.parse(found.deadline) - Date.parse(found.createdAt)).toBeLessThan(14 * 86_400_000 + 60_000);
    expect(found.links).toMatchObject({ subject: `/api/v1/plan-assignments/${id}`, decisions: `/api/v1/approvals/${found.id}/decisions` });
    expect((await h.http('GET', '/api/v1/me/approvals', { as: rep })).body.count).toBe(0);
  });

  it('not yours, and not a decision this stage allows: another manager may neither see nor decide it; an acknowledge (not this stage’s) or an unknown decision is refused', async () => {
    const { id } = fromStage(task, 'the manager’s task');
    const { manager, otherManager } = h.org;
    const intruder = await h.http('POST', `/api/v1/approvals/${id}/decisions`, { as: otherManager, body: { decision: 'approve' } });
    expect(intruder.status).toBe(403);
    expect((await h.http('GET', `/api/v1/approvals/${id}`, { as: otherManager })).status).toBe(403);
    const wrongValue = await h.http('POST', `/api/v1/approvals/${id}/decisions`, { as: manager, body: { decision: 'acknowledge' } });
    expect(wrongValue.status).toBe(400);
    const badValue = await h.http('POST', `/api/v1/approvals/${id}/decisions`, { as: manager, body: { decision: 'maybe' } });
    expect(badValue.body).toMatchObject({ code: 'VALIDATION.FAILED', details: [{ field: 'decision' }] });
  });

  it('the manager approves once per Idempotency-Key: the same request replays the answer, the key with another request is refused, one decision recorded; the task closes and a late decision is refused', async () => {
    const { id } = fromStage(task, 'the manager’s task');
    const subject = subjectOf(fromStage(assignmentId, 'the plan published'));
    const { manager } = h.org;
    const first = await h.http('POST', `/api/v1/approvals/${id}/decisions`, { as: manager, body: { decision: 'approve', comment: 'fits the team' }, headers: { 'Idempotency-Key': key } });
    expect(first.status).toBe(200);
    approved = true;
    expect(first.body).toMatchObject({ decision: 'approve', approvalStatus: 'pending', task: { id, status: 'done', decision: 'approve' } });
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    // The same request again: the same answer, marked as a replay, one decision recorded.
    const again = await h.http('POST', `/api/v1/approvals/${id}/decisions`, { as: manager, body: { decision: 'approve', comment: 'fits the team' }, headers: { 'Idempotency-Key': key } });
    expect([again.status, again.headers.get('idempotent-replayed')]).toEqual([200, 'true']);
    expect(again.body).toEqual(first.body);
    // The same key with another request is refused, never answered as if it had been taken.
    const reused = await h.http('POST', `/api/v1/approvals/${id}/decisions`, { as: manager, body: { decision: 'approve' }, headers: { 'Idempotency-Key': key } });
    expect([reused.status, reused.body.code]).toEqual([422, 'IDEMPOTENCY.KEY_REUSED']);
    await eventually(async () => (await h.db.getRepository(ApprovalDecisionEntity).countBy({ idempotencyKey: key })) === 1, 'the decision row');
    await new Promise((r) => setTimeout(r, 500));
    expect(await h.db.getRepository(ApprovalDecisionEntity).countBy({ idempotencyKey: key })).toBe(1);
    await eventually(async () => !(await h.http('GET', '/api/v1/me/approvals', { as: manager })).body.tasks.some((t: { subject: string }) => t.subject === subject), 'the task closed');
    const late = await h.http('POST', `/api/v1/approvals/${id}/decisions`, { as: manager, body: { decision: 'reject', comment: 'no' }, headers: { 'Idempotency-Key': 'inbox-reject-0002' } });
    expect(late.status).toBe(409);
  });

  it('then the rep’s acceptance task waits in the rep’s inbox; the rep accepts from it', async () => {
    const id = fromStage(assignmentId, 'the plan published');
    fromStage(approved, 'the manager’s approval');
    const { rep } = h.org;
    const repTask = await eventually(async () => {
      const r = await h.http('GET', '/api/v1/me/approvals', { as: rep });
      return r.body.tasks.find((t: { subject: string }) => t.subject === subjectOf(id));
    }, 'the rep’s task');
    expect(repTask.stage.id).toBe('rep-acceptance');
    const acceptedRes = await h.http('POST', `/api/v1/approvals/${repTask.id}/decisions`, { as: rep, body: { decision: 'accept' }, headers: { 'Idempotency-Key': 'inbox-accept-0003' } });
    expect(acceptedRes.status).toBe(200);
    await eventually(async () => (await h.db.getRepository(PlanAssignmentEntity).findOneByOrFail({ id })).status === 'accepted', 'accepted');
    accepted = true;
  });

  it('the auditor’s trace: JSON with every event (the approval with its actor, comment, workflow and run), stage and decision; CSV for a spreadsheet; not for a rep', async () => {
    const id = fromStage(assignmentId, 'the plan published');
    fromStage(accepted, 'the rep’s acceptance');
    const { rep, manager, auditor } = h.org;
    const subject = subjectOf(id);
    const trace = await h.http('GET', `/api/v1/audit/trace/${subject}`, { as: auditor });
    expect(trace.status).toBe(200);
    expect(trace.body.events.map((e: { action: string }) => e.action)).toEqual(expect.arrayContaining(['plan-assignment.published', 'plan-assignment.approved', 'plan-assignment.accepted']));
    const approval = trace.body.events.find((e: { action: string }) => e.action === 'plan-assignment.approved');
    expect(approval).toMatchObject({ actorId: manager.id, actorName: manager.name, actorRole: 'manager', comment: 'fits the team', workflowId: `plan-acceptance:${id}` });
    const temporal = await connectDevServer();
    try {
      const run = await temporal.client.workflow.getHandle(`plan-acceptance:${id}`).describe();
      expect(approval.runId).toBe(run.runId);
    } finally {
      await temporal.close();
    }
    expect(trace.body.stages.map((s: { stageId: string; status: string }) => `${s.stageId}:${s.status}`)).toEqual(['manager-preapproval:done', 'rep-acceptance:done']);
    expect(trace.body.decisions.map((d: { decision: string }) => d.decision)).toEqual(['approve', 'accept']);
    const csv = await h.http('GET', `/api/v1/audit/trace/${subject}?format=csv`, { as: auditor });
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    const lines = (csv.body as string).trim().split('\r\n');
    expect(lines[0]).toBe('eventId,at,action,actorId,actorName,actorRole,stage,decision,version,comment,workflowId,runId,hash');
    expect(lines).toHaveLength(trace.body.events.length + 1);
    expect(lines.some((l) => l.includes('plan-assignment.approved') && l.includes('fits the team'))).toBe(true);
    expect((await h.http('GET', `/api/v1/audit/trace/${subject}`, { as: rep })).status).toBe(403);
  });

  it('writes the trace of a subject with thousands of events as one JSON document, every event in order', async () => {
    const subject = 'quota-set:5e0c6a4e-7a55-4d2b-9a39-0a4c8b1f2e77';
    const audit = new AuditLog(h.db, { hmacKey: h.env.AUDIT_HMAC_KEY! });
    // 2,345 events: more than two pages of 1,000, the last one partial; names of 2 people.
    await Promise.all(Array.from({ length: 2345 }, (_, i) => audit.append({
      action: 'quota-set.acknowledged', subject, actorId: i % 2 ? h.org.rep.id : h.org.otherRep.id, actorRole: 'rep', comment: `n${i}`, dedupeKey: `${subject}:ack:${i}`,
    })));
    const trace = await h.http('GET', `/api/v1/audit/trace/${subject}`, { as: h.org.auditor });
    expect(trace.status).toBe(200);
    expect(trace.headers.get('content-type')).toMatch(/^application\/json/);
    expect(Object.keys(trace.body)).toEqual(['subject', 'events', 'stages', 'decisions']);
    expect(trace.body.subject).toBe(subject);
    const events = trace.body.events as Array<{ eventId: string; comment: string; actorName: string }>;
    expect(events).toHaveLength(2345);
    expect(new Set(events.map((e) => e.comment)).size).toBe(2345);
    const ids = events.map((e) => BigInt(e.eventId));
    expect(ids.every((id, i) => i === 0 || id > ids[i - 1]!)).toBe(true);
    expect(events.filter((e) => e.actorName === h.org.rep.name)).toHaveLength(1172);
    expect(events.filter((e) => e.actorName === h.org.otherRep.name)).toHaveLength(1173);
    expect(trace.body.stages).toEqual([]);
    expect(trace.body.decisions).toEqual([]);
    // An unknown subject is an empty trace, still one document.
    expect((await h.http('GET', '/api/v1/audit/trace/quota-set:none', { as: h.org.auditor })).body).toEqual({ subject: 'quota-set:none', events: [], stages: [], decisions: [] });
  });
});
