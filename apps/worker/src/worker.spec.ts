/**
 * The worker with its real activities on the real Temporal dev server (from the jest global
 * setup), a fresh database cloned from the migrated template and a real SMTP server.
 */
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { loadConfig } from '@quotaflow/config';
import {
  AcceptanceEntity,
  ApprovalDecisionEntity,
  AuditLog,
  createDataSource,
  EmailOutboxEntity,
  PersonEntity,
  PlanAssignmentEntity,
  PlanDocumentEntity,
  PlanEntity,
  PlanVersionEntity,
} from '@quotaflow/persistence';
import { decideUpdate, planAcceptanceStatusQuery, planAcceptanceWorkflowId } from '@quotaflow/workflows';
import { createHash } from 'node:crypto';
import { pdfText } from '../../../test/support/pdf';
import { createTransport } from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { DataSource } from 'typeorm';
import { freePort } from '@quotaflow/devstack';
import { OutboxDelivery } from './activities/outbox-delivery';
import { PlanAcceptanceActivitiesService } from './plan-acceptance/plan-acceptance.activities';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database';
import { TEST_SECRET_ENV } from '../../../test/support/secrets';
import { startSmtpSink, type SmtpSink } from '../../../test/support/smtp';
import { bundleWorkflows, connectDevServer, uniqueTaskQueue, type DevServerConnection } from '../../../test/support/temporal';
import { createWorker, type RunningWorker } from './worker';

let database: TestDatabase;
let smtp: SmtpSink;
let temporal: DevServerConnection;
let owner: DataSource;
let running: RunningWorker;
let taskQueue: string;
let config: ReturnType<typeof loadConfig>;

beforeAll(async () => {
  [database, smtp, temporal] = await Promise.all([createTestDatabase(), startSmtpSink(), connectDevServer()]);
  config = loadConfig(
    {
      DATABASE_URL: database.url, DATABASE_MIGRATION_URL: database.ownerUrl, TEMPORAL_ADDRESS: temporal.address, SMTP_URL: smtp.url,
      PUBLIC_BASE_URL: 'http://quotaflow.test', AUDIT_CHECKPOINT_INTERVAL_SECONDS: '0', ...TEST_SECRET_ENV,
    },
    ['database', 'temporal', 'mail', 'audit'],
  );
  owner = await createDataSource(config.database, { role: 'owner' }).initialize();
  taskQueue = uniqueTaskQueue('worker-spec');
  running = await createWorker({ config, taskQueue, workflowBundle: await bundleWorkflows(), logger: false });
});

afterAll(async () => {
  await running?.shutdown();
  await owner?.destroy();
  await Promise.all([smtp?.stop(), temporal?.close()]);
  await database?.drop();
});

async function seed() {
  const people = owner.getRepository(PersonEntity);
  const tag = Math.random().toString(36).slice(2, 8);
  const person = (name: string, roles: PersonEntity['roles'], managerId: string | null = null) =>
    people.save(people.create({ name, email: `${name.split(' ')[0].toLowerCase()}.${tag}@worker.test`, roles, active: true, managerId, teamId: null, attributes: {} }));
  const ops = await person('Olga Ops', ['ops']);
  const manager = await person('Mo Manager', ['manager']);
  const rep = await person('Remy Rep', ['rep'], manager.id);
  const plan = await owner.getRepository(PlanEntity).save({ key: `ae-${tag}`, name: 'Account Executive 2026', createdById: ops.id });
  const version = await owner.getRepository(PlanVersionEntity).save(
    owner.getRepository(PlanVersionEntity).create({
      planId: plan.id,
      version: 1,
      periodLabel: 'FY2026',
      effectiveFrom: '2026-01-01',
      createdById: ops.id,
      document: {
        id: `ae-${tag}`,
        components: [
          {
            id: 'revenue',
            kind: 'commission',
            types: ['revenue'],
            basis: 'attainment',
            table: { split: 'step', tiers: [{ from: 0, rate: 0.04 }, { from: 0.5, rate: 0.06 }, { from: 1, rate: 0.09 }] },
          },
        ],
      },
    }),
  );
  const assignments = owner.getRepository(PlanAssignmentEntity);
  const assignment = await assignments.save(
    assignments.create({
      planVersionId: version.id,
      personId: rep.id,
      quota: '480000.00',
      status: 'pending_rep',
      settings: { managerPreApproval: false, reminderEveryDays: 3, escalateAfterDays: 7, expireAfterDays: 14 },
      workflowId: 'pending',
      publishedById: ops.id,
      publishedAt: new Date('2026-01-05T09:00:00Z'),
    }),
  );
  const workflowId = planAcceptanceWorkflowId(assignment.id);
  await assignments.update({ id: assignment.id }, { workflowId });
  const input = { assignmentId: assignment.id };
  return { ops, manager, rep, assignment, input, workflowId };
}

