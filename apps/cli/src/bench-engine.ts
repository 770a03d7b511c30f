/**
 * Engine benchmark: a seeded data set (10,000 participants, 1,000,000 transactions,
 * 3 periods) calculated in memory, against PostgreSQL summing the same credits.
 *
 *   npx tsx apps/cli/src/bench-engine.ts [--participants N] [--transactions N] [--seed N] [--runs N] [--skip-pg] [--skip-lines]
 *
 * PostgreSQL: DATABASE_URL if set, else an embedded PostgreSQL under .data/bench-pg
 * (started and stopped here). Figures are printed, never asserted.
 */
import { mkdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { type CompiledPlan, type PlanDocumentInput, calculate, compilePlanDocument, computeParticipant } from '@quotaflow/domain/plan-language';
import { findRepoRoot, freePort, startEmbeddedPostgres, type EmbeddedPostgres } from '@quotaflow/devstack';
import { generateBenchDocument } from './bench/engine-dataset';
import { copyFrom } from './bench/pg-copy';

interface Options {
  participants: number;
  transactions: number;
  seed: number;
  runs: number;
  skipPg: boolean;
  /** skip the (slow) explained-lines run, for quick iterations */
  skipLines: boolean;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { participants: 10_000, transactions: 1_000_000, seed: 20260101, runs: 3, skipPg: false, skipLines: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = (): number => Number(argv[++i]);
    if (a === '--participants') o.participants = next();
    else if (a === '--transactions') o.transactions = next();
    else if (a === '--seed') o.seed = next();
    else if (a === '--runs') o.runs = next();
    else if (a === '--skip-pg') o.skipPg = true;
    else if (a === '--skip-lines') o.skipLines = true;
  }
  return o;
}

let peakRss = 0;
let peakHeap = 0;
function sampleMemory(): void {
  const m = process.memoryUsage();
  if (m.rss > peakRss) peakRss = m.rss;
  if (m.heapUsed > peakHeap) peakHeap = m.heapUsed;
}

/** Wall and CPU time: on a shared, loaded machine the CPU time is the steadier figure. */
function time<T>(fn: () => T): { value: T; ms: number; cpuMs: number } {
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

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmtMs = (ms: number): string => `${ms.toFixed(0).padStart(8)} ms`;
const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;

/** The engine alone: compile (validate) once, then compute every participant. */
function computeAll(doc: PlanDocumentInput): { compileMs: number; computeMs: number; compileCpuMs: number; computeCpuMs: number; payoutCents: bigint } {
  const c = time(() => compilePlanDocument(doc));
  if (!c.value.ok) throw new Error(`bench document is invalid: ${JSON.stringify(c.value.errors.slice(0, 3))}`);
  const { periods, plans, participants, credits, adjustments } = c.value.value;
  const run = time(() => {
    let total = 0n;
    for (let i = 0; i < participants.length; i++) {
      const participant = participants[i];
      const job = { participant, plan: plans.get(participant.planId) as CompiledPlan, store: credits, slot: i, adjustments: adjustments.get(participant.id) ?? [] };
      const out = computeParticipant(periods, job, { lines: 'none' });
      for (const p of out.periods) total += BigInt(p.payout.replace('.', ''));
    }
    return total;
  });
  return { compileMs: c.ms, computeMs: run.ms, compileCpuMs: c.cpuMs, computeCpuMs: run.cpuMs, payoutCents: run.value };
}

function* creditChunks(doc: PlanDocumentInput): Generator<Buffer> {
  const amounts = new Map<string, string>();
  let buf: string[] = [];
  let size = 0;
  for (const t of doc.transactions ?? []) {
    amounts.set(t.id, String(t.amount));
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

async function postgresSide(doc: PlanDocumentInput, runs: number): Promise<{ loadMs: number; rows: number; queryMs: number[]; source: string }> {
  let embedded: EmbeddedPostgres | null = null;
  let url = process.env.DATABASE_URL;
  let source = 'DATABASE_URL';
  if (!url) {
    const root = findRepoRoot();
    const dataDir = join(root, '.data', 'bench-pg');
    mkdirSync(join(root, '.data'), { recursive: true });
    const start = await timeAsync(async () => startEmbeddedPostgres({ dataDir, port: await freePort(), ephemeral: true }));
    embedded = start.value;
    url = await embedded.ensureDatabase('bench');
    source = `embedded PostgreSQL (.data/bench-pg, started in ${start.ms.toFixed(0)} ms)`;
  }
  const client = new Client({ connectionString: url });
  try {
    await client.connect();
    await client.query('DROP TABLE IF EXISTS bench_engine_credits');
    await client.query('CREATE UNLOGGED TABLE bench_engine_credits (participant_id text NOT NULL, transaction_id text NOT NULL, amount numeric(18,2) NOT NULL, share numeric(9,6) NOT NULL)');
    const load = await timeAsync(() => copyFrom(client, 'COPY bench_engine_credits FROM STDIN', creditChunks(doc)));
    await client.query('ANALYZE bench_engine_credits');
    const queryMs: number[] = [];
    // one warm-up so both sides are measured with warm caches
    await client.query('SELECT participant_id, sum(amount * share) FROM bench_engine_credits GROUP BY participant_id');
    for (let i = 0; i < runs; i++) {
      const q = await timeAsync(() => client.query('SELECT participant_id, sum(amount * share) FROM bench_engine_credits GROUP BY participant_id'));
      queryMs.push(q.ms);
    }
    await client.query('DROP TABLE bench_engine_credits');
    return { loadMs: load.ms, rows: load.value, queryMs, source };
  } finally {
    await client.end().catch(() => undefined);
    if (embedded) await embedded.stop();
  }
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const timer = setInterval(sampleMemory, 50);
  timer.unref();
  console.log(`engine benchmark: ${o.participants} participants, ${o.transactions} transactions, 3 periods, seed ${o.seed}`);
  console.log(`machine: ${cpus().length} cpus, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} at start`);

  const gen = time(() => generateBenchDocument(o));
  const text = time(() => JSON.stringify(gen.value));
  const parsed = time(() => JSON.parse(text.value) as PlanDocumentInput);
  const doc = parsed.value;
  // keep only the parsed document alive, as a service would
  const textBytes = text.value.length;
  text.value = '';
  gen.value.transactions = [];
  gen.value.participants = [];
  const creditCount = (doc.transactions ?? []).reduce((n, t) => n + (t.credits?.length ?? 0), 0);
  const reversals = (doc.transactions ?? []).filter((t) => t.reverses).length;

  const engineRuns: ReturnType<typeof computeAll>[] = [];
  for (let i = 0; i < o.runs; i++) engineRuns.push(computeAll(doc));
  const sameCents = engineRuns.every((r) => r.payoutCents === engineRuns[0].payoutCents);
  const totalMs = median(engineRuns.map((r) => r.compileMs + r.computeMs));
  const compileMs = median(engineRuns.map((r) => r.compileMs));
  const computeMs = median(engineRuns.map((r) => r.computeMs));
  const compileCpuMs = median(engineRuns.map((r) => r.compileCpuMs));
  const computeCpuMs = median(engineRuns.map((r) => r.computeCpuMs));
  const full = o.skipLines ? null : time(() => calculate(doc, { lines: 'full' }));
  const lineCount = full === null ? 0 : full.value.periods.reduce((n, p) => n + p.participants.reduce((m, r) => m + r.components.reduce((k, c) => k + c.lines.length, 0), 0), 0);
  if (full !== null) full.value.periods = [];

  console.log('');
  console.log('data set');
  console.log(`  transactions               ${o.transactions} (${reversals} reversals), credits ${creditCount}`);
  console.log(`  generate                   ${fmtMs(gen.ms)}`);
  console.log(`  JSON.stringify             ${fmtMs(text.ms)}  (${mb(textBytes)})`);
  console.log(`  JSON.parse                 ${fmtMs(parsed.ms)}`);
  console.log('engine (median of ' + o.runs + ' runs, figures only)');
  console.log(`  validate + compile         ${fmtMs(compileMs)}  (cpu ${fmtMs(compileCpuMs).trim()})`);
  console.log(`  compute                    ${fmtMs(computeMs)}  (cpu ${fmtMs(computeCpuMs).trim()})`);
  console.log(`  total                      ${fmtMs(totalMs)}  = ${Math.round(creditCount / (totalMs / 1000)).toLocaleString('en-US')} credits/s`);
  console.log(`  same cents every run       ${sameCents ? 'yes' : 'NO'} (total payout ${engineRuns[0].payoutCents / 100n}.${String(engineRuns[0].payoutCents % 100n).padStart(2, '0')})`);
  if (full !== null) console.log(`  with explained lines       ${fmtMs(full.ms)}  (${lineCount} lines)`);
  console.log(`  peak memory                rss ${mb(peakRss)}, heap ${mb(peakHeap)}`);

  if (o.skipPg) return;
  const pg = await postgresSide(doc, o.runs);
  const pgMs = median(pg.queryMs);
  console.log(`PostgreSQL (${pg.source})`);
  console.log(`  COPY load                  ${fmtMs(pg.loadMs)}  (${pg.rows} rows)`);
  console.log(`  GROUP BY sum(amount*share) ${fmtMs(pgMs)}  (runs: ${pg.queryMs.map((m) => m.toFixed(0)).join(', ')} ms)`);
  console.log('ratio');
  console.log(`  engine total ÷ PostgreSQL  ${(totalMs / pgMs).toFixed(2)}  (target ≤ 2)`);
  console.log(`  engine compute ÷ PostgreSQL ${(computeMs / pgMs).toFixed(2)}`);
  console.log(`  load average at end        ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
