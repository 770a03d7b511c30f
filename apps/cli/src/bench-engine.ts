/**
 * Engine benchmark (`npm run bench:engine -- --help`): a seeded data set calculated in
 * memory, figures only and with every explained line, against PostgreSQL summing the
 * same credits with GROUP BY, measured in the same run and interleaved run by run (the
 * machine is shared: every figure is the median of several runs, and the baseline
 * is measured beside it). Ends with one line:
 *
 *   result: ratio=<engine figures-only ÷ PostgreSQL GROUP BY> explained_ratio=<explained ÷ figures-only> rss_mb=<peak>
 *
 * Figures are printed, never asserted.
 */
import { mkdirSync } from 'node:fs';
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { type PlanDocumentInput, compileCalculation, forEachParticipantPeriod, writeCalculation } from '@quotaflow/domain/plan-language';
import { findRepoRoot, freePort, startEmbeddedPostgres, type EmbeddedPostgres } from '@quotaflow/devstack';
import { BENCH_PERIODS, BENCH_PLANS, generateBenchDocument } from './bench/engine-dataset';
import { copyFrom } from './bench/pg-copy';

const HELP = `npm run bench:engine -- [options]

Generates a seeded plan-language document (participants on four plans that use every
kind of component; transactions with splits, credit notes and ~2 % reversals; three
monthly periods), then, run after run:
  figures-only  compile (validate) + calculate every participant's periods, figures only
  explained     the same with every explained line (each period's output read and dropped)
  PostgreSQL    SELECT participant_id, sum(amount * share) ... GROUP BY participant_id over the same credits
and once, for information, the output written as JSON text (calc's work after parsing).
PostgreSQL: DATABASE_URL if set, else an embedded PostgreSQL under .data/bench-pg, started and stopped here.

options:
  --participants N   participants (default 10000)
  --transactions N   transactions (default 1000000)
  --seed N           data set seed (default 20260101)
  --runs N           runs of each figure, at least 3 (default 5); each figure is their median
  --skip-pg          no PostgreSQL (ratio=n/a)
  --skip-lines       no explained run (explained_ratio=n/a)
  -h, --help         this text

The last line is: result: ratio=<figures-only ÷ GROUP BY> explained_ratio=<explained ÷ figures-only> rss_mb=<peak RSS>`;

interface Options {
  participants: number;
  transactions: number;
  seed: number;
  runs: number;
  skipPg: boolean;
  skipLines: boolean;
}

function parseArgs(argv: string[]): Options | null {
  const o: Options = { participants: 10_000, transactions: 1_000_000, seed: 20260101, runs: 5, skipPg: false, skipLines: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = (): number => {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 0) throw new Error(`${a} needs a whole number`);
      return n;
    };
    if (a === '--') continue;
    if (a === '-h' || a === '--help') return null;
    if (a === '--participants') o.participants = next();
    else if (a === '--transactions') o.transactions = next();
    else if (a === '--seed') o.seed = next();
    else if (a === '--runs') o.runs = Math.max(3, next());
    else if (a === '--skip-pg') o.skipPg = true;
    else if (a === '--skip-lines') o.skipLines = true;
    else throw new Error(`unknown option ${a} (see --help)`);
  }
  return o;
}

let peakRss = 0;
function sampleMemory(): void {
  const rss = process.memoryUsage.rss();
  if (rss > peakRss) peakRss = rss;
}

interface Timed<T> {
  value: T;
  ms: number;
  cpuMs: number;
}

function time<T>(fn: () => T): Timed<T> {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const value = fn();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const c = process.cpuUsage(c0);
  sampleMemory();
  return { value, ms, cpuMs: (c.user + c.system) / 1000 };
}

async function timeAsync<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = process.hrtime.bigint();
  const value = await fn();
  return { value, ms: Number(process.hrtime.bigint() - t0) / 1e6 };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmtMs = (ms: number): string => `${ms.toFixed(0).padStart(7)} ms`;
const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');
const runsOf = (xs: number[]): string => xs.map((x) => x.toFixed(0)).join(', ');

interface EngineRun {
  compileMs: number;
  writeMs: number;
  totalMs: number;
  cpuMs: number;
  bytes: number;
  lines: number;
  payoutCents: bigint;
}

/**
 * One engine run from the parsed document: compile, then calculate every participant's
 * every period — with every explained line as objects, or figures only — reading each
 * result as it comes (nothing is kept), as a close that writes statements does.
 */
function engineRun(doc: PlanDocumentInput, lines: 'full' | 'none'): EngineRun {
  const c0 = process.cpuUsage();
  const compiled = time(() => compileCalculation(doc));
  if (!compiled.value.ok) throw new Error(`bench document is invalid: ${JSON.stringify(compiled.value.errors.slice(0, 3))}`);
  const compiledDoc = compiled.value.value;
  const calculated = time(() => {
    let payout = 0n;
    let lineCount = 0;
    forEachParticipantPeriod(compiledDoc, { lines }, (_k, _p, out) => {
      payout += BigInt(out.payout.replace('.', ''));
      for (const c of out.components) lineCount += c.lines.length;
    });
    return { payout, lineCount };
  });
  const c = process.cpuUsage(c0);
  return { compileMs: compiled.ms, writeMs: calculated.ms, totalMs: compiled.ms + calculated.ms, cpuMs: (c.user + c.system) / 1000, bytes: 0, lines: calculated.value.lineCount, payoutCents: calculated.value.payout };
}