it('invites with the PDF once, refuses an outsider without touching history, records the acceptance', async () => {
  const s = await seed();
  const handle = await temporal.client.workflow.start('planAcceptanceWorkflow', { taskQueue, workflowId: s.workflowId, args: [s.input] });

  const invite = await smtp.waitFor((m) => m.subject?.startsWith('Your compensation plan') === true && m.text?.includes(s.assignment.id) === true);
  expect(invite.to && 'text' in invite.to ? invite.to.text : '').toContain(s.rep.email);
  const pdf = invite.attachments.find((a) => a.contentType === 'application/pdf')!;
  const text = await pdfText(pdf.content);
  expect(text).toContain('Account Executive 2026 (version 1)');
  expect(text).toContain('Remy Rep');
  expect(text).toContain('Commission on revenue, graduated by attainment: 0%–50% of quota at 4%, 50%–100% of quota at 6%, above 100% of quota at 9%.');
  expect(text).toContain('Terms of acceptance');
  const stored = await owner.getRepository(PlanDocumentEntity).findOneByOrFail({ assignmentId: s.assignment.id });
  expect(createHash('sha256').update(pdf.content).digest('hex')).toBe(stored.sha256);

  // idle on the rep's deadline, then an outsider: refused, and the dev server writes nothing
  for (let i = 0; i < 100 && !(await handle.query(planAcceptanceStatusQuery)).nextDeadline; i++) await new Promise((r) => setTimeout(r, 50));
  // idle: no activity pending any more (the invite's activity completes after the email is out)
  for (let i = 0; i < 200 && (await handle.describe()).raw.pendingActivities?.length; i++) await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, 200));
  const before = (await handle.fetchHistory()).events!.length;
  const refused = await handle
    .executeUpdate(decideUpdate, { args: [{ actorId: s.manager.id, actorRoles: ['manager'], decision: 'accept', idempotencyKey: `outsider-${s.assignment.id}` }] })
    .then(() => undefined, (e: unknown) => e);
  expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
  expect(((refused as WorkflowUpdateFailedError).cause as ApplicationFailure).type).toBe('AUTH.FORBIDDEN');
  expect((await handle.fetchHistory()).events!.length).toBe(before);

  const receipt = await handle.executeUpdate(decideUpdate, {
    args: [{ actorId: s.rep.id, actorRoles: ['rep'], decision: 'accept', ip: '198.51.100.4', userAgent: 'spec', idempotencyKey: `idem-${s.assignment.id}` }],
    updateId: `idem-${s.assignment.id}`,
  });
  expect(receipt).toMatchObject({ decision: 'accept', approvalStatus: 'approved' });
  await handle.result();

  const assignment = await owner.getRepository(PlanAssignmentEntity).findOneByOrFail({ id: s.assignment.id });
  expect(assignment.status).toBe('accepted');
  expect(assignment.nextDeadline).toBeNull();
  const acceptance = await owner.getRepository(AcceptanceEntity).findOneByOrFail({ assignmentId: s.assignment.id });
  const version = await owner.getRepository(PlanVersionEntity).findOneByOrFail({ id: assignment.planVersionId });
  // Effective from the later of the acceptance and the version's own start date.
  const start = Date.parse(`${version.effectiveFrom}T00:00:00.000Z`);
  expect(assignment.effectiveAt!.toISOString()).toBe(new Date(Math.max(acceptance.decidedAt.getTime(), start)).toISOString());
  expect(acceptance).toMatchObject({ decision: 'accepted', personId: s.rep.id, ip: '198.51.100.4', userAgent: 'spec', documentHash: stored.sha256, rulesFingerprint: version.documentHash });
  expect(receipt.documentHash).toBe(stored.sha256);
  const decision = await owner.getRepository(ApprovalDecisionEntity).findOneByOrFail({ idempotencyKey: `idem-${s.assignment.id}` });
  expect(decision).toMatchObject({ subject: `plan-assignment:${s.assignment.id}`, approverId: s.rep.id, decision: 'accept', workflowId: s.workflowId });

  const audit = new AuditLog(owner, { hmacKey: config.audit.hmacKey });
  const events = await audit.list({ subject: `plan-assignment:${s.assignment.id}` });
  expect(events.map((e) => e.action).sort()).toEqual(['plan-assignment.accepted', 'plan-assignment.document-rendered', 'plan-assignment.emailed', 'plan-assignment.published']);
  expect(events.every((e) => e.workflowId === s.workflowId && e.runId === handle.firstExecutionRunId)).toBe(true);
  expect((await audit.verify()).ok).toBe(true);

  const outbox = await owner.getRepository(EmailOutboxEntity).findBy({ purpose: `plan-acceptance:${s.assignment.id}:invite` });
  expect(outbox.map((o) => [o.status, o.attempts])).toEqual([['sent', 1]]);
  expect(smtp.messages.filter((m) => m.subject === invite.subject && m.text?.includes(s.assignment.id))).toHaveLength(1);
});

