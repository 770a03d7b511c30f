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
import { fromStage } from '../support/stages';

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

  /** Today's worker on the harness's queue (started by the first stage that needs it, kept for the story's later stages). */
  let todays: true | undefined;
  async function todaysWorker(): Promise<void> {
    if (todays) return;
    await h.startWorker();
    todays = true;
  }
  /** Stops whichever worker runs: a story's stage that failed must not leave a worker polling the queue the next story starts on. */
  async function stopWorkers(): Promise<void> {
    await h.stopWorker();
    todays = undefined;
  }

  describe('a plan acceptance: the document sent on generation 1, accepted through today’s API, superseded runs told by Signal', () => {
    // What each stage leaves for the next (fromStage fails a stage at once when the one it needs did not finish).
    let planId: string | undefined;
    let accepted: string | undefined;
    let superseded: string | undefined;
    let acceptedDone: true | undefined;
    let newAssignment: string | undefined;
    afterAll(() => stopWorkers());

    it('generation 1’s worker opens each rep’s task (Rita’s and Ravi’s runs started as the old API started them), then stops', async () => {
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
      const rita = await assign(h.org.rep);
      const ravi = await assign(h.org.otherRep);
      for (const id of [rita, ravi]) {
        await eventually(async () => (await openTasks(`plan-assignment:${id}`)).length === 1, 'generation 1 opened the rep’s task', 60_000);
      }
      await h.stopWorker();
      planId = plan.body.id as string;
      accepted = rita;
      superseded = ravi;
    });

    it('today’s worker takes over: Rita accepts through today’s API; the answer carries the signed document’s hash, her run ends accepted, the acceptance, assignment and task are recorded', async () => {
      const id = fromStage(accepted, 'generation 1 opened each rep’s task');
      await todaysWorker();
      const assignments = h.db.getRepository(PlanAssignmentEntity);
      // Today's API, today's worker: the rep accepts; the answer carries the signed document's hash.
      const task = (await openTasks(`plan-assignment:${id}`))[0]!;
      const answer = await h.http('POST', `/api/v1/plan-assignments/${id}/accept`, { as: h.org.rep, body: {} });
      expect([answer.status, answer.body.status, answer.body.decision]).toEqual([200, 'accepted', 'accept']);
      expect(answer.body.documentHash).toMatch(/^[0-9a-f]{64}$/);
      const result = await client.workflow.getHandle(planAcceptanceWorkflowId(id)).result();
      expect(result.state).toBe('accepted');
      acceptedDone = true;
      const acceptance = await h.db.getRepository(AcceptanceEntity).findOneByOrFail({ assignmentId: id });
      expect([acceptance.decision, acceptance.documentHash]).toEqual(['accepted', answer.body.documentHash]);
      expect((await assignments.findOneByOrFail({ id })).status).toBe('accepted');
      expect((await h.db.getRepository(ApprovalTaskEntity).findOneByOrFail({ id: task.id })).status).toBe('done');
    });

    it('a new version published to Ravi supersedes his generation 1 run: today’s worker tells it by Signal (generation 1 has no `supersede` Update)', async () => {
      const id = fromStage(superseded, 'generation 1 opened each rep’s task');
      const plan = fromStage(planId, 'generation 1 opened each rep’s task');
      await todaysWorker();
      const assignments = h.db.getRepository(PlanAssignmentEntity);
      const version2 = await h.http('POST', '/api/v1/plans/' + plan + '/versions', {
        as: h.org.ops, body: { periodLabel: 'FY2031', effectiveFrom: '2031-01-01', document: aePlanDocument('compat-ae') },
      });
      expect(version2.status).toBe(201);
      const published = await h.http('POST', `/api/v1/plan-versions/${version2.body.id}/publish`, {
        as: h.org.ops, body: { personIds: [h.org.otherRep.id], quotas: { [h.org.otherRep.id]: '480000.00' } },
      });
      expect(published.status).toBe(202);
      const old = await client.workflow.getHandle(planAcceptanceWorkflowId(id)).result();
      expect(old.state).toBe('superseded');
      await eventually(async () => (await assignments.findOneByOrFail({ id })).status === 'superseded', 'the old assignment superseded');
      newAssignment = published.body.assignments[0].assignmentId as string;
    });

    it('both generation 1 runs stayed on generation 1 (neither the kernel’s nor today’s marker in their histories); the new version’s run is on today’s generation (`local-plan-steps`)', async () => {
      const rita = fromStage(accepted, 'generation 1 opened each rep’s task');
      fromStage(acceptedDone, 'Rita’s acceptance on today’s worker');
      const ravi = fromStage(superseded, 'generation 1 opened each rep’s task');
      const next = fromStage(newAssignment, 'Ravi’s run superseded by the new version');
      for (const id of [rita, ravi]) {
        const patches = await patchesOf(planAcceptanceWorkflowId(id));
        expect([patches.includes('approval-kernel'), patches.includes('local-plan-steps')]).toEqual([false, false]);
      }
      // Today's plan acceptance (generation 3, local steps) records its one marker, which implies the kernel.
      expect(await patchesOf(planAcceptanceWorkflowId(next))).toEqual(['local-plan-steps']);
    });
  });

  describe('a quota sign-off: routed on generation 1, returned, revised and locked through today’s API', () => {
    const body = () => ({
      periodId: '2032-Q1', periodStart: '2032-01-01', periodEnd: '2032-03-31', companyTarget: '1000000.00',
      teamTargets: { [h.org.team.id]: '600000.00' },
      quotas: [{ personId: h.org.rep.id, amount: '300000.00' }, { personId: h.org.otherRep.id, amount: '300000.00' }],
    });
    // What each stage leaves for the next (fromStage fails a stage at once when the one it needs did not finish).
    let id: string | undefined;
    let revised: true | undefined;
    let locked: true | undefined;
    afterAll(() => stopWorkers());

    it('generation 1’s worker routes the set (the run started as the old API started it) and opens its first stage, then stops', async () => {
      await h.startWorker({ workflowBundle: await bundleWorkflows(GEN1_WORKFLOWS) });
      const request = body();
      const created = await h.http('POST', '/api/v1/quota-sets', { as: h.org.ops, body: request });
      expect(created.status).toBe(201);
      const setId = created.body.id as string;
      const workflowId = quotaSignoffWorkflowId(setId);
      const set: QuotaSet = {
        periodLabel: request.periodId, companyTarget: request.companyTarget, teams: [{ teamId: h.org.team.id, target: '600000.00' }],
        quotas: request.quotas.map((q) => ({ ...q, teamId: h.org.team.id })),
      };
      const org: Organisation = await new OrganisationRepository(h.db).snapshot();
      const input: Gen1QuotaSignoffInput = { quotaSetId: setId, version: 1, requesterId: h.org.ops.id, periodId: request.periodId, set, previous: [], changePercentFlag: '20', org };
      await startGen1('quotaSignoffWorkflow', workflowId, input);
      await h.db.getRepository(QuotaSetEntity).update({ id: setId }, { status: 'in_review', workflowId });
      await eventually(async () => (await openTasks(`quota-set:${setId}`)).length > 0, 'generation 1 opened the first stage', 60_000);
      await h.stopWorker();
      id = setId;
    });

    it('today’s worker takes over: the manager returns the set through today’s inbox, ops revise it (generation 1 takes the set itself in `revise`)', async () => {
      const setId = fromStage(id, 'generation 1 opened the first stage');
      await todaysWorker();
      const subject = `quota-set:${setId}`;
      const request = body();
      expect((await decideOpen(subject, () => 'reject', 'West needs 50,000.00 more on Ravi')).length).toBe(1);
      await eventually(async () => (await h.db.getRepository(QuotaSetEntity).findOneByOrFail({ id: setId })).status === 'returned', 'returned to ops');
      const revision = await h.http('POST', `/api/v1/quota-sets/${setId}/revisions`, {
        as: h.org.ops,
        body: { companyTarget: '1050000.00', teamTargets: { [h.org.team.id]: '650000.00' }, quotas: [request.quotas[0], { personId: h.org.otherRep.id, amount: '350000.00' }], comment: 'Ravi +50,000.00' },
      });
      expect([revision.status, revision.body.status]).toEqual([200, 'in_review']);
      revised = true;
    });

    it('every later stage decided through the inbox: the run ends locked on version 2 with the revised quota lines', async () => {
      const setId = fromStage(id, 'generation 1 opened the first stage');
      fromStage(revised, 'the set returned and revised');
      const subject = `quota-set:${setId}`;
      // Every later stage through the inbox until the set is locked.
      for (let round = 0; round < 6; round += 1) {
        const state = (await h.db.getRepository(QuotaSetEntity).findOneByOrFail({ id: setId })).status;
        if (state === 'locked') break;
        await eventually(async () => (await openTasks(subject)).length > 0 || (await h.db.getRepository(QuotaSetEntity).findOneByOrFail({ id: setId })).status === 'locked', 'the next stage or the lock');
        await decideOpen(subject, (t) => (t.stageId.startsWith('ack') || t.stageId.includes('acknowledge') ? 'acknowledge' : 'approve'));
      }
      const result = await client.workflow.getHandle(quotaSignoffWorkflowId(setId)).result();
      expect(result.state).toBe('locked');
      locked = true;
      const set = await h.db.getRepository(QuotaSetEntity).findOneByOrFail({ id: setId });
      expect([set.status, set.effectiveVersion]).toEqual(['locked', 2]);
      const version2 = await h.db.getRepository(QuotaSetVersionEntity).findOneByOrFail({ quotaSetId: setId, version: 2 });
      const lines = await h.db.getRepository(QuotaLineEntity).find({ where: { quotaSetVersionId: version2.id }, order: { amount: 'ASC' } });
      expect(lines.map((l) => l.amount)).toEqual(['300000.00', '350000.00']);
    });

    it('the run stayed on generation 1 from start to end: no `approval-kernel` marker in its history', async () => {
      const setId = fromStage(id, 'generation 1 opened the first stage');
      fromStage(locked, 'the set locked');
      expect(await hasKernelMarker(quotaSignoffWorkflowId(setId))).toBe(false);
    });
  });

  describe('a territory change: impact on generation 1, approved through today’s API, applied', () => {
    // What each stage leaves for the next (fromStage fails a stage at once when the one it needs did not finish).
    let routed: { changeId: string; fromId: string; toId: string; accountId: string; today: string } | undefined;
    let applied: true | undefined;
    afterAll(() => stopWorkers());

    it('generation 1’s worker routes the change (the run started as the old API started it) and opens its first stage, then stops', async () => {
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
      const opened = await eventually(async () => {
        const tasks = await openTasks(`territory-change:${change.id}`);
        return tasks.length > 0 ? tasks : undefined;
      }, 'generation 1 routed the change', 60_000);
      // Its first stage: West's manager (the territory the accounts leave).
      expect(opened.map((task) => task.stageId)).toEqual(['territory-managers']);
      await h.stopWorker();
      routed = { changeId: change.id, fromId: t.west.id, toId: north.id, accountId: t.accounts.globex.id, today };
    });

    it('today’s worker takes over: West’s manager, a second ops person (the requester may not sign their own) and finance (above 10,000.00 moved) approve through the inbox; the run ends applied', async () => {
      const { changeId } = fromStage(routed, 'generation 1 routed the change');
      await todaysWorker();
      const repo = h.db.getRepository(TerritoryChangeEntity);
      const subject = `territory-change:${changeId}`;
      const stages: string[] = [];
      for (let round = 0; round < 4; round += 1) {
        const status = (await repo.findOneByOrFail({ id: changeId })).status;
        if (status === 'applied' || status === 'scheduled') break;
        await eventually(async () => (await openTasks(subject)).length > 0 || ['applied', 'scheduled'].includes((await repo.findOneByOrFail({ id: changeId })).status), 'the next stage or the outcome');
        stages.push(...(await decideOpen(subject, () => 'approve')));
      }
      // West's manager, a second ops person (the requester may not sign their own), finance (above 10,000.00 moved).
      expect(stages).toEqual(['territory-managers', 'ops', 'finance']);
      const result = await client.workflow.getHandle(territoryChangeWorkflowId(changeId)).result();
      expect(result.state).toBe('applied');
      applied = true;
    });

    it('applied as generation 1 promised: Globex’s ownership split at today, the change reads applied; no `approval-kernel` marker in its history', async () => {
      const { changeId, fromId, toId, accountId, today } = fromStage(routed, 'generation 1 routed the change');
      fromStage(applied, 'the change approved and applied');
      const ownership = await h.db.getRepository(AccountOwnershipEntity).find({ where: { accountId }, order: { effectiveFrom: 'ASC' } });
      expect(ownership.map((o) => [o.territoryId, o.effectiveTo])).toEqual([[fromId, today], [toId, null]]);
      const view = await h.http('GET', `/api/v1/territory-changes/${changeId}`, { as: h.org.ops });
      expect([view.status, view.body.status]).toEqual([200, 'applied']);
      expect(await hasKernelMarker(territoryChangeWorkflowId(changeId))).toBe(false);
    });
  });
});
