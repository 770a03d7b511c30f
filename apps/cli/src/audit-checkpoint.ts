/**
 * `node dist/apps/cli/src/audit-checkpoint.js [--list]` — verifies the audit events added since the
 * latest checkpoint, signs (last id, head hash, count) and appends it to
 * <AUDIT_CHECKPOINT_DIR>/checkpoints.jsonl; prints it as JSON. `--list` prints every checkpoint.
 * Exit 1 when the chain is broken (nothing is signed then).
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '@quotaflow/config';
import { AuditCheckpoints, AuditLog, createDataSource } from '@quotaflow/persistence';
import { runCli, UsageError } from './demo/cli-run';

const USAGE = 'usage: audit:checkpoint [--list]';

async function main(): Promise<number> {
  let values: { list?: boolean };
  try {
    ({ values } = parseArgs({ options: { list: { type: 'boolean' } }, strict: true }));
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${USAGE}`);
  }
  const config = loadConfig(process.env, ['database', 'audit']);
  const ds = await createDataSource(config.database, { role: 'app', applicationName: 'quotaflow-audit-checkpoint' }).initialize();
  try {
    const audit = new AuditLog(ds, { hmacKey: config.audit.hmacKey });
    const store = new AuditCheckpoints(ds, audit, { dir: config.audit.checkpointDir });
    if (values.list) {
      for (const checkpoint of store.list().checkpoints) process.stdout.write(`${JSON.stringify(checkpoint)}\n`);
      return 0;
    }
    const result = await store.write({ force: true });
    if (result.written) {
      process.stdout.write(`${JSON.stringify(result.written)}\n`);
      process.stderr.write(`checkpoint appended to ${store.file}\n`);
      return 0;
    }
    process.stderr.write(`no checkpoint written: ${result.skipped}${result.broken ? ` (event ${result.broken.firstBrokenId}: ${result.broken.reason})` : ''}\n`);
    return 1;
  } finally {
    await ds.destroy();
  }
}

runCli(main);
