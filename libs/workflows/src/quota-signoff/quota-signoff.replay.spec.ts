/**
 * Replays recorded histories of completed quota sign-offs against today's workflow code: a change
 * that is not replay-safe (missing `patched()`) fails here instead of in production.
 * Re-record with `RECORD_HISTORIES=1 npx jest libs/workflows/src/quota-signoff/quota-signoff.workflow.spec.ts`.
 */
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { bundleWorkflows } from '../../../../test/support/temporal';

const DIR = path.join(__dirname, '__histories__');
const files = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();

describe('quotaSignoffWorkflow replay', () => {
  it('has recorded histories to replay', () => {
    expect(files.length).toBeGreaterThanOrEqual(4);
  });

  it.each(files)('replays %s without non-determinism', async (file) => {
    const history = temporal.api.history.v1.History.fromObject(JSON.parse(readFileSync(path.join(DIR, file), 'utf8')));
    expect(history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name).toBe('quotaSignoffWorkflow');
    const workflowBundle = await bundleWorkflows(require.resolve('../workflows'));
    await expect(Worker.runReplayHistory({ workflowBundle }, history, `replay-${file}`)).resolves.toBeUndefined();
  });
});
