/**
 * `npm run bench:close -- --reps 1000 [--workers 1,2]` — the whole monthly close at a size (not a
 * test; prints figures). A generated organisation (teams of 100, each with a manager; two finance
 * people; ops), every rep on one accepted attainment plan with a locked monthly quota and three won
 * deals in the month; then, once per worker count, a month's close through the API: finance starts
 * it, every team manager approves (40 in flight), the other finance person, then ops; every rep's
 * statement is rendered and emailed; closed. Phases from the close's own audit events (server
 * clocks): freeze, calculation, approvals, statements (PDFs and emails, which overlap), total (from
 * the POST to `closed` seen over HTTP).
 *
 * Baselines measured in the same run, medians of several: a bare pdfkit render of one statement's
 * text, the same PDF sent by a bare pooled nodemailer transport to the same SMTP catcher, and the
 * engine alone (`calculateBatch` over the close's own snapshot, in the close's batches, one
 * process). The last line:
 * `result: total_s=… statement_ratio=… calc_ratio=… max_history_events=… two_worker_speedup=…`.
 */
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import PDFDocument from 'pdfkit';
import { connect, type Socket } from 'node:net';
import { createTransport, type Transporter } from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool';
import { mintToken } from '@quotaflow/config';
import { calculateBatch, closeBatchInput, decSum, explainParticipantPeriod, monthPeriod, type CloseSnapshotContent, type ParticipantPeriodOutput, type QuotaSet } from '@quotaflow/domain';
import { createDataSource, QuotaSetEntity, QuotaSetRepository } from '@quotaflow/persistence';
import { quotaflowDataConverter } from '@quotaflow/temporal-codec';
import { CLOSE_BATCH_SIZE } from '@quotaflow/workflows';
import { Client, Connection } from '@temporalio/client';
import type { DataSource } from 'typeorm';
import { renderStatementPdf } from '../../worker/src/close/statement.renderer';
import { startBenchStack } from './bench/bench-stack';
import { seedBulkOrganisation, type ScaleOrganisation, type ScalePerson } from './scale/bulk-organisation';
import { historyTree, summarise } from './scale/histories';
import { call, inPool, openTask, until, type ScaleApi } from './scale/scale-driver';

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 40);
const BASELINE_RUNS = 15;
const ENGINE_RUNS = 3;
const DEALS_PER_REP = 3;
const TIMEOUT_MS = 3_600_000;
/** 5% up to the month's quota, 8% above (attainment of the locked monthly quota). */
const PLAN = {
  id: 'bench-close',
  components: [{ id: 'commission', kind: 'commission', window: 'period', basis: 'attainment', table: { split: 'step', tiers: [{ from: 0, rate: '0.05' }, { from: 1, rate: '0.08' }] } }],
};

const load = (): string => loadavg().map((x) => x.toFixed(2)).join(' ');
const seconds = (ms: number): string => (ms / 1000).toFixed(2);
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

function arg(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
}

function parseArgs(argv: string[]): { reps: number; workers: number[] } {
  const reps = Number(arg(argv, 'reps') ?? 1000);
  const workers = (arg(argv, 'workers') ?? '1,2').split(',').map((s) => Number(s.trim()));
  if (!Number.isInteger(reps) || reps < 2 || reps > 20000) throw new Error(`--reps takes one size between 2 and 20,000 (got ${arg(argv, 'reps')})`);
  if (workers.length === 0 || workers.length > 4 || workers.some((w) => !Number.isInteger(w) || w < 1 || w > 4)) throw new Error(`--workers takes 1 to 4 counts of 1..4, e.g. --workers 1,2`);
  return { reps, workers };
}

