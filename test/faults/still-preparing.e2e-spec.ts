/**
 * The "still being prepared" refusal over HTTP, with the real worker held (test hook) inside the
 * prepare activity after the PDF is rendered and before the rep's stage opens: an accept then is
 * refused 409 PLAN_ASSIGNMENT.NOT_PENDING with the message, records no decision, and the same
 * accept is taken once the document is out.
 */
import { ApprovalDecisionEntity, EmailOutboxEntity } from '@quotaflow/persistence';
import { aePlanDocument, eventually, type Harness, startHarness } from '../e2e/harness';
import { FaultHolds, killAll, spawnChild, WORKER_MAIN } from './processes';

jest.setTimeout(180_000);

describe('a decision while the plan document is being prepared', () => {
  let h: Harness;
  const holds = new FaultHolds();

  beforeAll(async () => {
    h = await startHarness('faults-still-preparing', { inProcessWorker: false });
  });
  afterAll(async () => {
    await killAll();
    await h?.close();
    holds.remove();
  });

  it('is refused with PLAN_ASSIGNMENT.NOT_PENDING and "still being prepared", then taken once the invite is out', async () => {
    const worker = spawnChild(WORKER_MAIN, { ...h.env, ...holds.env('pdf-rendered') });
    const plan = await h.http('POST', '/api/v1/plans', { as: h.org.ops, body: { key: 'still-preparing', name: 'Still preparing', periodLabel: 'FY2026', effectiveFrom: '2026-01-01', document: aePlanDocument('still-preparing') } });
    expect(plan.status).toBe(201);
    const published = await h.http('POST', `/api/v1/plan-versions/${plan.body.versions[0].id}/publish`, { as: h.org.ops, body: { personIds: [h.org.rep.id] } });
    expect(published.status).toBe(202);
    const { assignmentId: id } = published.body.assignments[0] as { assignmentId: string };
    expect(await holds.held('pdf-rendered', worker)).toBe(`plan-assignment:${id}`);

    const accept = () => h.http('POST', `/api/v1/plan-assignments/${id}/accept`, { as: h.org.rep, body: { comment: 'I accept' }, headers: { 'Idempotency-Key': `still-preparing-${id}` } });
    const early = await accept();
    expect([early.status, early.body.code, early.body.message]).toEqual([409, 'PLAN_ASSIGNMENT.NOT_PENDING', 'The plan document is still being prepared.']);
    expect(await h.db.getRepository(ApprovalDecisionEntity).countBy({ subject: `plan-assignment:${id}` })).toBe(0);

    holds.release('pdf-rendered');
    await eventually(async () => (await h.db.getRepository(EmailOutboxEntity).findOneBy({ purpose: `plan-acceptance:${id}:invite` }))?.status === 'sent', 'invite sent', 90_000);
    let refusedAfter = 0;
    const taken = await eventually(async () => {
      const r = await accept();
      if (r.status === 409) refusedAfter += 1;
      if (r.status !== 200 && r.status !== 409) throw new Error(`accept answered ${r.status} ${JSON.stringify(r.body)}`);
      // 409 NOT_PENDING until the workflow has opened the rep's stage right after the invite
      return r.status === 200 ? r : undefined;
    }, 'the accept once the invite is out', 60_000);
    expect(taken.body).toMatchObject({ status: 'accepted' });
    // The decision row is written by the workflow's activity right after the answer.
    await eventually(async () => (await h.db.getRepository(ApprovalDecisionEntity).countBy({ subject: `plan-assignment:${id}` })) === 1, 'the decision recorded');
    expect(await h.db.getRepository(ApprovalDecisionEntity).findBy({ subject: `plan-assignment:${id}` })).toEqual([expect.objectContaining({ approverId: h.org.rep.id, decision: 'accept', idempotencyKey: `still-preparing-${id}` })]);
    console.log(`still-preparing: the accept while held ${early.status} ${early.body.code as string}, 0 decisions then; after the invite ${refusedAfter} more 409 before the accept answered ${taken.status} ${taken.body.status as string}; 1 decision (accept, the same Idempotency-Key)`);
  });
});
