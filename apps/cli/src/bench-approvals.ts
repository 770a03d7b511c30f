/**
 * `npm run bench:approvals` — decision latency through the API against the same decision as a
 * bare Temporal `executeUpdate`, in one run on one machine (not a test; prints figures).
 *
 * Starts its own embedded PostgreSQL, Temporal dev server and SMTP catcher (or uses
 * BENCH_DATABASE_URL / TEMPORAL_ADDRESS), the worker and the API as their own processes (from
 * `dist/`, as in production; this process only generates load) and publishes a plan to enough
 * reps. Each run measures four things on fresh workflows, alternating the paths so both see the
 * same machine: 50 reps accepting at once through `POST /plan-assignments/:id/accept`, 50 other
 * workflows receiving the same `decide` Update straight from a Temporal client, and the same two
 * with one approver at a time. Each phase starts once the previous one's workflows have finished
 * and their emails are sent. Figures are medians over the runs (BENCH_RUNS, default 5); the last
 * line is `result: throughput_ratio=… p99_ratio=… single_p50_delta_ms=…`.
 */
import 'reflect-metadata';
import { loadavg, cpus } from 'node:os';
import { mintToken } from '@quotaflow/config';
import { quotaflowDataConverter } from '@quotaflow/temporal-codec';
import { createDataSource, PersonEntity, PlanAssignmentEntity, TeamEntity } from '@quotaflow/persistence';
import { Client, Connection } from '@temporalio/client';
import { decideUpdate, REP_STAGE_ID } from '@quotaflow/workflows';
import { IsNull, Not } from 'typeorm';
import { startBenchStack } from './bench/bench-stack';

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);
const SINGLE = Number(process.env.BENCH_SINGLE ?? 20);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

interface Figures { perSecond: number; p50: number; p99: number }

