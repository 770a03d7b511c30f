/**
 * Fault test, the worker: the real worker process (dist/, a child process) is SIGKILLed while an
 * activity is in flight — held there by the test hook (apps/worker/src/fault-hooks.ts) — three
 * times in one plan acceptance: rendering the plan PDF, sending the invite over SMTP (accepted by
 * the server, not yet marked sent) and writing the rep's decline (committed, not yet answered).
 * A new worker process takes over each time; the decline emails go out after the last restart.
 * Compared with an undisturbed run of the same flow in the same database: the same outbox
 * purposes, the same audit events in the same order, one decision; at the SMTP server every
 * message arrives once, except the invite of the SMTP kill: twice, with the same Message-ID.
 */
import {
  ApprovalDecisionEntity,
  AuditEventEntity,
  EmailOutboxEntity,
  PlanAssignmentEntity,
  PlanDocumentEntity,
  type PersonEntity,
} from '@quotaflow/persistence';
import { aePlanDocument, eventually, type Harness, startHarness } from '../e2e/harness';
import { type Child, FaultHolds, killAll, spawnChild, WORKER_MAIN } from './processes';
import { fromStage } from '../support/stages';

jest.setTimeout(240_000);

describe('the worker SIGKILLed inside an activity', () => {
  let h: Harness;
  const holds = new FaultHolds();
  // What each stage leaves for the next (fromStage fails a stage at once when the one it needs did not finish).
  let killed: string | undefined;
  let invitePurpose: string | undefined;
  let declining: ReturnType<typeof decline> | undefined;
  let fourth: Child | undefined;
  let disturbed: Awaited<ReturnType<typeof settled>> | undefined;
  let undisturbed: Awaited<ReturnType<typeof settled>> | undefined;
  // What the summary line reports: worker processes started and SIGKILLed.
  let started = 0;
  let kills = 0;

  beforeAll(async () => {
    h = await startHarness('faults-worker-kill', { inProcessWorker: false });
  });
  afterAll(async () => {
    await fourth?.stop();
    await killAll();
    await h?.close();
    holds.remove();
  });

  const worker = (hold: Record<string, string> = {}): Child => {
    started += 1;
    return spawnChild(WORKER_MAIN, { ...h.env, ...hold });
  };

  async function publish(person: PersonEntity, key: string): Promise<string> {
    const plan = await h.http('POST', '/api/v1/plans', { as: h.org.ops, body: { key, name: `Plan ${key}`, periodLabel: 'FY2026', effectiveFrom: '2026-01-01', document: aePlanDocument(key) } });
    expect(plan.status).toBe(201);
    const published = await h.http('POST', `/api/v1/plan-versions/${plan.body.versions[0].id}/publish`, { as: h.org.ops, body: { personIds: [person.id] } });
    expect(published.status).toBe(202);
    return published.body.assignments[0].assignmentId as string;
  }

  const status = async (id: string) => (await h.db.getRepository(PlanAssignmentEntity).findOneByOrFail({ id })).status;

  /** Declines with one Idempotency-Key, retrying with the same key while the API answers no 200. */
  async function decline(person: PersonEntity, id: string, key: string) {
    return eventually(async () => {
      const r = await h.http('POST', `/api/v1/plan-assignments/${id}/decline`, { as: person, body: { reason: 'Quota too high' }, headers: { 'Idempotency-Key': key } });
      return r.status === 200 ? r : undefined;
    }, `decline ${id}`, 120_000);
  }

  /** The run's outbox rows once all are sent, and its audit actions in chain order. */
  async function settled(id: string, person: PersonEntity) {
    await eventually(async () => (await status(id)) === 'declined', `${id} declined`, 120_000);
    const rows = await eventually(async () => {
      const mine = (await h.db.getRepository(EmailOutboxEntity).find()).filter((o) => o.purpose.includes(id));
      // Three rows: the invite and the two decline notices (enqueued by the finish activity, after `declined`).
      return mine.length >= 3 && mine.every((o) => o.status === 'sent') ? mine : undefined;
    }, `every email of ${id} sent`, 120_000);
    const audit = await h.db.getRepository(AuditEventEntity).find({ where: { subject: `plan-assignment:${id}` }, order: { id: 'ASC' } });
    const normal = (s: string) => s.replaceAll(id, '<assignment>').replaceAll(person.id, '<rep>');
    return {
      rows,
      purposes: rows.map((r) => normal(r.purpose)).sort(),
      actions: audit.map((a) => a.action),
      decisions: await h.db.getRepository(ApprovalDecisionEntity).countBy({ subject: `plan-assignment:${id}` }),
      documents: await h.db.getRepository(PlanDocumentEntity).countBy({ assignmentId: id }),
      deliveries: Object.fromEntries(rows.map((r) => [normal(r.purpose), h.smtp.messages.filter((m) => m.messageId === r.messageId).length])),
    };
  }

  it('kill 1: SIGKILLed while the plan PDF is rendered (audit `published` written, the PDF not stored); nothing sent', async () => {
    const first = worker(holds.env('pdf-rendered'));
    const id = await publish(h.org.rep, 'kill-plan');
    expect(await holds.held('pdf-rendered', first)).toBe(`plan-assignment:${id}`);
    await first.kill9();
    kills += 1;
    expect(h.smtp.messages).toHaveLength(0);
    killed = id;
  });

  it('kill 2: SIGKILLed after the SMTP server accepted the invite, before the outbox row is marked sent', async () => {
    const id = fromStage(killed, 'kill 1');
    const second = worker(holds.env('smtp-accepted', ':invite'));
    const purpose = await holds.held('smtp-accepted', second);
    expect(purpose).toBe(`plan-acceptance:${id}:invite`);
    const invites = h.smtp.messages.filter((m) => m.subject && JSON.stringify(m.to).includes(h.org.rep.email));
    expect(invites).toHaveLength(1);
    await second.kill9();
    kills += 1;
    invitePurpose = purpose;
  });

  it('kill 3: SIGKILLed after the decline’s transaction committed, before the activity answered (the invite resent and marked sent first); the decline request is in flight meanwhile', async () => {
    const id = fromStage(killed, 'kill 1');
    const purpose = fromStage(invitePurpose, 'kill 2');
    const third = worker(holds.env('decision-committed', id));
    await eventually(async () => (await h.db.getRepository(EmailOutboxEntity).findOneBy({ purpose }))?.status === 'sent', 'the invite resent and marked sent', 120_000);
    // The decline completes (or is retried, same key) after the next restart, in the next stage.
    const request = decline(h.org.rep, id, 'fault-decline-0001');
    request.catch(() => undefined); // awaited by the next stage; not an unhandled rejection when this one fails
    expect(await holds.held('decision-committed', third)).toBe(`plan-assignment:${id}`);
    await third.kill9();
    kills += 1;
    declining = request;
  });

  it('a fourth worker finishes the run: the decline answers declined, every email of the run sent after this restart', async () => {
    const id = fromStage(killed, 'kill 1');
    const request = fromStage(declining, 'kill 3');
    fourth = worker();
    const declined = await request;
    expect(declined.body).toMatchObject({ status: 'declined' });
    disturbed = await settled(id, h.org.rep);
  });

  it('the undisturbed run of the same flow, on the same worker: published, invited, declined', async () => {
    fromStage(fourth, 'the fourth worker started');
    const calm = await publish(h.org.otherRep, 'calm-plan');
    await eventually(async () => (await status(calm)) === 'pending_rep' && (await h.db.getRepository(EmailOutboxEntity).findOneBy({ purpose: `plan-acceptance:${calm}:invite` }))?.status === 'sent', 'calm invite sent', 120_000);
    expect((await decline(h.org.otherRep, calm, 'calm-decline-0001')).body).toMatchObject({ status: 'declined' });
    undisturbed = await settled(calm, h.org.otherRep);
  });

  it('nothing lost or doubled: the same outbox purposes and the same audit events in the same order as the undisturbed run, one decision each, one plan document', async () => {
    const hit = fromStage(disturbed, 'the killed run finished by the fourth worker');
    const calm = fromStage(undisturbed, 'the undisturbed run');
    expect(hit.purposes).toEqual(calm.purposes);
    expect(hit.actions).toEqual(calm.actions);
    expect(hit.decisions).toBe(1);
    expect(calm.decisions).toBe(1);
    expect(hit.documents).toBe(1);
  });

  it('at the SMTP server every message once, except the invite whose send the kill interrupted: twice, with the same Message-ID', async () => {
    const hit = fromStage(disturbed, 'the killed run finished by the fourth worker');
    const calm = fromStage(undisturbed, 'the undisturbed run');
    const once = Object.fromEntries(calm.purposes.map((p) => [p, 1]));
    expect(calm.deliveries).toEqual(once);
    expect(hit.deliveries).toEqual({ ...once, 'plan-acceptance:<assignment>:invite': 2 });
    // What each run sent, listed so a change of the flow shows here.
    const sum = (d: Record<string, number>) => Object.values(d).reduce((a, b) => a + b, 0);
    const shown = (d: Record<string, number>) => JSON.stringify(d).replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<person>');
    console.log(`worker-kill: ${kills} SIGKILLs, ${started} worker processes; killed run: ${hit.rows.length} outbox rows, all sent, deliveries ${shown(hit.deliveries)} (${sum(hit.deliveries)} raw, ${sum(hit.deliveries) - hit.rows.length} duplicate), ${hit.decisions} decision, ${hit.documents} plan document, ${hit.actions.length} audit events; undisturbed run: deliveries ${shown(calm.deliveries)}, ${calm.decisions} decision, audit ${JSON.stringify(calm.actions)}`);
  });
});
