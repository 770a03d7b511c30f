/** `node dist/apps/cli/src/migrate.js up|down` — apply pending migrations, or revert the last one. */
import { loadConfig } from '@quotaflow/config';
import { provisionAppLogin, revertLastMigration, runMigrations } from '@quotaflow/persistence';
import { runCli, UsageError } from './demo/cli-run';

async function main(): Promise<void> {
  const command = process.argv[2];
  if (command !== 'up' && command !== 'down') throw new UsageError('usage: migrate up|down');
  const db = loadConfig(process.env, ['database']).database;
  // Migrations run as the schema owner (DATABASE_MIGRATION_URL), never as the app's login.
  const url = db.migrationUrl ?? db.url;
  if (command === 'up') {
    const ran = await runMigrations(url);
    process.stdout.write(ran.length === 0 ? 'migrations: database is up to date\n' : ran.map((name) => `migrated: ${name}\n`).join(''));
    if (db.migrationUrl && db.migrationUrl !== db.url) {
      const login = new URL(db.url).username;
      process.stdout.write(`app login "${login}": ${await provisionAppLogin(db.migrationUrl, db.url, db.appRole)}\n`);
    }
  } else {
    const reverted = await revertLastMigration(url);
    process.stdout.write(reverted === null ? 'migrations: nothing to revert\n' : `reverted: ${reverted}\n`);
  }
}

runCli(main);