it('renders the same document bytes twice (the hash the rep signs is stable)', async () => {
  const s = await seed();
  const plan = running.app.get(PlanAcceptanceActivitiesService);
  const at = '2026-01-05T09:00:00.000Z';
  const first = await plan.preparePlanAcceptance({ assignmentId: s.assignment.id, workflowId: 'spec', runId: 'spec', at });
  await owner.getRepository(PlanDocumentEntity).delete({ assignmentId: s.assignment.id });
  const second = await plan.preparePlanAcceptance({ assignmentId: s.assignment.id, workflowId: 'spec', runId: 'spec', at });
  expect([second.documentHash, second.pages]).toEqual([first.documentHash, first.pages]);
  // and a third call returns the stored row without rendering again
  expect((await plan.preparePlanAcceptance({ assignmentId: s.assignment.id, workflowId: 'spec', runId: 'spec', at })).documentHash).toBe(first.documentHash);
  expect(first.route.steps.map((step) => step.kind === 'inline' && step.stages.map((st) => st.id))).toEqual([['rep-acceptance']]);
});

/** Outbox delivery with a transport of the test's choosing, on the worker's (app-role) database. */
function delivery(cfg: typeof config, transport: ReturnType<typeof createTransport>): OutboxDelivery {
  return new OutboxDelivery(running.app.get(DataSource), cfg, transport);
}

describe('outbox delivery', () => {
  const enqueue = (d: OutboxDelivery, purpose: string, to = 'remy@worker.test') =>
    d.outbox.enqueue({ purpose, toAddress: to, subject: `spec ${purpose}`, text: 'hello' });

  it('fails retryably while SMTP is down, then sends the same purpose exactly once', async () => {
    const purpose = `spec:${Math.random()}:smtp-down`;
    const down = delivery(config, createTransport(`smtp://127.0.0.1:${await freePort()}`));
    const row = await enqueue(down, purpose);
    const failure = await down.deliver(row).then(() => undefined, (e: unknown) => e);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: 'EMAIL.SMTP_UNAVAILABLE', nonRetryable: false });
    const failed = await owner.getRepository(EmailOutboxEntity).findOneByOrFail({ purpose });
    expect([failed.status, failed.attempts]).toEqual(['failed', 1]);

    const up = delivery(config, createTransport(smtp.url));
    expect(await up.deliver(failed)).toBe('sent');
    const sent = await owner.getRepository(EmailOutboxEntity).findOneByOrFail({ purpose });
    expect(await up.deliver(sent)).toBe('sent');
    const mail = await smtp.waitFor((m) => m.messageId === row.messageId);
    expect(smtp.messages.filter((m) => m.messageId === mail.messageId)).toHaveLength(1);
  });

  it('treats a 550 refusal as permanent (non-retryable)', async () => {
    const port = await freePort();
    const refusing = new SMTPServer({
      authOptional: true,
      disabledCommands: ['AUTH', 'STARTTLS'],
      logger: false,
      onRcptTo(_address, _session, callback) {
        callback(Object.assign(new Error('no such mailbox'), { responseCode: 550 }));
      },
    });
    await new Promise<void>((resolve) => refusing.listen(port, '127.0.0.1', resolve));
    try {
      const d = delivery(config, createTransport(`smtp://127.0.0.1:${port}`));
      const failure = await d.deliver(await enqueue(d, `spec:${Math.random()}:550`)).then(() => undefined, (e: unknown) => e);
      expect(failure).toMatchObject({ type: 'EMAIL.REJECTED', nonRetryable: true });
    } finally {
      await new Promise<void>((resolve) => refusing.close(() => resolve()));
    }
  });

  it('leaves the row pending when mail is disabled', async () => {
    const off = delivery({ ...config, mail: { ...config.mail, enabled: false } }, createTransport(smtp.url));
    const purpose = `spec:${Math.random()}:disabled`;
    expect(await off.deliver(await enqueue(off, purpose))).toBe('pending');
    expect((await owner.getRepository(EmailOutboxEntity).findOneByOrFail({ purpose })).status).toBe('pending');
  });
});
