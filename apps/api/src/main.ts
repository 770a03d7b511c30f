import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { assertNoFaultHold, ConfigError, loadConfig } from '@quotaflow/config';
import { createApiApp } from './app.factory';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env, ['http', 'database', 'temporal', 'mail', 'auth', 'audit']);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(78);
    }
    throw e;
  }
  // The fault tests' hold (libs/config/src/fault-hooks.ts) exists for NODE_ENV=test only.
  assertNoFaultHold();
  const app = await createApiApp(config);
  await app.listen(config.http.port, '0.0.0.0');
  new Logger('api').log(`listening on ${config.http.publicBaseUrl} (OpenAPI at /docs)`);
}

main().catch((e: unknown) => {
  process.stderr.write(`api failed to start: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
