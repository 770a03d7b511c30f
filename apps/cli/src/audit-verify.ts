/** `node dist/apps/cli/src/audit-verify.js` — walks the audit hash chain; exit 1 when broken. */
import { loadConfig } from '@quotaflow/config';
import { AuditLog, createDataSource } from '@quotaflow/persistence';
import { runCli } from './demo/cli-run';

async function main(): Promise<number> {
  const config = loadConfig(process.env, ['database']);
  const ds = await createDataSource(config.database, { role: 'app', applicationName: 'quotaflow-audit-verify' }).initialize();
  try {
    const result = await new AuditLog(ds).verify();
    if (result.ok) {
      process.stdout.write(`audit chain OK: ${result.count} events\n`);
      return 0;
    }
    process.stdout.write(`audit chain BROKEN at event ${result.firstBrokenId}: ${result.reason} (${result.count} events intact before it)\n`);
    return 1;
  } finally {
    await ds.destroy();
  }
}

runCli(main);