function figures(samples: number[], wallMs: number): Figures {
  const s = [...samples].sort((a, b) => a - b);
  return { perSecond: (s.length / wallMs) * 1000, p50: percentile(s, 50), p99: percentile(s, 99) };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** Adds each `name;dur=ms` of a Server-Timing header to `into`; returns its `total`. */
function phasesOf(header: string | null, into: Map<string, number[]>): number | undefined {
  let total: number | undefined;
  for (const part of (header ?? '').split(',')) {
    const [name, ...params] = part.trim().split(';');
    const dur = params.find((p) => p.startsWith('dur='));
    if (!name || !dur) continue;
    const ms = Number(dur.slice(4));
    if (name === 'total') total = ms;
    addPhase(into, name, ms);
  }
  return total;
}

function addPhase(into: Map<string, number[]>, name: string, ms: number): void {
  const list = into.get(name);
  if (list) list.push(ms);
  else into.set(name, [ms]);
}

const load = (): string => loadavg().map((x) => x.toFixed(2)).join(' ');

async function main(): Promise<void> {
  const stack = await startBenchStack('bench-approvals');
  const { config, temporalAddress } = stack;
  try {
    // Organisation: ops, a manager, RUNS × (2 × CONCURRENCY + 2 × SINGLE) reps.
    const ds = await createDataSource(config.database, { role: 'owner' }).initialize();
    stack.defer(() => ds.destroy());
    const team = await ds.getRepository(TeamEntity).save({ name: `Bench ${process.pid}` });
    const people = ds.getRepository(PersonEntity);
    const ops = await people.save(people.create({ name: 'Bench Ops', email: `ops-${process.pid}@bench.test`, roles: ['ops'], active: true, attributes: {} }));
    const manager = await people.save(people.create({ name: 'Bench Manager', email: `mgr-${process.pid}@bench.test`, roles: ['manager'], teamId: team.id, active: true, attributes: {} }));
    const perRun = 2 * CONCURRENCY + 2 * SINGLE;
    const total = RUNS * perRun;
    const loadBefore = load();
    process.stdout.write(`inputs: ${RUNS} runs × (${CONCURRENCY} approvers at once and ${SINGLE} one at a time, per path: API and bare Update); ${total} reps, one plan-acceptance workflow each; API and worker as their own production processes\n`);
    const reps = await people.save(Array.from({ length: total }, (_, i) => people.create({
      name: `Rep ${String(i).padStart(4, '0')}`, email: `rep${i}-${process.pid}@bench.test`, roles: ['rep'], teamId: team.id, managerId: manager.id, active: true, attributes: {},
    })));

    const { origin } = await stack.startApps();
    const base = `${origin}/api/v1`;
    // Every approver's token is minted before anything is timed, as a signed-in client holds it
    // (signing 50 at once inside the timed phase cost the API path ~0.3 ms each on this process's thread).
    const tokens = new Map<string, string>();
    const auth = (p: PersonEntity) => {
      let token = tokens.get(p.id);
      if (!token) tokens.set(p.id, (token = mintToken(config.auth, p)));
      return { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    };

    const setupStart = performance.now();
    const plan = await (await fetch(`${base}/plans`, { method: 'POST', headers: auth(ops), body: JSON.stringify({
      key: 'bench-plan', name: 'Bench Plan', periodLabel: 'FY2026', effectiveFrom: '2026-01-01',
      document: { id: 'bench', components: [{ id: 'c', kind: 'commission', table: { split: 'step', tiers: [{ from: 0, rate: '0.05' }] } }] },
    }) })).json() as { versions: Array<{ id: string }> };
    const published = await fetch(`${base}/plan-versions/${plan.versions[0]!.id}/publish`, { method: 'POST', headers: auth(ops), body: JSON.stringify({ teamId: team.id }) });
    if (published.status !== 202) throw new Error(`publish failed: ${published.status} ${await published.text()}`);
    for (;;) {
      // Ready once the workflow has rendered the PDF and opened the rep's stage (it sets the deadline).
      const pending = await ds.getRepository(PlanAssignmentEntity).countBy({ status: 'pending_rep', nextDeadline: Not(IsNull()) });
      if (pending >= total) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    process.stdout.write(`set-up: ${total} reps, ${total} plan-acceptance workflows waiting, ${((performance.now() - setupStart) / 1000).toFixed(1)} s\n`);

    const assignments = await ds.getRepository(PlanAssignmentEntity).find({ select: { personId: true, id: true, workflowId: true } });
    const byPerson = new Map(assignments.map((x) => [x.personId, x]));
    const connection = await Connection.connect({ address: temporalAddress });
    stack.defer(() => connection.close());
    const client = new Client({ connection, namespace: config.temporal.namespace, dataConverter: quotaflowDataConverter(config.temporal.codecKeys) });

    for (const rep of reps) auth(rep);
    const viaApi = async (rep: PersonEntity): Promise<number> => {
      const t0 = performance.now();
      const res = await fetch(`${base}/plan-assignments/${byPerson.get(rep.id)!.id}/accept`, { method: 'POST', headers: { ...auth(rep), 'idempotency-key': `bench-api-${rep.id}` }, body: '{}' });
      const ms = performance.now() - t0;
      if (res.status !== 200) throw new Error(`API decision failed: ${res.status} ${await res.text()}`);
      const serverTotal = phasesOf(res.headers.get('server-timing'), phases[phaseGroup]);
      // Before the API's first middleware and after its answer's headers: connection, queueing, transfer.
      if (serverTotal !== undefined) addPhase(phases[phaseGroup], 'outside the API', ms - serverTotal);
      return ms;
    };
    // The same request the API sends (typed Update definition, the rep's stage, an idempotency key).
    const bare = async (rep: PersonEntity): Promise<number> => {
      const t0 = performance.now();
      await client.workflow.getHandle(byPerson.get(rep.id)!.workflowId).executeUpdate(decideUpdate, {
        args: [{ actorId: rep.id, actorRoles: ['rep'], decision: 'accept', stageId: REP_STAGE_ID, idempotencyKey: `bench-bare-${rep.id}` }], updateId: `bench-bare-${rep.id}`,
      });
      return performance.now() - t0;
    };
    // Each phase starts on a quiet system: the workflows decided so far have finished (their
    // records written, their emails sent), so neither path pays for the other's aftermath.
    const decided: string[] = [];
    const settle = async (group: PersonEntity[]): Promise<void> => {
      const finished = Promise.all(decided.splice(0).map((workflowId) => client.workflow.getHandle(workflowId).result()));
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([finished, new Promise((_, reject) => { timer = setTimeout(() => reject(new Error('the decided workflows did not finish within 2 minutes')), 120_000); })]).finally(() => clearTimeout(timer));
      for (;;) {
        const [{ unsent }] = (await ds.query(`SELECT count(*)::int AS unsent FROM email_outbox WHERE status <> 'sent'`)) as Array<{ unsent: number }>;
        if (unsent === 0) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      decided.push(...group.map((rep) => byPerson.get(rep.id)!.workflowId));
    };
    const together = async (group: PersonEntity[], path: (rep: PersonEntity) => Promise<number>): Promise<Figures> => {
      await settle(group);
      const t0 = performance.now();
      const samples = await Promise.all(group.map(path));
      return figures(samples, performance.now() - t0);
    };
    const oneByOne = async (group: PersonEntity[], path: (rep: PersonEntity) => Promise<number>): Promise<Figures> => {
      await settle(group);
      const t0 = performance.now();
      const samples: number[] = [];
      for (const rep of group) samples.push(await path(rep));
      return figures(samples, performance.now() - t0);
    };

    // The API's own account of each decision's time (its Server-Timing header), per phase.
    const phases: Record<'together' | 'alone', Map<string, number[]>> = { together: new Map(), alone: new Map() };
    let phaseGroup: 'together' | 'alone' = 'together';
    const runs: Array<{ api50: Figures; bare50: Figures; api1: Figures; bare1: Figures }> = [];
    for (let run = 0; run < RUNS; run++) {
      const mine = reps.slice(run * perRun, (run + 1) * perRun);
      const [g1, g2, g3, g4] = [mine.slice(0, CONCURRENCY), mine.slice(CONCURRENCY, 2 * CONCURRENCY), mine.slice(2 * CONCURRENCY, 2 * CONCURRENCY + SINGLE), mine.slice(2 * CONCURRENCY + SINGLE)];
      // Alternate which path goes first, so neither always meets a warmer or busier machine.
      const apiFirst = run % 2 === 0;
      const r: Partial<(typeof runs)[number]> = {};
      phaseGroup = 'together';
      if (apiFirst) { r.api50 = await together(g1, viaApi); r.bare50 = await together(g2, bare); } else { r.bare50 = await together(g2, bare); r.api50 = await together(g1, viaApi); }
      phaseGroup = 'alone';
      if (apiFirst) { r.api1 = await oneByOne(g3, viaApi); r.bare1 = await oneByOne(g4, bare); } else { r.bare1 = await oneByOne(g4, bare); r.api1 = await oneByOne(g3, viaApi); }
      runs.push(r as (typeof runs)[number]);
      const f = (x: Figures) => `${x.perSecond.toFixed(1)}/s p50 ${x.p50.toFixed(1)} p99 ${x.p99.toFixed(1)} ms`;
      process.stdout.write(`run ${run + 1}: ${CONCURRENCY} at once: API ${f(r.api50!)} | bare ${f(r.bare50!)};  one at a time: API ${f(r.api1!)} | bare ${f(r.bare1!)}\n`);
    }
    const m = (pick: (r: (typeof runs)[number]) => number) => median(runs.map(pick));
    const api50 = { perSecond: m((r) => r.api50.perSecond), p50: m((r) => r.api50.p50), p99: m((r) => r.api50.p99) };
    const bare50 = { perSecond: m((r) => r.bare50.perSecond), p50: m((r) => r.bare50.p50), p99: m((r) => r.bare50.p99) };
    const api1 = { perSecond: m((r) => r.api1.perSecond), p50: m((r) => r.api1.p50), p99: m((r) => r.api1.p99) };
    const bare1 = { perSecond: m((r) => r.bare1.perSecond), p50: m((r) => r.bare1.p50), p99: m((r) => r.bare1.p99) };
    const f = (x: number) => x.toFixed(1).padStart(8);
    process.stdout.write(`\nmedians of ${RUNS} runs (plan acceptance: the Update's validator, then the decision, its audit event and the inbox change in one transaction; emails follow)\n`);
    process.stdout.write(`path                          dec/s      p50      p99  (ms)\n`);
    process.stdout.write(`API, ${String(CONCURRENCY).padStart(2)} at once          ${f(api50.perSecond)} ${f(api50.p50)} ${f(api50.p99)}\n`);
    process.stdout.write(`bare Update, ${String(CONCURRENCY).padStart(2)} at once  ${f(bare50.perSecond)} ${f(bare50.p50)} ${f(bare50.p99)}\n`);
    process.stdout.write(`API, one at a time         ${f(api1.perSecond)} ${f(api1.p50)} ${f(api1.p99)}\n`);
    process.stdout.write(`bare Update, one at a time ${f(bare1.perSecond)} ${f(bare1.p50)} ${f(bare1.p99)}\n`);
    for (const [group, label] of [['together', `${CONCURRENCY} at once`], ['alone', 'one at a time']] as const) {
      const parts = [...phases[group]].map(([name, xs]) => `${name} ${median(xs).toFixed(1)}`).join(', ');
      process.stdout.write(`API phases, ${label} (its Server-Timing, median ms over every request): ${parts}\n`);
    }
    const throughputRatio = api50.perSecond / bare50.perSecond;
    const p99Ratio = api50.p99 / bare50.p99;
    const singleDelta = api1.p50 - bare1.p50;
    process.stdout.write(`goals: throughput API ÷ bare ≥ 0.90 (${throughputRatio.toFixed(2)}), p99 API ÷ bare ≤ 1.20 (${p99Ratio.toFixed(2)}), one approver p50 API − bare ≤ 15 ms (${singleDelta.toFixed(1)})\n`);
    process.stdout.write(`machine: ${cpus().length} cores; load before ${loadBefore}, after ${load()}\n`);
    process.stdout.write(`result: throughput_ratio=${throughputRatio.toFixed(2)} p99_ratio=${p99Ratio.toFixed(2)} single_p50_delta_ms=${singleDelta.toFixed(1)}\n`);
  } finally {
    await stack.close();
  }
}

main().then(() => process.exit(0), (e: unknown) => {
  process.stderr.write(`bench:approvals failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
