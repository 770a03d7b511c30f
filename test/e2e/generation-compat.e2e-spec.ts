/**
 * Runs started before the approval kernel finish after the upgrade (issue 10, item 2).
 *
 * Each run is started as the old API started it (its generation 1 input, the rows it wrote) on a
 * worker that runs generation 1's workflow code (libs/workflows/src/__fixtures__/gen1-workflows.ts).
 * That worker stops mid-approval; the production worker takes over and the run is finished
 * through today's API: decisions, a return and a revision, a supersede. Each run's history has
 * no `approval-kernel` marker — it stayed on generation 1 from start to end, replayed by today's
 * code — and its records (assignment, acceptance, quota lines, ownership, inbox, audit) are what
 * generation 1 promised.
 */
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { Organisation, type QuotaSet } from '@quotaflow/domain';
import {
  AcceptanceEntity, AccountOwnershipEntity, ApprovalTaskEntity, PersonEntity, PlanAssignmentEntity, QuotaLineEntity, QuotaSetEntity,
  QuotaSetVersionEntity, TerritoryChangeEntity, TerritoryEntity,
} from '@quotaflow/persistence';
import {
  planAcceptanceWorkflowId, quotaSignoffWorkflowId, territoryChangeWorkflowId,
  type Gen1PlanAcceptanceInput, type Gen1QuotaSignoffInput, type Gen1TerritoryChangeInput,
} from '@quotaflow/workflows';
import { OrganisationRepository } from '@quotaflow/persistence';
import { bundleWorkflows, connectDevServer, type DevServerConnection } from '../support/temporal';
import { addPerson, isoDay, seedTerritories } from './fixtures';
import { aePlanDocument, eventually, type Harness, startHarness } from './harness';

jest.setTimeout(240_000);

const GEN1_WORKFLOWS = join(__dirname, '../../libs/workflows/src/__fixtures__/gen1-workflows.ts');

