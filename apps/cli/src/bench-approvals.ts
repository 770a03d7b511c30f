/**
 * `npm run bench:approvals` — decision latency through the API against the same decision as a
 * bare Temporal `executeUpdate`, in one run on one machine (not a test; prints figures).
 *
 * Starts its own embedded PostgreSQL, Temporal dev server and SMTP catcher (or uses
 * BENCH_DATABASE_URL / TEMPORAL_ADDRESS), the worker and the API as their own processes (from
 * `dist/`, as in production; this process only generates load), publishes a plan to
 * 2 × ROUNDS × CONCURRENCY reps, then in each round lets CONCURRENCY reps accept at once through
 * `POST /plan-assignments/:id/accept`, and CONCURRENCY other workflows receive the same `decide`
 * Update straight from a Temporal client. Rounds alternate so both paths see the same machine.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, mintToken } from '@quotaflow/config';
import { freePort, startEmbeddedPostgres, startMailCatcher, startTemporalDevServer, findRepoRoot } from '@quotaflow/devstack';
import { quotaflowDataConverter } from '@quotaflow/temporal-codec';
import { createDataSource, PersonEntity, PlanAssignmentEntity, provisionAppLogin, runMigrations, TeamEntity } from '@quotaflow/persistence';
import { Client, Connection } from '@temporalio/client';
import { IsNull, Not } from 'typeorm';
import { spawnManaged } from '@quotaflow/devstack';

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

function summary(samples: number[], wallMs: number) {
  const s = [...samples].sort((a, b) => a - b);
  return { n: s.length, perSecond: (s.length / wallMs) * 1000, p50: percentile(s, 50), p95: percentile(s, 95), p99: percentile(s, 99), max: s[s.length - 1] ?? NaN };
}

async function main(): Promise<void> {
  const cleanups: Array<() => Promise<void>> = [];
  const scratch = mkdtempSync(join(findRepoRoot(), '.data', 'bench-approvals-'));
  chmodSync(scratch, 0o755); // embedded PostgreSQL runs as the postgres user when we are root
  cleanups.push(async () => rmSync(scratch, { recursive: true, force: true }));
  try {
    let databaseUrl = process.env.BENCH_DATABASE_URL;
    if (!databaseUrl) {
      const pg = await startEmbeddedPostgres({ dataDir: join(scratch, 'pg'), port: await freePort(), ephemeral: true });
      cleanups.unshift(() => pg.stop());
      databaseUrl = await pg.ensureDatabase('quotaflow_bench');
    }
    await runMigrations(databaseUrl);
    // The API and the worker log in as the application's own user, as in production.
    const appLogin = new URL(databaseUrl);
    appLogin.username = 'quotaflow_app_user';
    appLogin.password = randomBytes(18).toString('base64url');
    await provisionAppLogin(databaseUrl, appLogin.toString());
    // Fresh random secrets per run (production refuses the repository's example secrets).
    const secrets = {
      JWT_SECRET: randomBytes(48).toString('base64url'),
      AUDIT_HMAC_KEY: randomBytes(48).toString('base64url'),
      TEMPORAL_CODEC_KEYS: `bench:${randomBytes(32).toString('base64')}`,
    };
    let temporalAddress = process.env.TEMPORAL_ADDRESS;
    if (!temporalAddress) {
      const temporal = await startTemporalDevServer({ port: await freePort() });
      cleanups.unshift(() => temporal.stop());
      temporalAddress = temporal.address;
    }
    const mail = await startMailCatcher({ dir: join(scratch, 'mail'), port: await freePort() });
    cleanups.unshift(() => mail.stop());
    const config = loadConfig({
      NODE_ENV: 'test', DATABASE_URL: appLogin.toString(), DATABASE_MIGRATION_URL: databaseUrl, TEMPORAL_ADDRESS: temporalAddress, TEMPORAL_TASK_QUEUE: `bench-${process.pid}`,
      SMTP_URL: mail.url, LOG_LEVEL: 'warn', ...secrets,
    }, ['http', 'database', 'temporal', 'mail', 'auth']);

    // Organisation: ops, a manager, 2 × ROUNDS × CONCURRENCY reps.
    const ds = await createDataSource(config.database, { role: 'owner' }).initialize();
    cleanups.unshift(() => ds.destroy());
    const team = await ds.getRepository(TeamEntity).save({ name: `Bench ${process.pid}` });
    const people = ds.getRepository(PersonEntity);
    const ops = await people.save(people.create({ name: 'Bench Ops', email: `ops-${process.pid}@bench.test`, roles: ['ops'], active: true, attributes: {} }));
    const manager = await people.save(people.create({ name: 'Bench Manager', email: `mgr-${process.pid}@bench.test`, roles: ['manager'], teamId: team.id, active: true, attributes: {} }));
    const total = 2 * ROUNDS * CONCURRENCY;
    const reps = await people.save(Array.from({ length: total }, (_, i) => people.create({
      name: `Rep ${String(i).padStart(4, '0')}`, email: `rep${i}-${process.pid}@bench.test`, roles: ['rep'], teamId: team.id, managerId: manager.id, active: true, attributes: {},
    })));

    const port = await freePort();
    const env = {
      NODE_ENV: 'production', DATABASE_URL: appLogin.toString(), TEMPORAL_ADDRESS: temporalAddress, TEMPORAL_TASK_QUEUE: config.temporal.taskQueue,
      SMTP_URL: mail.url, PORT: String(port), LOG_LEVEL: 'warn', ...secrets,
      // the benchmark's load comes from one identity per rep and this machine: no rate limit in the way
      RATE_LIMIT_PER_MINUTE: '1000000', AUDIT_CHECKPOINT_DIR: join(scratch, 'audit'),
    };
    const root = findRepoRoot();
    for (const app of ['worker', 'api']) {
      const proc = spawnManaged(`bench-${app}`, process.execPath, [join(root, 'dist', 'apps', app, 'src', 'main.js')], { env: { ...process.env, ...env }, logFile: join(scratch, `${app}.log`) });
      cleanups.unshift(() => proc.stop());
    }
    const base = `http://127.0.0.1:${port}/api/v1`;
    for (let i = 0; ; i++) {
      const up = await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.ok, () => false);
      if (up) break;
      if (i > 240) throw new Error('the API did not come up');
      await new Promise((r) => setTimeout(r, 250));
    }
    const auth = (p: PersonEntity) => ({ authorization: `Bearer ${mintToken(config.auth, p)}`, 'content-type': 'application/json' });

    const setupStart = performance.now();
    const plan = await (await fetch(`${base}/plans`, { method: 'POST', headers: auth(ops), body: JSON.stringify({
      key: 'bench-plan', name: 'Bench Plan', periodLabel: 'FY2026', effectiveFrom: '2026-01-01',
      document: { id: 'bench', components: [{ id: 'c', kind: 'commission', table: { split: 'step', tiers: [{ from: 0, rate: '0.05' }] } }] },
    }) })).json() as { versions: Array<{ id: string }> };
    const published = await (await fetch(`${base}/plan-versions/${plan.versions[0]!.id}/publish`, { method: 'POST', headers: auth(ops), body: JSON.stringify({ teamId: team.id }) })).json() as { assignments: Array<{ assignmentId: string; personId: string }> };
    for (;;) {
      // Ready once the workflow has rendered the PDF and opened the rep's stage (it sets the deadline).
      const pending = await ds.getRepository(PlanAssignmentEntity).countBy({ status: 'pending_rep', nextDeadline: Not(IsNull()) });
      if (pending >= total) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    process.stdout.write(`set-up: ${total} reps, ${total} plan-acceptance workflows waiting, ${((performance.now() - setupStart) / 1000).toFixed(1)} s\n`);

    const byPerson = new Map(published.assignments.map((a) => [a.personId, a.assignmentId]));
    const connection = await Connection.connect({ address: temporalAddress });
    cleanups.unshift(() => connection.close());
    const client = new Client({ connection, namespace: config.temporal.namespace, dataConverter: quotaflowDataConverter(config.temporal.codecKeys) });

    const viaApi = async (rep: PersonEntity): Promise<number> => {
      const t0 = performance.now();
      const res = await fetch(`${base}/plan-assignments/${byPerson.get(rep.id)}/accept`, { method: 'POST', headers: { ...auth(rep), 'idempotency-key': `bench-api-${rep.id}` }, body: '{}' });
      const ms = performance.now() - t0;
      if (res.status !== 200) throw new Error(`API decision failed: ${res.status} ${await res.text()}`);
      return ms;
    };
    const bare = async (rep: PersonEntity): Promise<number> => {
      const t0 = performance.now();
      await client.workflow.getHandle(`plan-acceptance:${byPerson.get(rep.id)}`).executeUpdate('decide', {
        args: [{ actorId: rep.id, actorRoles: ['rep'], decision: 'accept', idempotencyKey: `bench-bare-${rep.id}` }], updateId: `bench-bare-${rep.id}`,
      });
      return performance.now() - t0;
    };

    const api: number[] = [];
    const direct: number[] = [];
    let apiWall = 0;
    let directWall = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const slice = (k: number) => reps.slice((2 * round + k) * CONCURRENCY, (2 * round + k + 1) * CONCURRENCY);
      let t0 = performance.now();
      api.push(...(await Promise.all(slice(0).map(viaApi))));
      apiWall += performance.now() - t0;
      t0 = performance.now();
      direct.push(...(await Promise.all(slice(1).map(bare))));
      directWall += performance.now() - t0;
    }
    const a = summary(api, apiWall);
    const d = summary(direct, directWall);
    const f = (x: number) => x.toFixed(1).padStart(8);
    process.stdout.write(`\n${CONCURRENCY} concurrent deciders × ${ROUNDS} rounds per path (plan acceptance: the validator, then the handler records the decision durably; audit, records and emails follow in the workflow)\n`);
    process.stdout.write(`path                         n   dec/s      p50      p95      p99      max  (ms)\n`);
    process.stdout.write(`API POST …/accept      ${String(a.n).padStart(5)} ${f(a.perSecond)} ${f(a.p50)} ${f(a.p95)} ${f(a.p99)} ${f(a.max)}\n`);
    process.stdout.write(`bare executeUpdate     ${String(d.n).padStart(5)} ${f(d.perSecond)} ${f(d.p50)} ${f(d.p95)} ${f(d.p99)} ${f(d.max)}\n`);
    process.stdout.write(`ratio API ÷ bare: p50 ${(a.p50 / d.p50).toFixed(2)}×, p99 ${(a.p99 / d.p99).toFixed(2)}× (target: API p99 ≤ 100 ms and ≤ 1.5× bare)\n`);
  } finally {
    for (const c of cleanups) {
      try { await c(); } catch (e) { process.stderr.write(`cleanup: ${(e as Error).message}\n`); }
    }
  }
}

main().then(() => process.exit(0), (e: unknown) => {
  process.stderr.write(`bench:approvals failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
