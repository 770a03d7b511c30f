/**
 * A plan acceptance nobody answers, on the time-skipping test server with the worker's real
 * activities, a fresh database and a real SMTP server: every reminder, the escalation and the
 * expiry email, from their own templates to their own recipients under their own purposes, in one
 * run of 14 skipped days.
 */
import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { loadConfig } from '@quotaflow/config';
import { AuditLog, createDataSource, EmailOutboxEntity, PersonEntity, PlanAssignmentEntity, PlanEntity, PlanVersionEntity } from '@quotaflow/persistence';
import { planAcceptanceWorkflowId } from '@quotaflow/workflows';
import type { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database';
import { TEST_SECRET_ENV } from '../../../test/support/secrets';
import { startSmtpSink, type SmtpSink } from '../../../test/support/smtp';
import { bundleWorkflows, createTimeSkippingEnv, testDataConverter, uniqueTaskQueue } from '../../../test/support/temporal';
import { createWorker, type RunningWorker } from './worker';

jest.setTimeout(180_000);

let database: TestDatabase;
let smtp: SmtpSink;
let env: TestWorkflowEnvironment;
let owner: DataSource;
let running: RunningWorker;
let client: Client;
let taskQueue: string;
let config: ReturnType<typeof loadConfig>;

beforeAll(async () => {
  [database, smtp, env] = await Promise.all([createTestDatabase(), startSmtpSink(), createTimeSkippingEnv()]);
  config = loadConfig(
    {
      DATABASE_URL: database.url, DATABASE_MIGRATION_URL: database.ownerUrl, TEMPORAL_ADDRESS: env.address, SMTP_URL: smtp.url,
      PUBLIC_BASE_URL: 'http://quotaflow.test', AUDIT_CHECKPOINT_INTERVAL_SECONDS: '0', ...TEST_SECRET_ENV,
    },
    ['database', 'temporal', 'mail', 'audit'],
  );
  owner = await createDataSource(config.database, { role: 'owner' }).initialize();
  taskQueue = uniqueTaskQueue('worker-deadlines');
  running = await createWorker({ config, taskQueue, workflowBundle: await bundleWorkflows(), logger: false });
  // The worker's own codec: payloads the worker reads must be encrypted with its keys.
  client = new Client({ connection: env.connection, dataConverter: testDataConverter() });
});

afterAll(async () => {
  await running?.shutdown();
  await owner?.destroy();
  await Promise.all([smtp?.stop(), env?.teardown()]);
  await database?.drop();
});

const addressOf = (mail: SmtpSink['messages'][number]): string => (mail.to && 'text' in mail.to ? mail.to.text : '');

it('reminds the rep every 3 days, escalates to the manager on day 7, expires on day 14 and tells ops: each email once', async () => {
  const people = owner.getRepository(PersonEntity);
  const person = (name: string, roles: PersonEntity['roles'], managerId: string | null = null) =>
    people.save(people.create({ name, email: `${name.split(' ')[0].toLowerCase()}@deadlines.test`, roles, active: true, managerId, teamId: null, attributes: {} }));
  const ops = await person('Olga Ops', ['ops']);
  const manager = await person('Mo Manager', ['manager']);
  const rep = await person('Remy Rep', ['rep'], manager.id);
  const plan = await owner.getRepository(PlanEntity).save({ key: 'ae-deadlines', name: 'Account Executive 2026', createdById: ops.id });
  const version = await owner.getRepository(PlanVersionEntity).save(
    owner.getRepository(PlanVersionEntity).create({
      planId: plan.id, version: 1, periodLabel: 'FY2026', effectiveFrom: '2026-01-01', createdById: ops.id,
      document: { id: 'ae-deadlines', components: [{ id: 'revenue', kind: 'commission', types: ['revenue'], table: { split: 'step', tiers: [{ from: 0, rate: 0.05 }] } }] },
    }),
  );
  const assignments = owner.getRepository(PlanAssignmentEntity);
  const assignment = await assignments.save(
    assignments.create({
      planVersionId: version.id, personId: rep.id, quota: '480000.00', status: 'pending_rep',
      settings: { managerPreApproval: false, reminderEveryDays: 3, escalateAfterDays: 7, expireAfterDays: 14 },
      workflowId: 'pending', publishedById: ops.id, publishedAt: new Date('2026-01-05T09:00:00Z'),
    }),
  );
  const workflowId = planAcceptanceWorkflowId(assignment.id);
  await assignments.update({ id: assignment.id }, { workflowId });

  const handle = await client.workflow.start('planAcceptanceWorkflow', { taskQueue, workflowId, args: [{ assignmentId: assignment.id }] });
  await smtp.waitFor((m) => m.subject?.startsWith('Your compensation plan') === true && addressOf(m).includes(rep.email), 60_000);
  // Nobody answers: 15 days pass on the server's clock (it skips whenever nothing runs).
  await env.sleep('15 days');
  await handle.result();

  expect((await assignments.findOneByOrFail({ id: assignment.id })).status).toBe('expired');
  const base = `plan-acceptance:${assignment.id}`;
  const outbox = await owner.getRepository(EmailOutboxEntity).find({ where: {}, order: { purpose: 'ASC' } });
  const mine = outbox.filter((o) => o.purpose.startsWith(base));
  expect(mine.map((o) => [o.purpose, o.toAddress, o.status])).toEqual([
    [`${base}:expired:ops:${ops.id}`, ops.email, 'sent'],
    [`${base}:invite`, rep.email, 'sent'],
    [`${base}:rep-acceptance:escalation:${manager.id}`, manager.email, 'sent'],
    [`${base}:rep-acceptance:reminder:1`, rep.email, 'sent'],
    [`${base}:rep-acceptance:reminder:2`, rep.email, 'sent'],
    [`${base}:rep-acceptance:reminder:3`, rep.email, 'sent'],
    [`${base}:rep-acceptance:reminder:4`, rep.email, 'sent'],
  ]);
  // Each outbox row reached the SMTP server exactly once, to its address, with its template's subject.
  for (const row of mine) {
    expect(smtp.messages.filter((m) => m.subject === row.subject && addressOf(m).includes(row.toAddress))).toHaveLength(1);
  }
  const subjects = Object.fromEntries(mine.map((o) => [o.purpose.slice(base.length + 1), o.subject]));
  expect(subjects).toEqual({
    [`expired:ops:${ops.id}`]: 'Plan acceptance expired: Account Executive 2026 for Remy Rep',
    invite: expect.stringMatching(/^Your compensation plan: /),
    [`rep-acceptance:escalation:${manager.id}`]: 'Remy Rep has not yet accepted Account Executive 2026',
    'rep-acceptance:reminder:1': expect.stringMatching(/: please accept or decline Account Executive 2026$/),
    'rep-acceptance:reminder:2': expect.stringMatching(/: please accept or decline Account Executive 2026$/),
    'rep-acceptance:reminder:3': expect.stringMatching(/: please accept or decline Account Executive 2026$/),
    'rep-acceptance:reminder:4': expect.stringMatching(/: please accept or decline Account Executive 2026$/),
  });

  const audit = new AuditLog(owner, { hmacKey: config.audit.hmacKey });
  const actions = (await audit.list({ subject: `plan-assignment:${assignment.id}` })).map((e) => e.action).sort();
  expect(actions).toEqual([
    'plan-assignment.deadline-passed', 'plan-assignment.document-rendered', 'plan-assignment.emailed', 'plan-assignment.escalated', 'plan-assignment.expired', 'plan-assignment.published',
    'plan-assignment.reminded', 'plan-assignment.reminded', 'plan-assignment.reminded', 'plan-assignment.reminded',
  ].sort());
});
