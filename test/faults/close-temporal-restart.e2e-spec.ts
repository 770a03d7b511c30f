/**
 * Fault test, Temporal mid-close: a dev server of the test's own with its state file is stopped and
 * started again on the same file and port twice — while the close waits for the team managers, and
 * while the worker (a real child process) is inside the statement batch, held after the SMTP server
 * accepted the first statement. The close resumes from the stored state: every approval recorded
 * once, every statement delivered once, the period closed.
 */
import { ApprovalDecisionEntity, EmailOutboxEntity, PeriodEntity } from '@quotaflow/persistence';
import { Client, Connection } from '@temporalio/client';
import { eventually, type Harness, startHarness } from '../e2e/harness';
import { testDataConverter } from '../support/temporal';
import { approve, seedCloseMonth } from './close-inputs';
import { ownTemporal, type OwnTemporal } from './own-servers';
import { FaultHolds, killAll, spawnChild, WORKER_MAIN } from './processes';

jest.setTimeout(240_000);

describe('the Temporal server restarted mid-close', () => {
  let temporal: OwnTemporal;
  let h: Harness;
  const holds = new FaultHolds();

  beforeAll(async () => {
    temporal = await ownTemporal('close-temporal-restart');
    h = await startHarness('faults-close-temporal', { temporalAddress: temporal.address, inProcessWorker: false });
  });
  afterAll(async () => {
    await killAll();
    await h?.close();
    await temporal?.remove();
    holds.remove();
  });

  it('completes the close from the state file: approvals once, statements once, closed', async () => {
    const worker = spawnChild(WORKER_MAIN, { ...h.env, CLOSE_SCHEDULE_ENABLED: 'false', ...holds.env('smtp-accepted', ':statement:') });
    const month = await seedCloseMonth(h, 'close-temporal');
    expect((await h.http('POST', `/api/v1/periods/${month.periodId}/close`, { as: h.org.finance })).status).toBe(202);
    await approve(h, h.org.manager, month.subject, 'team:');

    // 1. Restarted while the close waits for the other manager.
    await temporal.stop();
    await temporal.start();
    await approve(h, h.org.otherManager, month.subject, 'team:');
    await approve(h, month.secondFinance, month.subject, 'finance');
    await approve(h, h.org.ops, month.subject, '');

    // 2. Restarted while the statement batch holds, its first statement accepted by SMTP.
    expect(await holds.held('smtp-accepted', worker)).toMatch(new RegExp(`^${month.subject}:statement:`));
    await temporal.stop();
    holds.release('smtp-accepted');
    await temporal.start();

    await eventually(async () => (await h.db.getRepository(PeriodEntity).findOneByOrFail({ id: month.periodId })).status === 'closed', 'the period closed', 150_000);
    const connection = await Connection.connect({ address: temporal.address });
    try {
      const client = new Client({ connection, dataConverter: testDataConverter() });
      expect(await client.workflow.getHandle(month.subject).result()).toMatchObject({ state: 'closed', version: 1, statementsSent: 3 });
    } finally {
      await connection.close();
    }
    // Two managers, finance, ops: one decision each.
    expect(await h.db.getRepository(ApprovalDecisionEntity).countBy({ subject: month.subject })).toBe(4);
    const rows = (await h.db.getRepository(EmailOutboxEntity).find()).filter((o) => o.purpose.startsWith(`${month.subject}:statement:`));
    expect(rows.map((r) => r.toAddress).sort()).toEqual(month.reps.map((r) => r.email).sort());
    const statements = h.smtp.messages.filter((m) => m.subject?.startsWith('Your commission statement'));
    for (const row of rows) expect(statements.filter((m) => m.messageId === row.messageId)).toHaveLength(1);
    expect(statements).toHaveLength(3);
    await worker.stop();
  });
});
