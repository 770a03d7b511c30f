/**
 * `npm run bench:scale -- --reps 1000,10000` — the whole organisation at once, per size (not a
 * test; prints figures): a plan published to every rep until every invite is sent; a quota
 * sign-off end to end through the API (create, submit, every team manager and finance approve,
 * every rep acknowledges, 40 in flight, locked); a territory change moving as many accounts as
 * there are reps (10,000 at 10,000). For each: the time, the growth factor between the largest and
 * the smallest size, the largest history (events, bytes, as Temporal counts them) and payload.
 *
 * Starts its own embedded PostgreSQL, Temporal dev server and SMTP catcher (or uses
 * BENCH_DATABASE_URL / TEMPORAL_ADDRESS), the worker and the API as their own processes from
 * `dist/`, as in production; people and teams are seeded in bulk SQL. The last line is
 * `result: growth=… max_history_events=… max_history_mb=… publish_10k_s=… signoff_10k_s=…`.
 */
import 'reflect-metadata';
import { cpus, loadavg } from 'node:os';
import { mintToken } from '@quotaflow/config';
import { createDataSource } from '@quotaflow/persistence';
import { quotaflowDataConverter } from '@quotaflow/temporal-codec';
import { Client, Connection } from '@temporalio/client';
import { seedBulkOrganisation, seedBulkTerritories } from './scale/bulk-organisation';
import { startBenchStack } from './bench/bench-stack';
import { historyTree, summarise, type HistorySize } from './scale/histories';
import { runPublish, runQuotaSignoff, runTerritoryChange, type ScaleApi } from './scale/scale-driver';

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 40);
const PERIODS = [
  { id: '2026-Q1', start: '2026-01-01', end: '2026-03-31' },
  { id: '2026-Q2', start: '2026-04-01', end: '2026-06-30' },
  { id: '2026-Q3', start: '2026-07-01', end: '2026-09-30' },
  { id: '2026-Q4', start: '2026-10-01', end: '2026-12-31' },
];

const FLOWS = ['publish', 'signoff', 'territory'] as const;
type Flow = (typeof FLOWS)[number];

const load = (): string => loadavg().map((x) => x.toFixed(2)).join(' ');

function parseSizes(argv: string[]): number[] {
  const i = argv.indexOf('--reps');
  const raw = i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith('--reps='))?.slice('--reps='.length);
  const sizes = (raw ?? '1000,10000').split(',').map((s) => Number(s.trim()));
  if (sizes.length === 0 || sizes.length > PERIODS.length || sizes.some((n) => !Number.isInteger(n) || n < 2 || n > 20000)) {
    throw new Error(`--reps takes 1 to ${PERIODS.length} sizes between 2 and 20,000, e.g. --reps 1000,10000 (got ${raw})`);
  }
  return sizes;
}

/** `--flows publish,signoff,territory` (all by default): measure only some flows, e.g. to profile one. */
function parseFlows(argv: string[]): Set<Flow> {
  const i = argv.indexOf('--flows');
  const raw = i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith('--flows='))?.slice('--flows='.length);
  const flows = (raw ?? FLOWS.join(',')).split(',').map((s) => s.trim());
  const unknown = flows.filter((f) => !(FLOWS as readonly string[]).includes(f));
  if (flows.length === 0 || unknown.length > 0) throw new Error(`--flows takes some of ${FLOWS.join(', ')} (got ${raw})`);
  return new Set(flows as Flow[]);
}

interface Measured {
  seconds: number;
  sizes: HistorySize[];
}

interface SizeResult {
  reps: number;
  publish?: Measured;
  signoff?: Measured & { acknowledgements: Record<number, number> };
  territory?: Measured & { accounts: number };
}

