// The worker process: config from the environment, then the Temporal worker until SIGINT/SIGTERM.
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { assertNoFaultHold, ConfigError, loadConfig } from '@quotaflow/config';
import { createWorker, type RunningWorker } from './worker';
import { prebuiltWorkflowBundle } from './workflow-bundle';

async function main(): Promise<void> {
  const config = loadConfig(process.env, ['database', 'temporal', 'mail', 'audit']);
  // The fault tests' hold (fault-hooks.ts) exists for NODE_ENV=test only: anywhere else it is a mistake.
  assertNoFaultHold();
  const worker: { running?: RunningWorker } = {};
  let stopping: Promise<void> | undefined;
  const stop = (why: string): Promise<void> =>
    (stopping ??= (async () => {
      Logger.log(`${why}: shutting down`, 'Worker');
      try {
        await worker.running?.shutdown();
        process.exit(0);
      } catch (e) {
        Logger.error(`shutdown failed: ${String(e)}`, 'Worker');
        process.exit(1);
      }
    })());
  // Installed before the worker exists: a signal during start-up (bundling takes seconds) must
  // still end the process once the worker is up, not leave it half running.
  let signalled: string | undefined;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      signalled = signal;
      if (worker.running) void stop(signal);
    });
  }
  // The bundle `npm run build` wrote, else the workflow code is bundled now (a few seconds).
  const workflowBundle = prebuiltWorkflowBundle();
  worker.running = await createWorker({ config, closeSchedule: true, ...(workflowBundle ? { workflowBundle } : {}) });
  if (signalled) return stop(signalled);
  await worker.running.done;
  // The SDK also stops the worker on these signals itself: close the rest and exit.
  await stop('worker stopped');
}

main().catch((e: unknown) => {
  if (e instanceof ConfigError) process.stderr.write(`${e.message}\n`);
  else process.stderr.write(`worker failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