/** Peak resident memory of a process (Linux: VmHWM), in MB. */
function peakMb(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Every rep on the plan (accepted), in one statement. */
async function acceptPlan(ds: DataSource, org: ScaleOrganisation, planVersionId: string): Promise<void> {
  await ds.query(
    `INSERT INTO plan_assignments (plan_version_id, person_id, quota, status, settings, workflow_id, published_by_id, published_at, decided_at, effective_at)
     SELECT $1, r, NULL, 'accepted', '{"managerPreApproval":false,"reminderEveryDays":3,"escalateAfterDays":7,"expireAfterDays":14}'::jsonb,
            'plan-acceptance:bench-' || r, $2, '2025-12-15T09:00:00Z', '2025-12-16T09:00:00Z', '2026-01-01T00:00:00Z'
       FROM unnest($3::uuid[]) r`,
    [planVersionId, org.ops.id, org.reps.map((r) => r.id)],
  );
}

/** The month's inputs: a locked quota set (10,000.00 each) through the repository, and three won deals per rep with explicit credits. */
async function seedMonth(ds: DataSource, org: ScaleOrganisation, key: string, accountIds: string[]): Promise<void> {
  const month = monthPeriod(key);
  const quotas = org.teams.flatMap((t) => t.reps.map((r) => ({ personId: r.id, teamId: t.id, amount: '10000.00' })));
  const content: QuotaSet = {
    periodLabel: key, companyTarget: decSum(quotas.map((q) => q.amount)),
    teams: org.teams.map((t) => ({ teamId: t.id, target: decSum(quotas.filter((q) => q.teamId === t.id).map((q) => q.amount)) })), quotas,
  };
  const repository = new QuotaSetRepository(ds);
  await ds.transaction(async (m) => {
    const set = await m.save(m.create(QuotaSetEntity, { periodId: key, periodStart: month.start, periodEnd: month.end, companyTarget: content.companyTarget, status: 'in_review', currentVersion: 1, createdById: org.ops.id }));
    await repository.insertVersion(m, { quotaSetId: set.id, version: 1, reason: 'submission', createdById: org.ops.id, content, previous: [] });
    await repository.lock(m, { quotaSetId: set.id, version: 1, flagged: false, lockedAt: new Date(`${month.start}T00:00:00Z`), workflowId: `quota-signoff:bench-${key}` });
  });
  await ds.query(
    `INSERT INTO deals (account_id, external_id, name, amount, stage, close_date, currency, type, credits)
     SELECT ($1::uuid[])[1 + (r.n * $5 + d) % array_length($1::uuid[], 1)], format('B-%s-%s-%s', $2::text, r.n, d), format('Bench deal %s %s', r.n, d),
            (2000 + ((r.n * 7919 + d * 104729) % 6000))::numeric(18,2), 'won', $3::date + ((r.n + d) % 28)::int, 'USD', 'new',
            jsonb_build_array(jsonb_build_object('personId', r.id, 'share', '1'))
       FROM unnest($4::uuid[]) WITH ORDINALITY AS r(id, n), generate_series(1, $5::int) d`,
    [accountIds, key, month.start, org.reps.map((r) => r.id), DEALS_PER_REP],
  );
}

interface CloseRun {
  workers: number;
  key: string;
  periodId: string;
  totalMs: number;
  phases: { freeze: number; calculation: number; approvals: number; statements: number; pdfs: number; emails: number };
  statementsSent: number;
  approvalsBy: { managers: number; statuses: Record<number, number> };
  memory: Array<{ name: string; peakMb: number | undefined }>;
  maxHistory: { events: number; type: string; workflows: number };
  loadAfter: string;
}

async function runClose(api: ScaleApi, ds: DataSource, client: Client, org: ScaleOrganisation, approver: ScalePerson, key: string, workers: number): Promise<Omit<CloseRun, 'memory'>> {
  const created = await call(api, 'POST', '/api/v1/periods', org.ops, { key });
  if (created.status !== 201) throw new Error(`period ${key}: ${created.status} ${JSON.stringify(created.body)}`);
  const periodId = created.body.id as string;
  const subject = `close:${periodId}`;
  const t0 = performance.now();
  const started = await call(api, 'POST', `/api/v1/periods/${periodId}/close`, org.finance);
  if (started.status !== 202) throw new Error(`close ${key}: ${started.status} ${JSON.stringify(started.body)}`);
  const view = () => call(api, 'GET', `/api/v1/periods/${periodId}/close`, org.finance);

  await until(async () => {
    const v = await view();
    if (v.body.state === 'blocked' || v.body.state === 'failed') throw new Error(`close ${key} ${v.body.state}: ${JSON.stringify(v.body.exceptions?.slice(0, 3) ?? v.body.failure)}`);
    return v.body.state === 'in_review';
  }, `close ${key} in review`, TIMEOUT_MS);

  // The approvals, scripted through the API as the people would: every manager (40 in flight), finance, ops.
  const statuses: Record<number, number> = {};
  const decide = async (person: ScalePerson, stagePrefix: string): Promise<void> => {
    const task = await openTask(api, person, subject, stagePrefix, TIMEOUT_MS);
    const res = await call(api, 'POST', `/api/v1/approvals/${task.id}/decisions`, person, { decision: 'approve' }, { 'Idempotency-Key': `bench-${task.id}` });
    statuses[res.status] = (statuses[res.status] ?? 0) + 1;
    if (res.status !== 200) throw new Error(`${person.name} on ${stagePrefix}: ${res.status} ${JSON.stringify(res.body)}`);
  };
  await inPool(org.teams.map((t) => t.manager), CONCURRENCY, (m) => decide(m, 'team:'));
  await decide(approver, 'finance');
  await decide(org.ops, '');

  const closed = await until(async () => {
    const v = await view();
    if (v.body.state === 'failed') throw new Error(`close ${key} failed: ${JSON.stringify(v.body.failure)}`);
    return v.body.state === 'closed' ? v.body : undefined;
  }, `close ${key} closed`, TIMEOUT_MS, 200);
  const totalMs = performance.now() - t0;

  const events = (await ds.query(`SELECT action, occurred_at FROM audit_events WHERE subject = $1 ORDER BY id`, [subject])) as Array<{ action: string; occurred_at: Date }>;
  const at = (action: string, last = false) => {
    const hits = events.filter((e) => e.action === action);
    const e = last ? hits[hits.length - 1] : hits[0];
    if (!e) throw new Error(`no ${action} event on ${subject}`);
    return e.occurred_at.getTime();
  };
  const [pdf] = (await ds.query(`SELECT min(created_at) AS first, max(created_at) AS last FROM statements WHERE period_id = $1`, [periodId])) as Array<{ first: Date; last: Date }>;
  const [mail] = (await ds.query(
    `SELECT min(sent_at) AS first, max(sent_at) AS last, count(*) FILTER (WHERE status = 'sent')::int AS sent FROM email_outbox WHERE purpose LIKE $1`,
    [`close:${periodId}:statement:%`],
  )) as Array<{ first: Date; last: Date; sent: number }>;
  const lastApproval = at('period.approved', true);
  const sizes = await historyTree(client, `close:${periodId}`);
  const largest = summarise(sizes).largest?.events;
  return {
    workers, key, periodId, totalMs,
    phases: {
      freeze: at('period.frozen') - at('period.close-started'),
      calculation: at('period.calculated') - at('period.frozen'),
      approvals: lastApproval - at('period.calculated'),
      statements: at('period.closed') - lastApproval,
      pdfs: pdf!.last.getTime() - pdf!.first.getTime(),
      emails: mail!.last.getTime() - mail!.first.getTime(),
    },
    statementsSent: Math.min(mail!.sent, (closed as { statements: number }).statements),
    approvalsBy: { managers: org.teams.length, statuses },
    maxHistory: { events: largest?.events ?? 0, type: largest?.type ?? '', workflows: sizes.length },
    loadAfter: load(),
  };
}

/** The baseline pair: one statement's text rendered by pdfkit alone, and that PDF sent through a bare pooled nodemailer transport. */
async function barePair(ds: DataSource, smtpUrl: string, periodId: string): Promise<{ renderMs: number; sendMs: number; noDelayMs: number; rendererMs: number }> {
  const [row] = (await ds.query(
    `SELECT p.result, p.currency, pe.name, pe.email FROM payouts p JOIN people pe ON pe.id = p.person_id
      WHERE p.period_id = $1 ORDER BY p.person_id LIMIT 1`,
    [periodId],
  )) as Array<{ result: ParticipantPeriodOutput; currency: string; name: string; email: string }>;
  const lines = explainParticipantPeriod(row!.result, row!.currency);
  const bare = (): Promise<Buffer> =>
    new Promise((resolve, reject) => {
      const doc = new PDFDocument({ size: 'A4', margin: 50 });
      const chunks: Buffer[] = [];
      doc.on('data', (c: Buffer) => chunks.push(c));
      doc.on('end', () => resolve(Buffer.concat(chunks)));
      doc.on('error', reject);
      doc.fontSize(16).text(`Commission statement — ${row!.name}`);
      doc.fontSize(10);
      for (const line of lines) doc.text(line);
      doc.end();
    });
  const renderTimes: number[] = [];
  let pdf: Buffer = Buffer.alloc(0);
  for (let i = 0; i < BASELINE_RUNS; i++) {
    const t = performance.now();
    pdf = await bare();
    renderTimes.push(performance.now() - t);
  }
  const rendererTimes: number[] = [];
  for (let i = 0; i < BASELINE_RUNS; i++) {
    const t = performance.now();
    await renderStatementPdf({
      companyName: 'Bench', currency: row!.currency, repName: row!.name, title: null, managerName: null, planName: 'Bench close (version 1)', periodKey: '2026-01',
      periodStart: '2026-01-01', periodEnd: '2026-01-31', calculationVersion: 1, quota: '10000.00', result: row!.result, issuedAt: new Date(), payoutId: 'bench',
      adjustments: [], yearToDate: { paid: row!.result.payout },
    });
    rendererTimes.push(performance.now() - t);
  }
  const send = async (transport: Transporter): Promise<number> => {
    const times: number[] = [];
    try {
      for (let i = 0; i < BASELINE_RUNS; i++) {
        const t = performance.now();
        await transport.sendMail({ from: 'bench@quotaflow.local', to: row!.email, subject: 'Your commission statement (bench)', text: lines.join('\n'), attachments: [{ filename: 'statement.pdf', content: pdf, contentType: 'application/pdf' }] });
        times.push(performance.now() - t);
      }
    } finally {
      transport.close();
    }
    return median(times);
  };
  const sendMs = await send(createTransport(`${smtpUrl}${smtpUrl.includes('?') ? '&' : '?'}pool=true`));
  // The same with Nagle off on the client socket: on loopback the default waits for the peer's delayed ACK (~40 ms) per message.
  const url = new URL(smtpUrl);
  const noDelayMs = await send(createTransport({
    host: url.hostname, port: Number(url.port), secure: false, ignoreTLS: true, pool: true,
    getSocket: (_options: unknown, done: (error: Error | null, socket?: { connection: Socket }) => void) => {
      const socket = connect(Number(url.port), url.hostname);
      socket.setNoDelay(true);
      socket.once('connect', () => done(null, { connection: socket }));
      socket.once('error', (e) => done(e));
    },
  } as SMTPPool.Options));
  return { renderMs: median(renderTimes), sendMs, noDelayMs, rendererMs: median(rendererTimes) };
}

/** The engine alone over the close's own snapshot, in the close's batches, in this one process. */
async function engineAlone(ds: DataSource, periodId: string): Promise<{ ms: number; reps: number }> {
  const [row] = (await ds.query(`SELECT content FROM close_snapshots WHERE period_id = $1 ORDER BY created_at LIMIT 1`, [periodId])) as Array<{ content: CloseSnapshotContent }>;
  const content = row!.content;
  const times: number[] = [];
  let reps = 0;
  for (let run = 0; run < ENGINE_RUNS; run++) {
    const t = performance.now();
    reps = 0;
    for (let offset = 0; offset < content.participants.length; offset += CLOSE_BATCH_SIZE) {
      const out = calculateBatch(closeBatchInput(content, content.participants.slice(offset, offset + CLOSE_BATCH_SIZE)));
      reps += out.periods[0]?.participants.length ?? 0;
    }
    times.push(performance.now() - t);
  }
  return { ms: median(times), reps };
}

async function main(): Promise<void> {
  const { reps, workers } = parseArgs(process.argv.slice(2));
  const stack = await startBenchStack('bench-close');
  const { config, temporalAddress } = stack;
  try {
    const ds = await createDataSource(config.database, { role: 'owner' }).initialize();
    stack.defer(() => ds.destroy());
    const connection = await Connection.connect({ address: temporalAddress });
    stack.defer(() => connection.close());
    const client = new Client({ connection, namespace: config.temporal.namespace, dataConverter: quotaflowDataConverter(config.temporal.codecKeys) });

    process.stdout.write(`inputs: ${reps} reps (teams of 100, each with a manager), ${DEALS_PER_REP} won deals per rep per month, one attainment plan, a locked monthly quota each; worker processes ${workers.join(' then ')} (one month's close each); approvals through the API, ${CONCURRENCY} in flight; baselines: median of ${BASELINE_RUNS} (PDF, send), ${ENGINE_RUNS} (engine)\n`);
    process.stdout.write(`machine: ${cpus().length} cores; load before ${load()}\n`);
    const s0 = performance.now();
    const org = await seedBulkOrganisation(ds, { reps, tag: `c${reps}` });
    // A second finance person: the one who starts the close may not approve it.
    const [approverRow] = (await ds.query(`INSERT INTO people (name, email, roles, active, attributes) VALUES ('Bench Approver', 'approver.bench@scale.test', '{finance}', true, '{}') RETURNING id, name, email, roles`)) as ScalePerson[];
    const approver = approverRow!;
    const territory = (await ds.query(`INSERT INTO territories (name, team_id) VALUES ('Bench territory', $1) RETURNING id`, [org.teams[0]!.id])) as Array<{ id: string }>;
    const accounts = (await ds.query(
      `INSERT INTO accounts (name, territory_id) SELECT format('Bench account %s', g), $1::uuid FROM generate_series(1, $2::int) g RETURNING id`,
      [territory[0]!.id, Math.max(10, Math.ceil(reps / 10))],
    )) as Array<{ id: string }>;
    const keys = workers.map((_, i) => `2026-${String(i + 1).padStart(2, '0')}`);
    process.stdout.write(`seeded ${org.reps.length} reps in ${org.teams.length} teams in ${seconds(performance.now() - s0)} s\n`);

    const runs: CloseRun[] = [];
    let planSeeded = false;
    for (const [index, count] of workers.entries()) {
      const apps = await stack.startApps({ workers: count });
      const api: ScaleApi = { baseUrl: apps.origin, token: (p) => mintToken(config.auth, p) };
      if (!planSeeded) {
        const plan = await call(api, 'POST', '/api/v1/plans', org.ops, { key: 'bench-close', name: 'Bench close', periodLabel: 'FY2026', effectiveFrom: '2026-01-01', effectiveTo: '2026-12-31', document: PLAN });
        if (plan.status !== 201) throw new Error(`plan: ${plan.status} ${JSON.stringify(plan.body)}`);
        await acceptPlan(ds, org, plan.body.versions[0].id as string);
        planSeeded = true;
      }
      const m0 = performance.now();
      await seedMonth(ds, org, keys[index]!, accounts.map((a) => a.id));
      process.stdout.write(`\n${keys[index]} with ${count} worker process${count > 1 ? 'es' : ''}: inputs seeded in ${seconds(performance.now() - m0)} s; load ${load()}\n`);
      const run = await runClose(api, ds, client, org, approver, keys[index]!, count);
      const memory = apps.processes.map((p) => ({ name: p.name, peakMb: peakMb(p.pid) }));
      await apps.stop();
      runs.push({ ...run, memory });
      const p = run.phases;
      process.stdout.write(
        `  total ${seconds(run.totalMs)} s: freeze ${seconds(p.freeze)}, calculation ${seconds(p.calculation)}, approvals ${seconds(p.approvals)} (${run.approvalsBy.managers} managers, finance, ops: ${JSON.stringify(run.approvalsBy.statuses)}), ` +
          `statements ${seconds(p.statements)} (PDFs rendered over ${seconds(p.pdfs)}, emails sent over ${seconds(p.emails)}; they overlap)\n` +
          `  ${run.statementsSent} statements emailed, ${(run.statementsSent / (p.statements / 1000)).toFixed(1)} statements/s; peak memory ${memory.map((m) => `${m.name} ${m.peakMb?.toFixed(0) ?? '?'} MB`).join(', ')}; ` +
          `largest history ${run.maxHistory.events} events (${run.maxHistory.type}, ${run.maxHistory.workflows} workflows); load ${run.loadAfter}\n`,
      );
    }

    const first = runs[0]!;
    const pair = await barePair(ds, config.mail.smtpUrl!, first.periodId);
    const engine = await engineAlone(ds, first.periodId);
    const perStatementMs = first.phases.statements / first.statementsSent;
    // Against the faster bare send (Nagle off, as the worker's own transport sends): the stricter baseline.
    const statementRatio = perStatementMs / (pair.renderMs + pair.noDelayMs);
    const calcRatio = first.phases.calculation / engine.ms;
    const maxEvents = Math.max(...runs.map((r) => r.maxHistory.events));
    const two = runs.find((r) => r.workers === 2);
    const one = runs.find((r) => r.workers === 1);
    const speedup = one && two ? one.totalMs / two.totalMs : undefined;
    process.stdout.write(`\nbaselines (same run, ${first.key}'s data): bare pdfkit render ${pair.renderMs.toFixed(1)} ms, bare pooled nodemailer send ${pair.sendMs.toFixed(1)} ms, the same with TCP_NODELAY (as the worker sends) ${pair.noDelayMs.toFixed(1)} ms (pair ${(pair.renderMs + pair.noDelayMs).toFixed(1)} ms); the product's statement renderer alone ${pair.rendererMs.toFixed(1)} ms; engine alone ${seconds(engine.ms)} s for ${engine.reps} reps\n`);
    process.stdout.write(`per statement in the close (${first.workers} worker): ${perStatementMs.toFixed(1)} ms wall (statements phase ÷ statements; ${4} batches run at once) → ratio ${statementRatio.toFixed(2)}; calculation phase ${seconds(first.phases.calculation)} s ÷ engine ${seconds(engine.ms)} s → ratio ${calcRatio.toFixed(2)}\n`);
    if (speedup !== undefined) process.stdout.write(`two workers: total ${seconds(two!.totalMs)} s vs ${seconds(one!.totalMs)} s with one → speedup ${speedup.toFixed(2)} (approvals included)\n`);
    process.stdout.write(`goals: 10,000 reps end to end ≤ 120 s on 2 cores; statement ratio ≤ 3; calculation ratio ≤ 1.5; no history above 10,000 events\n`);
    process.stdout.write(`machine: ${cpus().length} cores; load after ${load()}\n`);
    process.stdout.write(
      `result: total_s=${(first.totalMs / 1000).toFixed(1)} statement_ratio=${statementRatio.toFixed(2)} calc_ratio=${calcRatio.toFixed(2)} max_history_events=${maxEvents} two_worker_speedup=${speedup !== undefined ? speedup.toFixed(2) : 'n/a'}\n`,
    );
  } finally {
    await stack.close();
  }
}

main().then(() => process.exit(0), (e: unknown) => {
  process.stderr.write(`bench:close failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