/** The output written as JSON text (what calc does), into a sink that counts its bytes. */
function writeRun(doc: PlanDocumentInput, lines: 'full' | 'none'): { ms: number; bytes: number } {
  const compiled = compileCalculation(doc);
  if (!compiled.ok) throw new Error('bench document is invalid');
  const compiledDoc = compiled.value;
  const written = time(() => {
    let bytes = 0;
    for (const chunk of writeCalculation(compiledDoc, { lines })) bytes += chunk.length;
    return bytes;
  });
  return { ms: written.ms, bytes: written.value };
}

function* creditChunks(doc: PlanDocumentInput): Generator<Buffer> {
  let buf: string[] = [];
  let size = 0;
  for (const t of doc.transactions ?? []) {
    for (const c of t.credits ?? []) {
      const line = `${c.participantId}\t${t.id}\t${String(t.amount)}\t${String(c.share)}\n`;
      buf.push(line);
      size += line.length;
      if (size > 1 << 20) {
        yield Buffer.from(buf.join(''));
        buf = [];
        size = 0;
      }
    }
  }
  if (buf.length > 0) yield Buffer.from(buf.join(''));
}

const GROUP_BY = 'SELECT participant_id, sum(amount * share) FROM bench_engine_credits GROUP BY participant_id';

class Postgres {
  private embedded: EmbeddedPostgres | null = null;
  private client: Client | null = null;
  source = 'DATABASE_URL';

  async load(doc: PlanDocumentInput): Promise<{ loadMs: number; rows: number }> {
    let url = process.env.DATABASE_URL;
    if (!url) {
      const root = findRepoRoot();
      mkdirSync(join(root, '.data'), { recursive: true });
      const start = await timeAsync(async () => startEmbeddedPostgres({ dataDir: join(root, '.data', 'bench-pg'), port: await freePort(), ephemeral: true }));
      this.embedded = start.value;
      url = await this.embedded.ensureDatabase('bench');
      this.source = `embedded PostgreSQL (.data/bench-pg, started in ${start.ms.toFixed(0)} ms)`;
    }
    this.client = new Client({ connectionString: url });
    await this.client.connect();
    const version = await this.client.query<{ server_version: string }>('SHOW server_version');
    this.source += `, version ${version.rows[0].server_version}`;
    await this.client.query('DROP TABLE IF EXISTS bench_engine_credits');
    await this.client.query('CREATE UNLOGGED TABLE bench_engine_credits (participant_id text NOT NULL, transaction_id text NOT NULL, amount numeric(18,2) NOT NULL, share numeric(9,6) NOT NULL)');
    const client = this.client;
    const load = await timeAsync(() => copyFrom(client, 'COPY bench_engine_credits FROM STDIN', creditChunks(doc)));
    await client.query('ANALYZE bench_engine_credits');
    // one warm-up, so both sides are measured with warm caches
    await client.query(GROUP_BY);
    return { loadMs: load.ms, rows: load.value };
  }

  async groupBy(): Promise<{ ms: number; rows: number }> {
    const r = await timeAsync(() => (this.client as Client).query(GROUP_BY));
    return { ms: r.ms, rows: r.value.rowCount ?? 0 };
  }

  async close(): Promise<void> {
    if (this.client) {
      await this.client.query('DROP TABLE IF EXISTS bench_engine_credits').catch(() => undefined);
      await this.client.end().catch(() => undefined);
    }
    if (this.embedded) await this.embedded.stop();
  }
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  if (o === null) {
    console.log(HELP);
    return;
  }
  const timer = setInterval(sampleMemory, 20);
  timer.unref();
  const cpu = cpus();
  console.log('engine benchmark');
  console.log('inputs');
  console.log(`  participants ${o.participants}, transactions ${o.transactions}, periods ${BENCH_PERIODS.map((p) => p.id).join(' ')}, seed ${o.seed}, runs ${o.runs}`);
  console.log(`  plans ${BENCH_PLANS.map((p) => `${p.id} (${p.components.map((c) => c.id).join(', ')})`).join('; ')}`);
  console.log(`machine: ${cpu.length} × ${cpu[0]?.model ?? 'cpu'}, ${mib(totalmem())} memory (${mib(freemem())} free), node ${process.version}`);
  console.log(`load average before: ${load()}`);

