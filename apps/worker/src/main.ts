// The worker process: config from the environment, then the Temporal worker until SIGINT/SIGTERM.
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { ConfigError, loadConfig } from '@quotaflow/config';
import { createWorker } from './worker';

async function main(): Promise<void> {
  const config = loadConfig(process.env, ['database', 'temporal', 'mail']);
  const running = await createWorker({ config });
  const stop = (signal: string) => {
    Logger.log(`${signal}: shutting down`, 'Worker');
    running.shutdown().then(
      () => process.exit(0),
      (e: unknown) => {
        Logger.error(`shutdown failed: ${String(e)}`, 'Worker');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  await running.done;
}

main().catch((e: unknown) => {
  if (e instanceof ConfigError) process.stderr.write(`${e.message}\n`);
  else process.stderr.write(`worker failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
