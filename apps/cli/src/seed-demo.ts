/**
 * `node dist/apps/cli/src/seed-demo.js` — the demo organisation (idempotent), then one fresh
 * token per demo person, valid as long as the API allows (JWT_MAX_TTL_SECONDS, 7 days by
 * default), printed and written to <DATA_DIR>/demo-tokens.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfig, mintToken } from '@quotaflow/config';
import { createDataSource } from '@quotaflow/persistence';
import { runCli } from './demo/cli-run';
import { pauseCloseSchedule } from './demo/pause-close-schedule';
import { seedDemo } from './demo/seed-demo.service';

async function main(): Promise<number> {
  const config = loadConfig(process.env, ['database', 'auth']);
  if (config.env === 'production') {
    process.stderr.write('seed-demo: refusing to create demo people and tokens with NODE_ENV=production\n');
    return 1;
  }
  const ds = await createDataSource(config.database, { role: 'app', applicationName: 'quotaflow-seed-demo' }).initialize();
  let result;
  try {
    result = await seedDemo(ds);
  } finally {
    await ds.destroy();
  }

  const now = new Date();
  const DEMO_TOKEN_TTL_SECONDS = config.auth.maxTtlSeconds ?? config.auth.ttlSeconds;
  const rows = result.people.map((p) => ({ ...p, token: mintToken(config.auth, p, { ttlSeconds: DEMO_TOKEN_TTL_SECONDS, now }) }));
  const table = [
    ['name', 'roles', 'team', 'id', 'token'],
    ...rows.map((r) => [r.name, r.roles.join(','), r.team ?? '-', r.id, r.token]),
  ];
  const widths = table[0]!.map((_, col) => Math.max(...table.map((row) => (col === 4 ? 0 : row[col]!.length))));
  const line = (row: string[]): string => row.map((cell, col) => (col === 4 ? cell : cell.padEnd(widths[col]!))).join('  ');
  const c = result.counts;
  process.stdout.write(`demo organisation: ${c.teams} teams, ${c.people} people, ${c.plans} plans, ${c.planVersions} plan versions\n\n`);
  process.stdout.write(`${table.map(line).join('\n')}\n\n`);
  const k = result.close;
  process.stdout.write(`period ${k.periodKey} (${k.periodId}) is ${k.status}: ${k.acceptedReps} reps with an accepted plan, ${k.quotaReps} with a locked quota\n`);
  process.stdout.write(`${await pauseCloseSchedule(config.temporal.address, config.temporal.namespace)}\n`);

  const dataDir = resolve(process.env.DATA_DIR ?? '.data');
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, 'demo-tokens.json');
  const expiresAt = new Date(now.getTime() + DEMO_TOKEN_TTL_SECONDS * 1000).toISOString();
  writeFileSync(file, `${JSON.stringify({ issuedAt: now.toISOString(), expiresAt, close: result.close, people: rows }, null, 2)}\n`, { mode: 0o600 });
  process.stdout.write(`tokens valid until ${expiresAt}, written to ${file}\n`);
  process.stdout.write(`try: curl -H "Authorization: Bearer $(node -p "require('${file}').people[0].token")" ${config.http.publicBaseUrl}/health\n`);
  return 0;
}

runCli(main);