describe('runs started on generation 1 finish on today’s code', () => {
  let h: Harness;
  let temporal: DevServerConnection;
  let client: Client;

  beforeAll(async () => {
    h = await startHarness('generation-compat', { inProcessWorker: false });
    temporal = await connectDevServer();
    client = temporal.client;
  });
  // A failed test must not leave its worker polling the queue the next test starts on.
  afterEach(() => h.stopWorker());
  afterAll(async () => {
    await temporal?.close();
    await h?.close();
  });

  /** Starts a workflow as the old API did: by name, with its generation 1 input. */
  const startGen1 = (type: string, workflowId: string, input: unknown) =>
    client.workflow.start(type, { taskQueue: h.config.temporal.taskQueue, workflowId, args: [input] });

  /** The patches a run's history recorded (the SDK writes patch markers as plain JSON, outside the codec). */
  async function patchesOf(workflowId: string): Promise<string[]> {
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    const ids: string[] = [];
    for (const event of history.events ?? []) {
      const marker = event.markerRecordedEventAttributes;
      const payload = marker?.markerName === 'core_patch' ? marker.details?.['patch-data']?.payloads?.[0] : undefined;
      if (payload) ids.push((defaultPayloadConverter.fromPayload(payload) as { id: string }).id);
    }
    return ids;
  }
  const hasKernelMarker = async (workflowId: string) => (await patchesOf(workflowId)).includes('approval-kernel');

  const person = (id: string) => h.db.getRepository(PersonEntity).findOneByOrFail({ id });
  const openTasks = (subject: string) => h.db.getRepository(ApprovalTaskEntity).find({ where: { subject, status: 'open' }, order: { createdAt: 'ASC' } });

  /** Decides every open task of `subject` through today's API, as its approver. */
  async function decideOpen(subject: string, decisionOf: (task: ApprovalTaskEntity) => string, comment?: string): Promise<string[]> {
    const tasks = await openTasks(subject);
    for (const task of tasks) {
      const res = await h.http('POST', `/api/v1/approvals/${task.id}/decisions`, {
        as: await person(task.approverId),
        body: { decision: decisionOf(task), ...(comment ? { comment } : {}) },
      });
      expect([task.stageId, res.status, res.body.decision]).toEqual([task.stageId, 200, decisionOf(task)]);
    }
    return tasks.map((t) => t.stageId);
  }

  it('a plan acceptance: the document sent on generation 1, accepted through today’s API, superseded runs told by Signal', async () => {
    const gen1Bundle = await bundleWorkflows(GEN1_WORKFLOWS);
    await h.startWorker({ workflowBundle: gen1Bundle });

    const plan = await h.http('POST', '/api/v1/plans', {
      as: h.org.ops, body: { key: 'compat-ae', name: 'Compat AE', periodLabel: 'FY2031', effectiveFrom: '2031-01-01', document: aePlanDocument('compat-ae') },
    });
    expect(plan.status).toBe(201);
    const versionId = plan.body.versions[0].id as string;
    const settings = { managerPreApproval: false, reminderEveryDays: 3, escalateAfterDays: 7, expireAfterDays: 14 };
    const assignments = h.db.getRepository(PlanAssignmentEntity);
    const assign = async (rep: PersonEntity) => {
      const row = await assignments.save(assignments.create({
        planVersionId: versionId, personId: rep.id, quota: '480000.00', status: 'pending_rep', settings, workflowId: 'pending', runId: null,
        publishedById: h.org.ops.id, publishedAt: new Date(), decidedAt: null, effectiveAt: null, supersededById: null, nextDeadline: null, publishId: null,
      }));
      await assignments.update({ id: row.id }, { workflowId: planAcceptanceWorkflowId(row.id) });
      const input: Gen1PlanAcceptanceInput = {
        assignmentId: row.id, personId: rep.id, managerId: rep.managerId ?? undefined, opsIds: [h.org.ops.id], planVersionId: versionId,
        publishedById: h.org.ops.id, settings, planLabel: 'Compat AE v1', personName: rep.name,
      };
      await startGen1('planAcceptanceWorkflow', planAcceptanceWorkflowId(row.id), input);
      return row.id;
    };
    const accepted = await assign(h.org.rep);
    const superseded = await assign(h.org.otherRep);
    for (const id of [accepted, superseded]) {
      await eventually(async () => (await openTasks(`plan-assignment:${id}`)).length === 1, 'generation 1 opened the rep’s task', 60_000);
    }
    await h.stopWorker();

    await h.startWorker();
    // Today's API, today's worker: the rep accepts; the answer carries the signed document's hash.
    const task = (await openTasks(`plan-assignment:${accepted}`))[0]!;
    const answer = await h.http('POST', `/api/v1/plan-assignments/${accepted}/accept`, { as: h.org.rep, body: {} });
    expect([answer.status, answer.body.status, answer.body.decision]).toEqual([200, 'accepted', 'accept']);
    expect(answer.body.documentHash).toMatch(/^[0-9a-f]{64}$/);
    const result = await client.workflow.getHandle(planAcceptanceWorkflowId(accepted)).result();
    expect(result.state).toBe('accepted');
    const acceptance = await h.db.getRepository(AcceptanceEntity).findOneByOrFail({ assignmentId: accepted });
    expect([acceptance.decision, acceptance.documentHash]).toEqual(['accepted', answer.body.documentHash]);
    expect((await assignments.findOneByOrFail({ id: accepted })).status).toBe('accepted');
    expect((await h.db.getRepository(ApprovalTaskEntity).findOneByOrFail({ id: task.id })).status).toBe('done');

    // A new version published to Ravi supersedes his generation 1 run: today's worker tells it by
    // Signal (generation 1 has no `supersede` Update).
    const version2 = await h.http('POST', '/api/v1/plans/' + plan.body.id + '/versions', {
      as: h.org.ops, body: { periodLabel: 'FY2031', effectiveFrom: '2031-01-01', document: aePlanDocument('compat-ae') },
    });
    expect(version2.status).toBe(201);
    const published = await h.http('POST', `/api/v1/plan-versions/${version2.body.id}/publish`, {
      as: h.org.ops, body: { personIds: [h.org.otherRep.id], quotas: { [h.org.otherRep.id]: '480000.00' } },
    });
    expect(published.status).toBe(202);
    const old = await client.workflow.getHandle(planAcceptanceWorkflowId(superseded)).result();
    expect(old.state).toBe('superseded');
    await eventually(async () => (await assignments.findOneByOrFail({ id: superseded })).status === 'superseded', 'the old assignment superseded');

    for (const id of [accepted, superseded]) expect(await hasKernelMarker(planAcceptanceWorkflowId(id))).toBe(false);
    expect(await hasKernelMarker(planAcceptanceWorkflowId(published.body.assignments[0].assignmentId))).toBe(true);
    await h.stopWorker();
  });

  it('a quota sign-off: routed on generation 1, returned, revised and locked through today’s API', async () => {
    await h.startWorker({ workflowBundle: await bundleWorkflows(GEN1_WORKFLOWS) });
    const body = {
      periodId: '2032-Q1', periodStart: '2032-01-01', periodEnd: '2032-03-31', companyTarget: '1000000.00',
      teamTargets: { [h.org.team.id]: '600000.00' },
      quotas: [{ personId: h.org.rep.id, amount: '300000.00' }, { personId: h.org.otherRep.id, amount: '300000.00' }],
    };
    const created = await h.http('POST', '/api/v1/quota-sets', { as: h.org.ops, body });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const workflowId = quotaSignoffWorkflowId(id);
    const set: QuotaSet = {
      periodLabel: body.periodId, companyTarget: body.companyTarget, teams: [{ teamId: h.org.team.id, target: '600000.00' }],
      quotas: body.quotas.map((q) => ({ ...q, teamId: h.org.team.id })),
    };
    const org: Organisation = await new OrganisationRepository(h.db).snapshot();
    const input: Gen1QuotaSignoffInput = { quotaSetId: id, version: 1, requesterId: h.org.ops.id, periodId: body.periodId, set, previous: [], changePercentFlag: '20', org };
    await startGen1('quotaSignoffWorkflow', workflowId, input);
    await h.db.getRepository(QuotaSetEntity).update({ id }, { status: 'in_review', workflowId });
    const subject = `quota-set:${id}`;
    await eventually(async () => (await openTasks(subject)).length > 0, 'generation 1 opened the first stage', 60_000);
    await h.stopWorker();

    await h.startWorker();
    // The manager returns it; ops revise it (generation 1 takes the set itself in `revise`).
    expect((await decideOpen(subject, () => 'reject', 'West needs 50,000.00 more on Ravi')).length).toBe(1);
    await eventually(async () => (await h.db.getRepository(QuotaSetEntity).findOneByOrFail({ id })).status === 'returned', 'returned to ops');
    const revised = await h.http('POST', `/api/v1/quota-sets/${id}/revisions`, {
      as: h.org.ops,
      body: { companyTarget: '1050000.00', teamTargets: { [h.org.team.id]: '650000.00' }, quotas: [body.quotas[0], { personId: h.org.otherRep.id, amount: '350000.00' }], comment: 'Ravi +50,000.00' },
    });
    expect([revised.status, revised.body.status]).toEqual([200, 'in_review']);
    // Every later stage through the inbox until the set is locked.
    for (let round = 0; round < 6; round += 1) {
      const state = (await h.db.getRepository(QuotaSetEntity).findOneByOrFail({ id })).status;
      if (state === 'locked') break;
      await eventually(async () => (await openTasks(subject)).length > 0 || (await h.db.getRepository(QuotaSetEntity).findOneByOrFail({ id })).status === 'locked', 'the next stage or the lock');
      await decideOpen(subject, (t) => (t.stageId.startsWith('ack') || t.stageId.includes('acknowledge') ? 'acknowledge' : 'approve'));
    }
    const result = await client.workflow.getHandle(workflowId).result();
    expect(result.state).toBe('locked');
    const locked = await h.db.getRepository(QuotaSetEntity).findOneByOrFail({ id });
    expect([locked.status, locked.effectiveVersion]).toEqual(['locked', 2]);
    const version2 = await h.db.getRepository(QuotaSetVersionEntity).findOneByOrFail({ quotaSetId: id, version: 2 });
    const lines = await h.db.getRepository(QuotaLineEntity).find({ where: { quotaSetVersionId: version2.id }, order: { amount: 'ASC' } });
    expect(lines.map((l) => l.amount)).toEqual(['300000.00', '350000.00']);
    expect(await hasKernelMarker(workflowId)).toBe(false);
    await h.stopWorker();
  });

  it('a territory change: impact on generation 1, approved through today’s API, applied', async () => {
    await h.startWorker({ workflowBundle: await bundleWorkflows(GEN1_WORKFLOWS) });
    const t = await seedTerritories(h, 'compat');
    await addPerson(h, 'Olga Ops', ['ops']); // the requester may not approve their own change's ops stage
    const north = await h.db.getRepository(TerritoryEntity).save({ name: 'West North compat', teamId: h.org.team.id, ownerPersonId: h.org.otherRep.id });
    const today = isoDay(Date.now());
    const repo = h.db.getRepository(TerritoryChangeEntity);
    const change = await repo.save(repo.create({
      requesterId: h.org.ops.id, fromTerritoryId: t.west.id, toTerritoryId: north.id, accountIds: [t.accounts.globex.id], effectiveDate: today,
      reason: 'Globex moves to West North', status: 'requested', financeThreshold: '10000.00', openQuotaAdjustment: false, workflowId: 'pending',
    }));
    const workflowId = territoryChangeWorkflowId(change.id);
    await repo.update({ id: change.id }, { workflowId });
    const input: Gen1TerritoryChangeInput = {
      changeId: change.id, requesterId: h.org.ops.id, requesterRole: 'ops', fromTerritoryId: t.west.id, toTerritoryId: north.id,
      fromTerritoryName: t.west.name, toTerritoryName: north.name, accountIds: [t.accounts.globex.id], effectiveDate: today,
      reason: 'Globex moves to West North', financeThreshold: '10000.00',
    };
    await startGen1('territoryChangeWorkflow', workflowId, input);
    const subject = `territory-change:${change.id}`;
    await eventually(async () => (await openTasks(subject)).length > 0, 'generation 1 routed the change', 60_000);
    await h.stopWorker();

    await h.startWorker();
    const stages: string[] = [];
    for (let round = 0; round < 4; round += 1) {
      const status = (await repo.findOneByOrFail({ id: change.id })).status;
      if (status === 'applied' || status === 'scheduled') break;
      await eventually(async () => (await openTasks(subject)).length > 0 || ['applied', 'scheduled'].includes((await repo.findOneByOrFail({ id: change.id })).status), 'the next stage or the outcome');
      stages.push(...(await decideOpen(subject, () => 'approve')));
    }
    // West's manager, a second ops person (the requester may not sign their own), finance (above 10,000.00 moved).
    expect(stages).toEqual(['territory-managers', 'ops', 'finance']);
    const result = await client.workflow.getHandle(workflowId).result();
    expect(result.state).toBe('applied');
    const ownership = await h.db.getRepository(AccountOwnershipEntity).find({ where: { accountId: t.accounts.globex.id }, order: { effectiveFrom: 'ASC' } });
    expect(ownership.map((o) => [o.territoryId, o.effectiveTo])).toEqual([[t.west.id, today], [north.id, null]]);
    const view = await h.http('GET', `/api/v1/territory-changes/${change.id}`, { as: h.org.ops });
    expect([view.status, view.body.status]).toEqual([200, 'applied']);
    expect(await hasKernelMarker(workflowId)).toBe(false);
    await h.stopWorker();
  });
});
