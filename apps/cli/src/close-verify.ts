/**
 * `node dist/apps/cli/src/close-verify.js <periodId>` (`npm run close:verify -- <periodId>`) — a
 * closed period recalculated from its stored snapshot (CloseVerification, the service behind
 * `GET /periods/:id/verification`): prints the same JSON to stdout and a verdict to stderr; exit 0
 * when the snapshot's hash and every rep's figures match to the cent, 1 when anything differs, 2
 * on bad usage, an unknown period or a period that is not closed.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '@quotaflow/config';
import { isDomainError } from '@quotaflow/domain';
import { CloseVerification, createDataSource } from '@quotaflow/persistence';
import { runCli, UsageError } from './demo/cli-run';

const USAGE = 'usage: close:verify <periodId>';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function main(): Promise<number> {
  let positionals: string[];
  try {
    ({ positionals } = parseArgs({ options: {}, allowPositionals: true, strict: true }));
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${USAGE}`);
  }
  const periodId = positionals[0];
  if (positionals.length !== 1 || !periodId || !UUID.test(periodId)) throw new UsageError(`a period id (uuid) is required\n${USAGE}`);
  const config = loadConfig(process.env, ['database']);
  const ds = await createDataSource(config.database, { role: 'app', applicationName: 'quotaflow-close-verify' }).initialize();
  try {
    let result;
    try {
      result = await new CloseVerification(ds).verify(periodId);
    } catch (e) {
      if (isDomainError(e) && (e.code === 'PERIOD.NOT_FOUND' || e.code === 'PERIOD.NOT_CLOSED')) throw new UsageError(`${e.code}: ${e.message}`);
      throw e;
    }
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    const ok = result.hashMatches && result.differences.length === 0 && !result.recomputeError;
    const hash = result.hashMatches ? 'snapshot hash matches' : `snapshot hash DIFFERS (stored ${result.snapshotHash ?? 'none'}, content ${result.contentHash ?? 'none'})`;
    process.stderr.write(`close ${result.periodKey} v${result.version}: ${ok ? 'OK' : 'DIFFERS'} — ${result.matching}/${result.reps} reps match to the cent, ${hash}\n`);
    for (const d of result.differences.slice(0, 50)) process.stderr.write(`  ${d.personId} ${d.field}: stored ${d.stored ?? '—'}, recomputed ${d.recomputed ?? '—'}\n`);
    if (result.differences.length > 50) process.stderr.write(`  … and ${result.differences.length - 50} more\n`);
    if (result.recomputeError) process.stderr.write(`  not recalculated: ${result.recomputeError.code} ${result.recomputeError.message}\n`);
    return ok ? 0 : 1;
  } finally {
    await ds.destroy();
  }
}

runCli(main);
