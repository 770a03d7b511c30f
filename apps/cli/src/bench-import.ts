/**
 * Import benchmark: a generated Salesforce opportunity report of N rows imported as deals (CSV
 * parse + validate + write, the same code as the API and the CLI), against a bare PostgreSQL
 * `COPY ... (FORMAT csv)` of the same file into a table of the same columns, in the same run.
 *
 *   npm run bench:import -- [--rows N] [--runs N] [--seed N]
 *
 * PostgreSQL: DATABASE_URL if set (a fresh database per run is created beside it), else an
 * embedded PostgreSQL under .data/bench-import-pg (started and stopped here). Figures are printed,
 * never asserted. Ends with `result: copy_ratio=… rows_per_s=… rss_mb=…`.
 */
import { createReadStream, createWriteStream, mkdirSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { pipeline } from 'node:stream/promises';
import { findRepoRoot, freePort, startEmbeddedPostgres, type EmbeddedPostgres } from '@quotaflow/devstack';
import { AuditLog, createDataSource, Importer, runMigrations } from '@quotaflow/persistence';

interface Options { rows: number; runs: number; seed: number }

function parseArgs(argv: string[]): Options {
  const o: Options = { rows: 100_000, runs: 3, seed: 20260101 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = (): number => {
      const n = Number(argv[++i]);
      if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`${a} needs a positive integer`);
      return n;
    };
    if (a === '--rows') o.rows = next();
    else if (a === '--runs') o.runs = next();
    else if (a === '--seed') o.seed = next();
    else throw new Error(`unknown option ${a}; options: --rows N --runs N --seed N`);
  }
  return o;
}

const REPS = 60;
const ACCOUNTS = 3000;
const PRODUCTS = 12;
const STAGES = ['Closed Won', 'Closed Won', 'Closed Won', 'Closed Won', 'Closed Won', 'Closed Won', 'Closed Won', 'Negotiation/Review', 'Prospecting', 'Closed Lost'];
const TYPES = ['New Customer', 'Existing Customer - Upgrade', 'Existing Customer - Replacement'];

