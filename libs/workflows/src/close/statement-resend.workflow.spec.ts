/**
 * A statement resend on the time-skipping server: SMTP away twice (retryable), then the message is
 * sent — the retries wait with backoff, skipped here; a refused address (non-retryable) fails it.
 * Record with `RECORD_HISTORIES=1 npx jest libs/workflows/src/close/statement-resend.workflow.spec.ts`.
 */
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowFailedError } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import * as path from 'node:path';
import { recordHistory } from '../../../../test/support/histories';
import { timeSkippingSuite, uniqueTaskQueue } from '../../../../test/support/temporal';
import { statementResendPurpose, statementResendWorkflowId, type StatementResendActivities, type StatementResendInput } from './resend';

const HISTORIES = path.join(__dirname, '__histories__', 'statement-resend');
const suite = timeSkippingSuite(require.resolve('../__fixtures__/test-workflows'));

async function run(name: string, failures: ('retryable' | 'refused')[]) {
  const attempts: { at: number; sequence: number }[] = [];
  const activities: StatementResendActivities = {
    resendStatement: async (input) => {
      attempts.push({ at: Date.parse(input.at), sequence: input.sequence });
      const failure = failures[attempts.length - 1];
      if (failure === 'retryable') throw ApplicationFailure.retryable('SMTP unavailable: connection refused', 'EMAIL.SMTP_UNAVAILABLE');
      if (failure === 'refused') throw ApplicationFailure.nonRetryable('550 no such user', 'EMAIL.REJECTED');
      const purpose = statementResendPurpose(input.periodId, input.personId, input.sequence);
      return { purpose, messageId: `<${purpose}@test>` };
    },
  };
  const taskQueue = uniqueTaskQueue(`resend-${name}`);
  const worker = await Worker.create({ connection: suite.env.nativeConnection, taskQueue, workflowBundle: suite.bundle, activities });
  return worker.runUntil(async () => {
    const input: StatementResendInput = { periodId: 'period-1', personId: `rep-${name}`, sequence: 2, requestedById: 'fin-1' };
    const handle = await suite.env.client.workflow.start('statementResendWorkflow', { taskQueue, workflowId: statementResendWorkflowId(input.periodId, input.personId, input.sequence), args: [input] });
    let outcome: unknown;
    try {
      outcome = await handle.result();
    } catch (e) {
      outcome = e;
    }
    await recordHistory(HISTORIES, name, handle);
    return { outcome, attempts };
  });
}

describe('statementResendWorkflow', () => {
  it('retries the send while SMTP is away, then sends once under its own purpose', async () => {
    const started = Date.now();
    const { outcome, attempts } = await run('sent-after-smtp-retries', ['retryable', 'retryable']);
    expect(outcome).toEqual({ purpose: 'close:period-1:statement:rep-sent-after-smtp-retries:resend:2', messageId: '<close:period-1:statement:rep-sent-after-smtp-retries:resend:2@test>' });
    expect(attempts.map((a) => a.sequence)).toEqual([2, 2, 2]);
    expect(Date.now() - started).toBeLessThan(20_000); // the backoff (1 s, 2 s) is skipped, not slept
  });

  it('a refused address fails the resend for good, without retrying', async () => {
    const { outcome, attempts } = await run('refused-address', ['refused']);
    expect(outcome).toBeInstanceOf(WorkflowFailedError);
    expect(((outcome as WorkflowFailedError).cause?.cause as ApplicationFailure).type).toBe('EMAIL.REJECTED');
    expect(attempts).toHaveLength(1);
  });
});
