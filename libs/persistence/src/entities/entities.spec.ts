import { InvalidPlanDocumentError } from '../plan-document';
import { appDatabasePerFile } from '../../../../test/support/app-database';
import {
  AcceptanceEntity,
  ApprovalDecisionEntity,
  PersonEntity,
  PlanAssignmentEntity,
  PlanDocumentEntity,
  PlanEntity,
  PlanVersionEntity,
  TeamEntity,
} from './index';

const database = appDatabasePerFile();

const PLAN_DOC = { id: 'ae-2026', components: [{ id: 'commission', kind: 'commission', table: { split: 'step', tiers: [{ from: 0, rate: '0.08' }] } }] };

/** Builds an organisation with unique names so tests share the database without sharing rows. */
async function org(tag: string): Promise<{ team: TeamEntity; manager: PersonEntity; rep: PersonEntity; plan: PlanEntity; version: PlanVersionEntity }> {
  const team = await database.ds.getRepository(TeamEntity).save({ name: `Team ${tag}` });
  const manager = await database.ds.getRepository(PersonEntity).save({ name: 'Mia Manager', email: `mia.${tag}@x.test`, roles: ['manager'], teamId: team.id });
  await database.ds.getRepository(TeamEntity).update(team.id, { managerId: manager.id });
  const rep = await database.ds.getRepository(PersonEntity).save({
    name: 'Ray Rep', email: `ray.${tag}@x.test`, roles: ['rep'], teamId: team.id, managerId: manager.id, attributes: { annualQuota: '1200000.00' },
  });
  const plan = await database.ds.getRepository(PlanEntity).save({ key: `plan-${tag}`, name: 'Plan', createdById: manager.id });
  const version = await database.ds.getRepository(PlanVersionEntity).save(
    database.ds.getRepository(PlanVersionEntity).create({
      planId: plan.id, version: 1, document: PLAN_DOC, periodLabel: 'FY2026', effectiveFrom: '2026-01-01', createdById: manager.id,
    }),
  );
  return { team, manager, rep, plan, version };
}

describe('entities', () => {
  it('round-trip people with snake_case columns, arrays and jsonb', async () => {
    const { rep, team, manager } = await org('people');
    const stored = await database.ds.getRepository(PersonEntity).findOneByOrFail({ id: rep.id });
    expect(stored).toMatchObject({ roles: ['rep'], teamId: team.id, managerId: manager.id, active: true, attributes: { annualQuota: '1200000.00' } });
    expect(stored.createdAt).toBeInstanceOf(Date);
    const raw = (await database.ds.query('SELECT manager_id, team_id FROM people WHERE id = $1', [rep.id])) as unknown[];
    expect(raw).toEqual([{ manager_id: manager.id, team_id: team.id }]);
  });

  it('keeps numeric money exact as a string', async () => {
    const { rep, manager, version } = await org('money');
    const repo = database.ds.getRepository(PlanAssignmentEntity);
    const saved = await repo.save({
      planVersionId: version.id, personId: rep.id, quota: '9999999999999999.99', status: 'pending_rep',
      settings: { managerPreApproval: false, reminderEveryDays: 3, escalateAfterDays: 7, expireAfterDays: 14 },
      workflowId: 'plan-acceptance:x', publishedById: manager.id, publishedAt: new Date('2026-01-02T10:00:00.123Z'),
    });
    const stored = await repo.findOneByOrFail({ id: saved.id });
    expect(stored.quota).toBe('9999999999999999.99');
    expect(stored.publishedAt.toISOString()).toBe('2026-01-02T10:00:00.123Z');
    expect(stored.settings).toEqual({ managerPreApproval: false, reminderEveryDays: 3, escalateAfterDays: 7, expireAfterDays: 14 });
    await expect(repo.save({ ...saved, id: undefined })).rejects.toThrow(/plan_assignments_plan_version_id_person_id_key/);
  });

  it('hashes and validates plan documents on save; versions are unique per plan', async () => {
    const { version, plan, manager } = await org('versions');
    const stored = await database.ds.getRepository(PlanVersionEntity).findOneByOrFail({ id: version.id });
    expect(stored.documentHash).toMatch(/^[0-9a-f]{64}$/);
    expect(stored.effectiveFrom).toBe('2026-01-01');
    expect(stored.document).toEqual(PLAN_DOC);
    const repo = database.ds.getRepository(PlanVersionEntity);
    await expect(repo.save(repo.create({ ...stored, id: undefined }))).rejects.toThrow(/plan_versions_plan_id_version_key/);
    await expect(
      repo.save(repo.create({ planId: plan.id, version: 2, document: { id: 'x', components: [] }, periodLabel: 'FY2026', effectiveFrom: '2026-01-01', createdById: manager.id })),
    ).rejects.toBeInstanceOf(InvalidPlanDocumentError);
  });

  it('store documents, acceptances and decisions with their unique keys', async () => {
    const { rep, manager, version } = await org('docs');
    const assignment = await database.ds.getRepository(PlanAssignmentEntity).save({
      planVersionId: version.id, personId: rep.id, quota: null, status: 'accepted',
      settings: { managerPreApproval: true, reminderEveryDays: 3, escalateAfterDays: 7, expireAfterDays: 14 },
      workflowId: 'plan-acceptance:y', publishedById: manager.id, publishedAt: new Date(),
    });
    const pdf = Buffer.from('%PDF-1.7 fake bytes \x00\xff', 'binary');
    const doc = await database.ds.getRepository(PlanDocumentEntity).save({ assignmentId: assignment.id, pdf, sha256: 'a'.repeat(64), pages: 2 });
    expect((await database.ds.getRepository(PlanDocumentEntity).findOneByOrFail({ id: doc.id })).pdf.equals(pdf)).toBe(true);

    await database.ds.getRepository(AcceptanceEntity).save({
      assignmentId: assignment.id, personId: rep.id, decision: 'accepted', reason: null, decidedAt: new Date(), ip: '10.0.0.1', userAgent: 'curl/8', documentHash: 'a'.repeat(64),
    });
    await expect(
      database.ds.getRepository(AcceptanceEntity).save({ assignmentId: assignment.id, personId: rep.id, decision: 'declined', decidedAt: new Date(), documentHash: 'b' }),
    ).rejects.toThrow(/acceptances_assignment_id_key/);

    const decision = { subject: `plan-assignment:${assignment.id}`, stage: 'manager-preapproval', approverId: manager.id, approverRole: 'manager', decision: 'approve' as const, idempotencyKey: `k-${assignment.id}`, workflowId: 'w', runId: 'r', decidedAt: new Date() };
    await database.ds.getRepository(ApprovalDecisionEntity).save({ ...decision });
    await expect(database.ds.getRepository(ApprovalDecisionEntity).save({ ...decision })).rejects.toThrow(/approval_decisions_idempotency_key_key/);
  });

  it('reject unknown roles and statuses at the database', async () => {
    await expect(database.ds.query(`INSERT INTO people (name, email, roles) VALUES ('X', 'x.bad@x.test', '{superuser}')`)).rejects.toThrow(/people_roles_check/);
    const { rep, manager, version } = await org('status');
    await expect(
      database.ds.query(
        `INSERT INTO plan_assignments (plan_version_id, person_id, status, settings, workflow_id, published_by_id, published_at) VALUES ($1, $2, 'maybe', '{}', 'w', $3, now())`,
        [version.id, rep.id, manager.id],
      ),
    ).rejects.toThrow(/plan_assignments_status_check/);
  });
});