/** A small deterministic generator (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function writeReport(path: string, rows: number, seed: number): Promise<number> {
  const random = rng(seed);
  const out = createWriteStream(path);
  out.write('Opportunity Owner,Account ID,Opportunity Name,Stage,Type,Amount,Created Date,Close Date,Product Code,Opportunity Currency,Opportunity ID\r\n');
  let buf = '';
  for (let i = 0; i < rows; i++) {
    const stage = STAGES[Math.floor(random() * STAGES.length)]!;
    const month = 1 + Math.floor(random() * 12);
    const day = 1 + Math.floor(random() * 28);
    const open = stage !== 'Closed Won' && stage !== 'Closed Lost';
    const amount = open && random() < 0.3 ? '' : `${1000 + Math.floor(random() * 250_000)}.${String(Math.floor(random() * 100)).padStart(2, '0')}`;
    const close = open && random() < 0.3 ? '' : `${month}/${day}/2026`;
    const rep = Math.floor(random() * REPS);
    buf += `Rep ${rep} Bench,ACC-${Math.floor(random() * ACCOUNTS)},"Deal ${i}, ${stage}",${stage},${TYPES[i % TYPES.length]},${amount},${month}/${Math.max(1, day - 1)}/2026,${close},P-${i % PRODUCTS},USD,006${String(i).padStart(12, '0')}\r\n`;
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  out.end(buf);
  await once(out, 'finish');
  return statSync(path).size;
}

async function seedTemplate(url: string): Promise<void> {
  await runMigrations(url);
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(`INSERT INTO teams (name) VALUES ('Bench Team') ON CONFLICT DO NOTHING`);
    await c.query(`INSERT INTO people (name, email, roles, team_id) SELECT 'Rep ' || i || ' Bench', 'rep' || i || '@bench.test', '{rep}', (SELECT id FROM teams LIMIT 1) FROM generate_series(0, ${REPS - 1}) i ON CONFLICT DO NOTHING`);
    await c.query(`INSERT INTO territories (name) VALUES ('Bench Territory') ON CONFLICT DO NOTHING`);
    await c.query(`INSERT INTO accounts (external_id, name, territory_id) SELECT 'ACC-' || i, 'Account ' || i, (SELECT id FROM territories LIMIT 1) FROM generate_series(0, ${ACCOUNTS - 1}) i ON CONFLICT DO NOTHING`);
    await c.query(`INSERT INTO products (code, name) SELECT 'P-' || i, 'Product ' || i FROM generate_series(0, ${PRODUCTS - 1}) i ON CONFLICT DO NOTHING`);
  } finally {
    await c.end();
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  let embedded: EmbeddedPostgres | null = null;
  let adminUrl = process.env.DATABASE_URL;
  let where = 'DATABASE_URL';
  const root = findRepoRoot();
  if (!adminUrl) {
    mkdirSync(join(root, '.data'), { recursive: true });
    embedded = await startEmbeddedPostgres({ dataDir: join(root, '.data', 'bench-import-pg'), port: await freePort(), ephemeral: true });
    adminUrl = await embedded.ensureDatabase('postgres');
    where = 'embedded PostgreSQL (.data/bench-import-pg)';
  }
  const dbUrl = (name: string) => { const u = new URL(adminUrl!); u.pathname = `/${name}`; return u.toString(); };
  const admin = new Client({ connectionString: dbUrl('postgres') });
  await admin.connect();
  const file = join(tmpdir(), `quotaflow-bench-import-${process.pid}.csv`);
  try {
    console.log(`bench:import — ${o.rows.toLocaleString('en-US')} deal rows (Salesforce opportunity report), ${o.runs} runs, seed ${o.seed}`);
    console.log(`machine: ${cpus().length} cpus (${cpus()[0]?.model ?? '?'}), load average ${load()} at start; node ${process.version}; ${where}`);
    const bytes = await writeReport(file, o.rows, o.seed);
    console.log(`input: ${(bytes / 1024 / 1024).toFixed(1)} MiB CSV, ${REPS} reps, ${ACCOUNTS} accounts, ${PRODUCTS} products`);
    await admin.query(`DROP DATABASE IF EXISTS bench_import_template`);
    await admin.query(`CREATE DATABASE bench_import_template`);
    await seedTemplate(dbUrl('bench_import_template'));

    const copyMs: number[] = [];
    const importMs: number[] = [];
    let peakRss = 0;
    for (let run = 1; run <= o.runs; run++) {
      for (const name of ['bench_import_bare', 'bench_import_run']) {
        await admin.query(`DROP DATABASE IF EXISTS ${name}`);
        await admin.query(`CREATE DATABASE ${name} TEMPLATE bench_import_template`);
      }
      // Baseline: the same file, COPY (FORMAT csv) into a table of the same columns.
      const bare = new Client({ connectionString: dbUrl('bench_import_bare') });
      await bare.connect();
      await bare.query(`SET datestyle = 'ISO, MDY'`);
      await bare.query(`CREATE TABLE bare_deals (owner text, account_id text, name text, stage text, type text, amount numeric(18,2), created_date date, close_date date, product_code text, currency text, opportunity_id text)`);
      let t0 = process.hrtime.bigint();
      await pipeline(createReadStream(file, { highWaterMark: 1 << 20 }), bare.query(copyFrom(`COPY bare_deals FROM STDIN WITH (FORMAT csv, HEADER true)`)));
      copyMs.push(Number(process.hrtime.bigint() - t0) / 1e6);
      await bare.end();

      const ds = await createDataSource({ url: dbUrl('bench_import_run'), appRole: 'quotaflow_app' }, { applicationName: 'quotaflow-bench-import' }).initialize();
      const sampler = setInterval(() => { peakRss = Math.max(peakRss, process.memoryUsage().rss); }, 20);
      t0 = process.hrtime.bigint();
      const outcome = await new Importer(ds, new AuditLog(ds, { hmacKey: 'bench-import-audit-key-not-a-secret' }), { currency: 'USD' }).run(
        { kind: 'deals', profileKey: 'salesforce', dryRun: false, skipBadRows: false, deactivateMissing: false, actor: { id: null, role: null, via: 'cli' }, fileName: 'bench.csv' },
        { type: 'csv', stream: createReadStream(file, { highWaterMark: 1 << 20 }) },
      );
      importMs.push(Number(process.hrtime.bigint() - t0) / 1e6);
      clearInterval(sampler);
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
      const stored = (await ds.query(`SELECT (SELECT count(*) FROM deals)::int AS deals, (SELECT count(*) FROM deal_revisions)::int AS revisions`)) as Array<{ deals: number; revisions: number }>;
      await ds.destroy();
      if (outcome.status !== 'completed' || stored[0]!.deals !== o.rows) {
        throw new Error(`import ${outcome.status}: ${JSON.stringify(outcome.counts)} ${JSON.stringify(outcome.issues.slice(0, 3))}`);
      }
      const t = outcome.timings;
      console.log(`run ${run}: bare COPY ${copyMs[run - 1]!.toFixed(0)} ms · import ${importMs[run - 1]!.toFixed(0)} ms (read+validate+stage ${t.read}, cross-row checks ${t.check}, write ${t.write}, finish ${t.finish}; ${stored[0]!.deals} deals, ${stored[0]!.revisions} revisions) · load ${load()}`);
    }
    for (const name of ['bench_import_bare', 'bench_import_run', 'bench_import_template']) await admin.query(`DROP DATABASE IF EXISTS ${name}`);
    const ratio = median(importMs) / median(copyMs);
    const rowsPerS = o.rows / (median(importMs) / 1000);
    const rssMb = peakRss / 1024 / 1024;
    console.log(`medians: bare COPY ${median(copyMs).toFixed(0)} ms, import ${median(importMs).toFixed(0)} ms (goal ≤ 3× bare COPY); peak RSS ${rssMb.toFixed(0)} MiB`);
    console.log(`load average at end ${load()}`);
    console.log(`result: copy_ratio=${ratio.toFixed(2)} rows_per_s=${rowsPerS.toFixed(0)} rss_mb=${rssMb.toFixed(0)}`);
  } finally {
    rmSync(file, { force: true });
    await admin.end();
    if (embedded) await embedded.stop();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:import failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