  // the document as a service holds it: parsed from its JSON text, the text dropped
  const text = time(() => JSON.stringify(generateBenchDocument(o)));
  const parsed = time(() => JSON.parse(text.value) as PlanDocumentInput);
  const textBytes = text.value.length;
  text.value = '';
  const doc = parsed.value;
  const creditCount = (doc.transactions ?? []).reduce((n, t) => n + (t.credits?.length ?? 0), 0);
  const reversals = (doc.transactions ?? []).filter((t) => t.reverses).length;
  console.log('data set');
  console.log(`  transactions ${o.transactions} (${reversals} reversals), credits ${creditCount}, JSON ${mib(textBytes)}`);
  console.log(`  generate + stringify ${fmtMs(text.ms).trim()}, JSON.parse ${fmtMs(parsed.ms).trim()} (not part of the engine figures)`);

  const pg = o.skipPg ? null : new Postgres();
  if (pg !== null) {
    const loaded = await pg.load(doc);
    console.log(`PostgreSQL: ${pg.source}; COPY ${loaded.rows} rows in ${loaded.loadMs.toFixed(0)} ms`);
  }

  // warm the engine once (the JIT), then interleave: figures-only, explained, GROUP BY, run after run
  engineRun(doc, 'none');
  const figures: EngineRun[] = [];
  const explained: EngineRun[] = [];
  const pgMs: number[] = [];
  for (let i = 0; i < o.runs; i++) {
    figures.push(engineRun(doc, 'none'));
    if (!o.skipLines) explained.push(engineRun(doc, 'full'));
    if (pg !== null) pgMs.push((await pg.groupBy()).ms);
  }
  if (pg !== null) await pg.close();

  const sameCents = [...figures, ...explained].every((r) => r.payoutCents === figures[0].payoutCents);
  const f = median(figures.map((r) => r.totalMs));
  console.log(`engine, figures only (median of ${o.runs})`);
  console.log(`  compile (validate)         ${fmtMs(median(figures.map((r) => r.compileMs)))}   runs: ${runsOf(figures.map((r) => r.compileMs))}`);
  console.log(`  calculate                  ${fmtMs(median(figures.map((r) => r.writeMs)))}   runs: ${runsOf(figures.map((r) => r.writeMs))}`);
  console.log(`  total                      ${fmtMs(f)}   runs: ${runsOf(figures.map((r) => r.totalMs))}  (cpu ${fmtMs(median(figures.map((r) => r.cpuMs))).trim()}; ${Math.round(creditCount / (f / 1000)).toLocaleString('en-US')} credits/s)`);
  let e = NaN;
  if (!o.skipLines) {
    e = median(explained.map((r) => r.totalMs));
    console.log(`engine, every line explained (median of ${o.runs})`);
    console.log(`  compile (validate)         ${fmtMs(median(explained.map((r) => r.compileMs)))}   runs: ${runsOf(explained.map((r) => r.compileMs))}`);
    console.log(`  calculate + explain        ${fmtMs(median(explained.map((r) => r.writeMs)))}   runs: ${runsOf(explained.map((r) => r.writeMs))}`);
    console.log(`  total                      ${fmtMs(e)}   runs: ${runsOf(explained.map((r) => r.totalMs))}  (cpu ${fmtMs(median(explained.map((r) => r.cpuMs))).trim()}; ${explained[0].lines} lines)`);
  }
  const textFigures = writeRun(doc, 'none');
  console.log(`written as JSON text, once (calc after parsing; not in the ratios)`);
  console.log(`  figures only               ${fmtMs(textFigures.ms)}   ${mib(textFigures.bytes)}`);
  if (!o.skipLines) {
    const textFull = writeRun(doc, 'full');
    console.log(`  with every line            ${fmtMs(textFull.ms)}   ${mib(textFull.bytes)}`);
  }
  console.log(`  same cents in every run    ${sameCents ? 'yes' : 'NO'} (total payout ${figures[0].payoutCents / 100n}.${String(figures[0].payoutCents % 100n).padStart(2, '0')})`);
  let p = NaN;
  if (pg !== null) {
    p = median(pgMs);
    console.log(`PostgreSQL GROUP BY sum(amount * share) (median of ${o.runs})`);
    console.log(`  query                      ${fmtMs(p)}   runs: ${runsOf(pgMs)}`);
  }
  clearInterval(timer);
  sampleMemory();
  const ratio = f / p;
  const explainedRatio = e / f;
  console.log('ratios');
  console.log(`  figures-only ÷ GROUP BY    ${Number.isNaN(ratio) ? 'n/a' : ratio.toFixed(2)}  (goal ≤ 2)`);
  console.log(`  explained ÷ figures-only   ${Number.isNaN(explainedRatio) ? 'n/a' : explainedRatio.toFixed(2)}  (goal ≤ 2)`);
  console.log(`peak memory (rss, whole process)  ${mib(peakRss)}  (goal ≤ 1536 MiB)`);
  console.log(`load average after: ${load()}`);
  console.log(`result: ratio=${Number.isNaN(ratio) ? 'n/a' : ratio.toFixed(2)} explained_ratio=${Number.isNaN(explainedRatio) ? 'n/a' : explainedRatio.toFixed(2)} rss_mb=${Math.round(peakRss / 1024 / 1024)}`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
