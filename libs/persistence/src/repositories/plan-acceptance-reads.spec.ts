/**
 * The reads and writes a plan acceptance makes for every rep of a publish, written to take as few
 * statements as possible (a 10,000-rep publish makes each of them 10,000 times): the assignment's
 * context in one query, the organisation around a rep in two, a state change in one statement,
 * the stored PDF, the inbox task and the outbox row without reading back what was just written.
 */
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/database';
import { createDataSource } from '../data-source';
import { PersonEntity } from '../entities/person.entity';
import { PlanAssignmentEntity } from '../entities/plan-assignment.entity';
import { PlanDocumentEntity } from '../entities/plan-document.entity';
import { PlanVersionEntity } from '../entities/plan-version.entity';
import { PlanEntity } from '../entities/plan.entity';
import { TeamEntity } from '../entities/team.entity';
import { ApprovalTaskEntity } from '../entities/approval-task.entity';
import { PublishEntity } from '../entities/publish.entity';
import { EmailOutbox } from '../services/email-outbox.service';
import { ApprovalRepository } from './approval.repository';
import { OrganisationRepository } from './organisation.repository';
import { decisionKey, PlanAssignmentRepository } from './plan-assignment.repository';
import { PublishRepository } from './publish.repository';

let db: TestDatabase;
let ds: DataSource;
let statements: string[] = [];
const SETTINGS = { managerPreApproval: false, reminderEveryDays: 3, escalateAfterDays: 7, expireAfterDays: 14 };

/** Counts the statements the data source sends while `fn` runs. */
async function counted<T>(fn: () => Promise<T>): Promise<{ value: T; statements: string[] }> {
  statements = [];
  const value = await fn();
  return { value, statements: [...statements] };
}

beforeAll(async () => {
  // Every statement any pooled connection sends is recorded (this file's own copy of pg).
  const query = Client.prototype.query as (...args: unknown[]) => unknown;
  Client.prototype.query = function (this: Client, ...args: unknown[]) {
    const first = args[0] as string | { text?: string } | undefined;
    statements.push(typeof first === 'string' ? first : (first?.text ?? ''));
    return query.apply(this, args);
  } as typeof Client.prototype.query;
  db = await createTestDatabase();
  ds = await createDataSource({ url: db.url, appRole: 'quotaflow_app' }).initialize();
  statements = [];
});
afterAll(async () => {
  await ds.destroy();
  await db.drop();
});

let seq = 0;
async function world() {
  seq += 1;
  const people = ds.getRepository(PersonEntity);
  const ops = await people.save({ name: `Olga Ops ${seq}`, email: `ops-${seq}@reads.test`, roles: ['ops'] });
  const teamManager = await people.save({ name: `Tess Team ${seq}`, email: `team-manager-${seq}@reads.test`, roles: ['manager'] });
  const lineManager = await people.save({ name: `Lou Line ${seq}`, email: `line-manager-${seq}@reads.test`, roles: ['manager'] });
  const team = await ds.getRepository(TeamEntity).save({ name: `Team ${seq}`, managerId: teamManager.id });
  const rep = await people.save({ name: `Rita Rep ${seq}`, email: `rep-${seq}@reads.test`, roles: ['rep'], teamId: team.id, managerId: lineManager.id });
  const bystander = await people.save({ name: `Ben By ${seq}`, email: `by-${seq}@reads.test`, roles: ['rep'] });
  const plan = await ds.getRepository(PlanEntity).save({ key: `reads-${seq}`, name: `Reads plan ${seq}`, createdById: ops.id });
  const version = await ds.getRepository(PlanVersionEntity).save(
    Object.assign(new PlanVersionEntity(), {
      planId: plan.id,
      version: 1,
      periodLabel: 'FY2026',
      effectiveFrom: '2026-01-01',
      effectiveTo: '2026-12-31',
      createdById: ops.id,
      document: {
        id: `reads-${seq}`,
        components: [{ id: 'commission', kind: 'commission', types: ['revenue'], window: 'run', basis: 'attainment', table: { split: 'step', tiers: [{ from: 0, rate: '0.04' }] } }],
      },
    }),
  );
  const assignment = await ds.getRepository(PlanAssignmentEntity).save({
    planVersionId: version.id,
    personId: rep.id,
    quota: '120000.50',
    status: 'pending_rep',
    settings: SETTINGS,
    workflowId: `plan-acceptance:reads-${seq}`,
    publishedById: ops.id,
    publishedAt: new Date('2026-01-05T09:00:00.000Z'),
  });
  return { ops, teamManager, lineManager, team, rep, bystander, plan, version, assignment };
}