async function main(): Promise<void> {
  const sizes = parseSizes(process.argv.slice(2));
  const flows = parseFlows(process.argv.slice(2));
  const stack = await startBenchStack('bench-scale');
  const { config, temporalAddress } = stack;
  try {
    const ds = await createDataSource(config.database, { role: 'owner' }).initialize();
    stack.defer(() => ds.destroy());

    const { origin } = await stack.startApps();
    const api: ScaleApi = { baseUrl: origin, token: (p) => mintToken(config.auth, p) };
    const connection = await Connection.connect({ address: temporalAddress });
    stack.defer(() => connection.close());
    const client = new Client({ connection, namespace: config.temporal.namespace, dataConverter: quotaflowDataConverter(config.temporal.codecKeys) });

    process.stdout.write(`inputs: sizes ${sizes.join(', ')} reps; flows ${[...flows].join(', ')} (teams of 100, each with a manager); ${CONCURRENCY} acknowledgements in flight; a territory change of as many accounts as reps; API and worker as their own production processes\n`);
    process.stdout.write(`machine: ${cpus().length} cores; load before ${load()}\n`);
    const results: SizeResult[] = [];
    for (const [index, reps] of sizes.entries()) {
      const tag = `n${reps}`;
      const seedStart = performance.now();
      const org = await seedBulkOrganisation(ds, { reps, tag });
      const territories = await seedBulkTerritories(ds, org, { accounts: reps, tag });
      process.stdout.write(`\n${reps} reps: seeded in ${((performance.now() - seedStart) / 1000).toFixed(1)} s (${org.teams.length} teams, ${reps} accounts); load ${load()}\n`);

      const result: SizeResult = { reps };
      if (flows.has('publish')) {
        const p0 = performance.now();
        const published = await runPublish(api, org, { key: `bench-${tag}`, timeoutMs: 3_600_000 });
        const publishSeconds = (performance.now() - p0) / 1000;
        const [sample] = (await ds.query(`SELECT workflow_id FROM plan_assignments WHERE publish_id = $1 ORDER BY id LIMIT 1`, [published.publishId])) as Array<{ workflow_id: string }>;
        await client.workflow.getHandle(published.workflowId).result();
        const publishSizes = [...(await historyTree(client, published.workflowId)), ...(sample ? await historyTree(client, sample.workflow_id) : [])];
        process.stdout.write(`  publish: answered in ${(published.timings.answered / 1000).toFixed(2)} s, every invite sent after ${publishSeconds.toFixed(1)} s (${published.progress.invited} invited); load ${load()}\n`);
        result.publish = { seconds: publishSeconds, sizes: publishSizes };
      }

      if (flows.has('signoff')) {
        const s0 = performance.now();
        const signed = await runQuotaSignoff(api, org, { concurrency: CONCURRENCY, period: PERIODS[index]!, timeoutMs: 3_600_000 });
        const signoffSeconds = (performance.now() - s0) / 1000;
        await client.workflow.getHandle(signed.workflowId).result();
        const signoffSizes = await historyTree(client, signed.workflowId);
        // A large set's view leaves its lines out: the acknowledgements of the locked version, counted in SQL.
        const [counted] = (await ds.query(
          `SELECT count(*) FILTER (WHERE l.acknowledged_at IS NOT NULL)::int AS n FROM quota_lines l JOIN quota_set_versions v ON v.id = l.quota_set_version_id WHERE v.quota_set_id = $1 AND v.locked`,
          [signed.quotaSetId],
        )) as Array<{ n: number }>;
        const acknowledged = signed.acknowledged ?? counted?.n ?? 0;
        process.stdout.write(`  sign-off: ${signed.status} after ${signoffSeconds.toFixed(1)} s (approvals ${(signed.timings.approved / 1000).toFixed(1)} s, acknowledgements ${((signed.timings.acknowledged - signed.timings.approved) / 1000).toFixed(1)} s: ${JSON.stringify(signed.acknowledgements.statuses)}, ${acknowledged} recorded); load ${load()}\n`);
        if (signed.acknowledgements.failures.length > 0) process.stdout.write(`    first failures: ${JSON.stringify(signed.acknowledgements.failures.slice(0, 5))}\n`);
        result.signoff = { seconds: signoffSeconds, sizes: signoffSizes, acknowledgements: signed.acknowledgements.statuses };
      }

      if (flows.has('territory')) {
        const t0 = performance.now();
        const moved = await runTerritoryChange(api, org, territories, { timeoutMs: 3_600_000 });
        const territorySeconds = (performance.now() - t0) / 1000;
        await client.workflow.getHandle(moved.workflowId).result().catch(() => undefined);
        const territorySizes = await historyTree(client, moved.workflowId);
        process.stdout.write(`  territory change: ${moved.status} after ${territorySeconds.toFixed(1)} s (requested in ${(moved.timings.requested / 1000).toFixed(2)} s, ${territories.accountIds.length} accounts); load ${load()}\n`);
        result.territory = { seconds: territorySeconds, sizes: territorySizes, accounts: territories.accountIds.length };
      }
      results.push(result);
    }

    process.stdout.write(`\nsize      flow        time s   largest history (events / MB / workflow type)   largest payload kB (where)\n`);
    const all: HistorySize[] = [];
    for (const r of results) {
      for (const [name, m] of [['publish', r.publish], ['sign-off', r.signoff], ['territory', r.territory]] as const) {
        if (!m) continue;
        const s = summarise(m.sizes);
        all.push(...m.sizes);
        const ev = s.largest?.events;
        const by = s.largest?.bytes;
        process.stdout.write(`${String(r.reps).padStart(6)}  ${name.padEnd(10)} ${m.seconds.toFixed(1).padStart(8)}   ${String(ev?.events ?? 0).padStart(6)} / ${((by?.bytes ?? 0) / 1048576).toFixed(2).padStart(6)} / ${(ev?.type ?? '').padEnd(24)} ${((s.largest?.payload.largestPayloadBytes ?? 0) / 1024).toFixed(1).padStart(8)}  ${s.largest?.payload.largestPayloadAt ?? ''}\n`);
      }
    }
    const first = results[0]!;
    const last = results[results.length - 1]!;
    const growth = (pick: (r: SizeResult) => number | undefined) => {
      const [a, b] = [pick(first), pick(last)];
      return results.length > 1 && a !== undefined && b !== undefined ? b / a : NaN;
    };
    const growths = { publish: growth((r) => r.publish?.seconds), signoff: growth((r) => r.signoff?.seconds), territory: growth((r) => r.territory?.seconds) };
    const measuredGrowths = Object.values(growths).filter((g) => !Number.isNaN(g));
    const largestGrowth = measuredGrowths.length > 0 ? Math.max(...measuredGrowths) : NaN;
    if (results.length > 1) {
      process.stdout.write(`growth time(${last.reps}) / time(${first.reps}) for ${last.reps / first.reps}× the reps: publish ${growths.publish.toFixed(2)}, sign-off ${growths.signoff.toFixed(2)}, territory ${growths.territory.toFixed(2)} (NaN: not measured)\n`);
    }
    const summary = summarise(all);
    const maxEvents = summary.largest?.events.events ?? 0;
    const maxMb = (summary.largest?.bytes.bytes ?? 0) / 1048576;
    const at10k = results.find((r) => r.reps === 10000);
    process.stdout.write(`goals: growth ≤ 12, no history above 10,000 events or 10 MB, publish of 10,000 reps ≤ 300 s\n`);
    process.stdout.write(`machine: ${cpus().length} cores; load after ${load()}\n`);
    process.stdout.write(
      `result: growth=${Number.isNaN(largestGrowth) ? 'n/a' : largestGrowth.toFixed(2)} max_history_events=${maxEvents} max_history_mb=${maxMb.toFixed(2)} ` +
        `publish_10k_s=${at10k?.publish ? at10k.publish.seconds.toFixed(1) : 'n/a'} signoff_10k_s=${at10k?.signoff ? at10k.signoff.seconds.toFixed(1) : 'n/a'}\n`,
    );
  } finally {
    await stack.close();
  }
}

main().then(() => process.exit(0), (e: unknown) => {
  process.stderr.write(`bench:scale failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
