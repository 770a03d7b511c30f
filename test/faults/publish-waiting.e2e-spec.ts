/**
 * Fault test, Temporal down at publish: the publish answers at once with status `waiting`, its
 * assignments kept (nothing rolled back, no TEMPORAL.UNAVAILABLE to the caller); once the server
 * is back the API starts the waiting publish by itself (PublishRuns.resumeWaiting) and the rep
 * gets exactly one invite.
 */
import { EmailOutboxEntity, PlanAssignmentEntity } from '@quotaflow/persistence';
import { aePlanDocument, eventually, type Harness, startHarness } from '../e2e/harness';
import { killAll, spawnChild, WORKER_MAIN } from './processes';
import { ownTemporal, type OwnTemporal } from './own-servers';

jest.setTimeout(180_000);

describe('a publish while Temporal is down', () => {
  let temporal: OwnTemporal;
  let h: Harness;

  beforeAll(async () => {
    temporal = await ownTemporal('publish-waiting');
    h = await startHarness('faults-publish-waiting', { temporalAddress: temporal.address, inProcessWorker: false });
  });
  afterAll(async () => {
    await killAll();
    await h?.close();
    await temporal?.remove();
  });

  it('waits with its assignments kept, then starts by itself once Temporal is back: one invite', async () => {
    const plan = await h.http('POST', '/api/v1/plans', { as: h.org.ops, body: { key: 'publish-waiting', name: 'Publish waiting', periodLabel: 'FY2026', effectiveFrom: '2026-01-01', document: aePlanDocument('publish-waiting') } });
    expect(plan.status).toBe(201);
    await temporal.stop();
    const down = Date.now();

    const published = await h.http('POST', `/api/v1/plan-versions/${plan.body.versions[0].id}/publish`, { as: h.org.ops, body: { personIds: [h.org.rep.id] } });
    expect([published.status, published.body.status, published.body.created]).toEqual([202, 'waiting', 1]);
    const { assignmentId } = published.body.assignments[0] as { assignmentId: string };
    expect(await h.db.getRepository(PlanAssignmentEntity).countBy({ planVersionId: plan.body.versions[0].id })).toBe(1);
    const waiting = await h.http('GET', `/api/v1/publishes/${published.body.id}`, { as: h.org.ops });
    expect([waiting.status, waiting.body.status]).toEqual([200, 'waiting']);

    await temporal.start();
    const outageMs = Date.now() - down;
    spawnChild(WORKER_MAIN, h.env);
    const done = await eventually(async () => {
      const view = await h.http('GET', `/api/v1/publishes/${published.body.id}`, { as: h.org.ops });
      return view.body.status === 'done' ? view.body : undefined;
    }, 'the publish done after Temporal is back', 120_000);
    expect(done.status).toBe('done');
    await eventually(async () => (await h.db.getRepository(EmailOutboxEntity).findOneBy({ purpose: `plan-acceptance:${assignmentId}:invite` }))?.status === 'sent', 'invite sent', 90_000);
    expect(await h.db.getRepository(PlanAssignmentEntity).countBy({ planVersionId: plan.body.versions[0].id })).toBe(1);
    const invites = h.smtp.messages.filter((m) => m.subject?.startsWith('Your compensation plan') === true && m.text?.includes(assignmentId) === true);
    expect(invites).toHaveLength(1);
    console.log(`publish-waiting: Temporal down ${(outageMs / 1000).toFixed(1)} s; the publish answered ${published.status} ${published.body.status as string} with ${published.body.created as number} created, 1 assignment kept; ${done.status as string} after the restart, 1 assignment; ${invites.length} invite delivered`);
  });
});