describe('the reads and writes of a plan acceptance', () => {
  it('loads the assignment with its version, plan and rep in one query, as entities', async () => {
    const w = await world();
    const repo = new PlanAssignmentRepository(ds);
    const { value: context, statements: sent } = await counted(() => repo.context(w.assignment.id));
    expect(sent).toHaveLength(1);
    expect(context!.assignment).toBeInstanceOf(PlanAssignmentEntity);
    expect(context!.assignment).toEqual(Object.assign(new PlanAssignmentEntity(), await ds.getRepository(PlanAssignmentEntity).findOneByOrFail({ id: w.assignment.id })));
    expect(context!.version).toEqual(await ds.getRepository(PlanVersionEntity).findOneByOrFail({ id: w.version.id }));
    expect(context!.plan).toEqual(await ds.getRepository(PlanEntity).findOneByOrFail({ id: w.plan.id }));
    expect(context!.rep).toEqual(await ds.getRepository(PersonEntity).findOneByOrFail({ id: w.rep.id }));
    expect([context!.assignment.quota, context!.version.effectiveFrom, Object.keys(context!.assignment).some((k) => k.startsWith('__'))]).toEqual(['120000.50', '2026-01-01', false]);
    expect(await repo.context('00000000-0000-4000-8000-000000000000')).toBeNull();
  });

  it('reads the organisation around a rep in two queries: the rep, their managers, their team and the role holders', async () => {
    const w = await world();
    const { value: org, statements: sent } = await counted(() => new OrganisationRepository(ds).around([w.rep.id], ['ops']));
    expect(sent).toHaveLength(2);
    const ids = org.people.map((p) => p.id);
    expect(ids).toEqual(expect.arrayContaining([w.rep.id, w.teamManager.id, w.lineManager.id, w.ops.id]));
    expect(ids).not.toContain(w.bystander.id);
    expect(org.people.find((p) => p.id === w.rep.id)).toEqual({ id: w.rep.id, name: w.rep.name, roles: ['rep'], active: true, teamId: w.team.id, managerId: w.lineManager.id });
    expect(org.teams).toEqual([{ id: w.team.id, name: w.team.name, managerId: w.teamManager.id }]);
    // Without roles: only the rep's own people.
    const bare = await new OrganisationRepository(ds).around([w.rep.id], []);
    expect(bare.people.map((p) => p.id).sort()).toEqual([w.rep.id, w.teamManager.id, w.lineManager.id].sort());
  });

  it('moves the state in one statement and never overwrites a final state with another', async () => {
    const w = await world();
    const repo = new PlanAssignmentRepository(ds);
    const deadline = new Date('2026-01-19T09:00:00.000Z');
    const moved = await counted(() => ds.transaction((m) => repo.setState(m, w.assignment.id, { status: 'pending_rep', nextDeadline: deadline })));
    expect([moved.value, moved.statements.filter((s) => !/^(START TRANSACTION|COMMIT)$/.test(s)).length]).toEqual([true, 1]);
    expect((await repo.find(w.assignment.id))!.nextDeadline).toEqual(deadline);
    expect(await ds.transaction((m) => repo.setState(m, w.assignment.id, { status: 'superseded', nextDeadline: null }))).toBe(true);
    expect(await ds.transaction((m) => repo.setState(m, w.assignment.id, { status: 'expired', nextDeadline: null }))).toBe(false);
    // The same final state again is a no-op that succeeds (a retried write).
    expect(await ds.transaction((m) => repo.setState(m, w.assignment.id, { status: 'superseded', nextDeadline: null }))).toBe(true);
    expect((await repo.find(w.assignment.id))!.status).toBe('superseded');
    expect(await ds.transaction((m) => repo.setState(m, '00000000-0000-4000-8000-000000000000', { status: 'pending_rep' }))).toBe(false);
  });

  it('stores the PDF once without reading it back, and says whether this attempt stored it', async () => {
    const w = await world();
    const repo = new PlanAssignmentRepository(ds);
    const first = await counted(() => repo.storeDocument(w.assignment.id, Buffer.from('%PDF-first'), 'a'.repeat(64), 2));
    expect([first.value, first.statements.length]).toEqual([{ sha256: 'a'.repeat(64), pages: 2, stored: true }, 1]);
    const second = await repo.storeDocument(w.assignment.id, Buffer.from('%PDF-second'), 'b'.repeat(64), 3);
    expect(second).toEqual({ sha256: 'a'.repeat(64), pages: 2, stored: false });
    expect((await ds.getRepository(PlanDocumentEntity).findOneByOrFail({ assignmentId: w.assignment.id })).pdf.toString()).toBe('%PDF-first');
  });

  it('opens a one-approver task without reading it back; a retry returns the stored task', async () => {
    const w = await world();
    const approvals = new ApprovalRepository(ds);
    const position = { subject: `plan-assignment:${w.assignment.id}`, subjectType: 'plan-assignment', workflowId: w.assignment.workflowId, round: 1, step: 0, visit: 1 };
    const stage = { id: 'rep-acceptance', label: 'Rep acceptance', approverIds: [w.rep.id], deadline: '2026-01-19T09:00:00.000Z', summary: 'Reads plan for Rita' };
    const opened = await counted(() => approvals.openTasks(position, [stage]));
    expect(opened.statements).toHaveLength(1);
    const stored = await ds.getRepository(ApprovalTaskEntity).findOneByOrFail({ workflowId: w.assignment.workflowId });
    expect(opened.value).toEqual([Object.assign(new ApprovalTaskEntity(), stored)]);
    const again = await approvals.openTasks(position, [stage]);
    expect(again).toEqual([stored]);
    expect(await ds.getRepository(ApprovalTaskEntity).countBy({ workflowId: w.assignment.workflowId })).toBe(1);
  });

  it("reads what a decision is checked against and the actor's open task in one query", async () => {
    const w = await world();
    const repo = new PlanAssignmentRepository(ds);
    const decisionFacts = async (id: string, actorId: string) => (await repo.decisionFactsOf([{ id, actorId }])).get(decisionKey(id, actorId)) ?? null;
    const facts = { status: 'pending_rep', workflowId: w.assignment.workflowId, publishedById: w.ops.id, repId: w.rep.id, repManagerId: w.lineManager.id };
    expect(await decisionFacts(w.assignment.id, w.rep.id)).toEqual({ ...facts, openStageId: null });
    const position = { subject: `plan-assignment:${w.assignment.id}`, subjectType: 'plan-assignment', workflowId: w.assignment.workflowId, round: 1, step: 0, visit: 1 };
    await new ApprovalRepository(ds).openTasks(position, [{ id: 'rep-acceptance', label: 'Rep acceptance', approverIds: [w.rep.id], deadline: '2026-01-19T09:00:00.000Z', summary: 'Reads plan' }]);
    const { value, statements: sent } = await counted(() => decisionFacts(w.assignment.id, w.rep.id));
    expect(sent).toHaveLength(1);
    expect(value).toEqual({ ...facts, openStageId: 'rep-acceptance' });
    // Someone without a task there gets the facts and no stage.
    expect(await decisionFacts(w.assignment.id, w.bystander.id)).toEqual({ ...facts, openStageId: null });
    expect(await decisionFacts('00000000-0000-4000-8000-000000000000', w.rep.id)).toBeNull();

    // Many pairs (a burst of decisions) in one query, each under its own key; an unknown assignment is absent.
    const other = await world();
    const unknown = '00000000-0000-4000-8000-000000000000';
    const many = await counted(() => repo.decisionFactsOf([
      { id: w.assignment.id, actorId: w.rep.id }, { id: other.assignment.id, actorId: other.rep.id }, { id: w.assignment.id, actorId: w.bystander.id }, { id: unknown, actorId: w.rep.id },
    ]));
    expect(many.statements).toHaveLength(1);
    expect([...many.value.keys()].sort()).toEqual([decisionKey(w.assignment.id, w.rep.id), decisionKey(other.assignment.id, other.rep.id), decisionKey(w.assignment.id, w.bystander.id)].sort());
    expect(many.value.get(decisionKey(w.assignment.id, w.rep.id))).toEqual({ ...facts, openStageId: 'rep-acceptance' });
    expect(many.value.get(decisionKey(w.assignment.id, w.bystander.id))).toEqual({ ...facts, openStageId: null });
    expect(many.value.get(decisionKey(other.assignment.id, other.rep.id))).toMatchObject({ repId: other.rep.id, openStageId: null });
  });

  it("records an invite's send on its assignment in the same statement, once; a publish counts its invites from its assignments", async () => {
    const w = await world();
    const publish = await ds.getRepository(PublishEntity).save({
      planVersionId: w.version.id, requestedById: w.ops.id, settings: SETTINGS, targetCount: 1, createdCount: 1, status: 'running', workflowId: `publish:reads-${seq}`,
    });
    await ds.getRepository(PlanAssignmentEntity).update({ id: w.assignment.id }, { publishId: publish.id });
    const outbox = new EmailOutbox(ds);
    const invite = await outbox.enqueue({ purpose: `plan-acceptance:${w.assignment.id}:invite`, toAddress: w.rep.email, subject: 'Your plan', text: 'Please accept.' });
    const reminder = await outbox.enqueue({ purpose: `plan-acceptance:${w.assignment.id}:reminder:1`, toAddress: w.rep.email, subject: 'Reminder', text: 'Please accept.' });
    const publishes = new PublishRepository(ds);
    expect((await publishes.progress(publish)).invited).toBe(0);

    // Another email to the rep is not the invite.
    await outbox.markSent(reminder.id, reminder.messageId, undefined, reminder.purpose);
    expect((await ds.getRepository(PlanAssignmentEntity).findOneByOrFail({ id: w.assignment.id })).invitedAt).toBeNull();

    const { statements: sent } = await counted(() => outbox.markSent(invite.id, invite.messageId, undefined, invite.purpose));
    expect(sent).toHaveLength(1);
    const row = await outbox.findById(invite.id);
    const first = await ds.getRepository(PlanAssignmentEntity).findOneByOrFail({ id: w.assignment.id });
    expect([row!.status, row!.attempts, first.invitedAt?.toISOString()]).toEqual(['sent', 1, row!.sentAt!.toISOString()]);
    expect(await publishes.progress(publish)).toMatchObject({ created: 1, invited: 1, pending: 1 });

    // A second success (a retried activity) moves neither the send time nor the count.
    await outbox.markSent(invite.id, invite.messageId, undefined, invite.purpose);
    expect((await ds.getRepository(PlanAssignmentEntity).findOneByOrFail({ id: w.assignment.id })).invitedAt).toEqual(first.invitedAt);
    expect((await publishes.progress(publish)).invited).toBe(1);
  });
});
