import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { join, resolve } from 'node:path';
import { startEmbeddedPostgres } from './embedded-postgres';
import { assertPortFree } from './free-port';
import { provisionAppLogin, runMigrations } from '@quotaflow/persistence';
import { devAppLoginUrl } from './dev-secrets';
import { findRepoRoot } from './repo-root';

/*
 * `node with-dev-database.js [--no-migrate] -- <command...>`: starts the dev
 * stack's embedded Postgres (same data dir as `npm start`) just for one CLI
 * command, then stops it. Used by bootstrap when `npm start` is not running.
 */
async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const sep = argv.indexOf('--');
  const flags = sep >= 0 ? argv.slice(0, sep) : [];
  const command = sep >= 0 ? argv.slice(sep + 1) : argv;
  if (command.length === 0) throw new Error('usage: with-dev-database [--no-migrate] -- <command...>');

  const dataDir = resolve(findRepoRoot(), process.env.DATA_DIR ?? '.data');
  const port = Number(process.env.DEV_PG_PORT ?? 5433);
  await assertPortFree(port, 'embedded PostgreSQL');
  const pg = await startEmbeddedPostgres({ dataDir: join(dataDir, 'pg'), port, logFile: join(dataDir, 'logs', 'postgres.log'), detached: true });
  try {
    const ownerUrl = await pg.ensureDatabase('quotaflow');
    const appUrl = devAppLoginUrl(ownerUrl, dataDir);
    if (!flags.includes('--no-migrate')) {
      await runMigrations(ownerUrl);
      await provisionAppLogin(ownerUrl, appUrl);
    }
    // The command works as the application does (its own login); migrations as the owner.
    const child = spawn(command[0]!, command.slice(1), { stdio: 'inherit', env: { ...process.env, DATABASE_URL: appUrl, DATABASE_MIGRATION_URL: ownerUrl } });
    const forward = (signal: NodeJS.Signals): void => void child.kill(signal);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((ok) => {
      child.once('error', () => ok({ code: 127, signal: null }));
      child.once('exit', (c, s) => ok({ code: c, signal: s }));
    });
    return code ?? 128 + (signal ? constants.signals[signal] : 1);
  } finally {
    await pg.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  },
);
