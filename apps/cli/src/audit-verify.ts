/**
 * `node dist/apps/cli/src/audit-verify.js [--checkpoints <file>]` — walks the audit chain (HMAC with
 * AUDIT_HMAC_KEY) against the signed checkpoints (default: <AUDIT_CHECKPOINT_DIR>/checkpoints.jsonl);
 * exit 0 when intact, 1 when broken (naming the first missing or broken event), 2 on bad usage.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '@quotaflow/config';
import { AuditCheckpoints, AuditLog, createDataSource, readCheckpointFile } from '@quotaflow/persistence';
import { runCli, UsageError } from './demo/cli-run';

const USAGE = 'usage: audit:verify [--checkpoints <file>]';

async function main(): Promise<number> {
  let values: { checkpoints?: string };
  try {
    ({ values } = parseArgs({ options: { checkpoints: { type: 'string' } }, strict: true }));
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${USAGE}`);
  }
  const config = loadConfig(process.env, ['database', 'audit']);
  const ds = await createDataSource(config.database, { role: 'app', applicationName: 'quotaflow-audit-verify' }).initialize();
  try {
    const audit = new AuditLog(ds, { hmacKey: config.audit.hmacKey });
    const store = new AuditCheckpoints(ds, audit, { dir: config.audit.checkpointDir });
    const file = values.checkpoints ?? store.file;
    const { checkpoints, unreadable } = readCheckpointFile(file);
    const result = await audit.verify({ checkpoints });
    if (!result.ok) {
      const where = result.firstBrokenId ? ` at event ${result.firstBrokenId}` : '';
      process.stdout.write(`audit chain BROKEN${where}: ${result.reason} (${result.count} events intact before it)\n`);
      return 1;
    }
    if (unreadable.length > 0) {
      process.stdout.write(`audit chain BROKEN: ${file} has unreadable lines ${unreadable.join(', ')}\n`);
      return 1;
    }
    process.stdout.write(`audit chain OK: ${result.count} events, ${result.checkpointsChecked} signed checkpoints (${file})\n`);
    if (checkpoints.length === 0) process.stdout.write('note: no checkpoint yet, so deleting the newest events would not show; run `npm run audit:checkpoint`\n');
    return 0;
  } finally {
    await ds.destroy();
  }
}

runCli(main);
