/**
 * End-to-end harness: a fresh database cloned from the migrated template, the shared
 * Temporal dev server (own task queue), a real SMTP server, the worker and the API in
 * this process — driven over HTTP like a person would.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { AppConfig, loadConfig, mintToken } from '@quotaflow/config';
import { createDataSource, PersonEntity, TeamEntity } from '@quotaflow/persistence';
import { DataSource } from 'typeorm';
import { createApiApp } from '../../apps/api/src/app.factory';
import { createWorker, type CreateWorkerOptions, type RunningWorker } from '../../apps/worker/src/worker';
import { createTestDatabase, type TestPostgresServer } from '../support/database';
import { TEST_JWT_SECRET, TEST_SECRET_ENV } from '../support/secrets';
import { startSmtpSink, type SmtpSink } from '../support/smtp';
import { uniqueTaskQueue } from '../support/temporal';

export const JWT_SECRET = TEST_JWT_SECRET;

export interface Org {
  team: TeamEntity;
  otherTeam: TeamEntity;
  admin: PersonEntity; ops: PersonEntity; finance: PersonEntity; auditor: PersonEntity;
  manager: PersonEntity; otherManager: PersonEntity;
  rep: PersonEntity; otherRep: PersonEntity; farRep: PersonEntity;
}

export interface Harness {
  config: AppConfig;
  baseUrl: string;
  db: DataSource;
  smtp: SmtpSink;
  org: Org;
  token(p: PersonEntity): string;
  // Response bodies are whatever JSON the API returned; the tests assert their shape.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  http(method: string, path: string, opts?: { as?: PersonEntity; body?: unknown; headers?: Record<string, string>; raw?: string }): Promise<{ status: number; body: any; headers: Headers }>;
  /** A worker on the harness's task queue; `workflowBundle`: other workflow code (e.g. an older generation's). */
  startWorker(options?: Pick<CreateWorkerOptions, 'workflowBundle'>): Promise<RunningWorker>;
  stopWorker(): Promise<void>;
  close(): Promise<void>;
  env: Record<string, string>;
}

export async function eventually<T>(fn: () => Promise<T | undefined | null | false>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

async function seedOrg(ds: DataSource): Promise<Org> {
  const teams = ds.getRepository(TeamEntity);
  const people = ds.getRepository(PersonEntity);
  const person = (name: string, roles: PersonEntity['roles'], extra: Partial<PersonEntity> = {}) =>
    people.save(people.create({ name, email: `${name.toLowerCase().replace(/\s+/g, '.')}@e2e.test`, roles, active: true, teamId: null, managerId: null, attributes: {}, ...extra }));
  const admin = await person('Ada Admin', ['admin']);
  const ops = await person('Omar Ops', ['ops']);
  const finance = await person('Fay Finance', ['finance']);
  const auditor = await person('Aud Itor', ['auditor']);
  const team = await teams.save(teams.create({ name: 'West' }));
  const otherTeam = await teams.save(teams.create({ name: 'East' }));
  const manager = await person('Mia Manager', ['manager'], { teamId: team.id });
  const otherManager = await person('Max Manager', ['manager'], { teamId: otherTeam.id });
  await teams.update({ id: team.id }, { managerId: manager.id });
  await teams.update({ id: otherTeam.id }, { managerId: otherManager.id });
  const rep = await person('Rita Rep', ['rep'], { teamId: team.id, managerId: manager.id, attributes: { annualQuota: '480000.00' } });
  const otherRep = await person('Ravi Rep', ['rep'], { teamId: team.id, managerId: manager.id });
  const farRep = await person('Rosa Rep', ['rep'], { teamId: otherTeam.id, managerId: otherManager.id });
  return { team, otherTeam, admin, ops, finance, auditor, manager, otherManager, rep, otherRep, farRep };
}

export interface HarnessOptions {
  inProcessWorker?: boolean;
  /** Variables on top of the harness's own (e.g. `TRUST_PROXY`, `RATE_LIMIT_PER_MINUTE`). */
  env?: Record<string, string>;
  /** A PostgreSQL server of the test's own instead of the shared one (test/faults restarts it). */
  postgres?: TestPostgresServer;
  /** A Temporal server of the test's own instead of the shared one (test/faults restarts it). */
  temporalAddress?: string;
}

/**
 * The API and the worker log in as the application's own database user (`database.url`, not a
 * superuser, owns nothing); `h.db` is the owner (the server's superuser) for set-up and for
 * tampering on purpose. Secrets come from test/support/secrets.ts (one codec key for all).
 * Rate limits are set high (tests poll); a test of the limits sets its own through `env`.
 */
export async function startHarness(name: string, options: HarnessOptions = {}): Promise<Harness> {
  const database = await createTestDatabase(options.postgres);
  const smtp = await startSmtpSink();
  const checkpointDir = mkdtempSync(join(tmpdir(), 'quotaflow-audit-'));
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    PORT: '3000',
    DATABASE_URL: database.url,
    DATABASE_MIGRATION_URL: database.ownerUrl,
    TEMPORAL_ADDRESS: options.temporalAddress ?? process.env.TEMPORAL_ADDRESS!,
    TEMPORAL_TASK_QUEUE: uniqueTaskQueue(name),
    SMTP_URL: smtp.url,
    MAIL_FROM: 'Quotaflow <no-reply@quotaflow.test>',
    ...TEST_SECRET_ENV,
    AUDIT_CHECKPOINT_DIR: checkpointDir,
    RATE_LIMIT_PER_MINUTE: '1000000',
    AUTH_FAILURES_PER_MINUTE: '1000000',
    ...(options.env ?? {}),
  };
  const config = loadConfig(env);
  const owner = await createDataSource(config.database, { role: 'owner' }).initialize();
  const org = await seedOrg(owner);
  let worker: RunningWorker | undefined;
  const startWorker = async (workerOptions: Pick<CreateWorkerOptions, 'workflowBundle'> = {}) => {
    if (worker) await worker.shutdown(); // one worker at a time on the harness's queue
    worker = await createWorker({ config, ...workerOptions });
    return worker;
  };
  const stopWorker = async () => {
    if (worker) await worker.shutdown();
    worker = undefined;
  };
  if (options.inProcessWorker !== false) await startWorker();
  const app: INestApplication = await createApiApp(config, { logger: false });
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  const baseUrl = `http://127.0.0.1:${address.port}`;
  const token = (p: PersonEntity) => mintToken(config.auth, p);
  const http: Harness['http'] = async (method, path, opts = {}) => {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (opts.as) headers.authorization = `Bearer ${token(opts.as)}`;
    let body: string | undefined = opts.raw;
    if (opts.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(opts.body);
    }
    if (opts.raw !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${baseUrl}${path}`, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    try { parsed = text ? JSON.parse(text) : undefined; } catch { /* not JSON */ }
    return { status: res.status, body: parsed, headers: res.headers };
  };
  return {
    config, baseUrl, db: owner, smtp, org, token, http, startWorker, stopWorker, env,
    async close() {
      await app.close();
      await stopWorker();
      await owner.destroy();
      await smtp.stop();
      await database.drop();
      rmSync(checkpointDir, { recursive: true, force: true });
    },
  };
}

/** A small valid plan of the plan language: graduated commission on attainment, a bonus, a draw. */
export function aePlanDocument(id = 'ae-2026') {
  return {
    id,
    components: [
      {
        id: 'commission', kind: 'commission', types: ['revenue'], window: 'run', basis: 'attainment',
        table: { split: 'step', tiers: [{ from: 0, rate: '0.04' }, { from: 0.5, rate: '0.06' }, { from: 1, rate: '0.09' }] },
      },
      { id: 'kicker', kind: 'bonus', of: 'commission', rate: '0.05' },
    ],
  };
}

/**
 * Creates a plan, publishes it to `person` with `quota` and waits until the workflow has
 * rendered and sent the document (the rep's decision is open). Returns the ids.
 */
export async function publishPlanTo(h: Harness, person: PersonEntity, quota: string, key = `ae-${Math.random().toString(36).slice(2, 8)}`): Promise<{ assignmentId: string; workflowId: string }> {
  const created = await h.http('POST', '/api/v1/plans', {
    as: h.org.ops,
    body: { key, name: 'Account Executive 2026', periodLabel: 'FY2026', effectiveFrom: '2026-01-01', document: aePlanDocument(key) },
  });
  if (created.status !== 201) throw new Error(`plan not created: ${created.status} ${JSON.stringify(created.body)}`);
  const published = await h.http('POST', `/api/v1/plan-versions/${created.body.versions[0].id}/publish`, { as: h.org.ops, body: { personIds: [person.id], quotas: { [person.id]: quota } } });
  if (published.status !== 202) throw new Error(`not published: ${published.status} ${JSON.stringify(published.body)}`);
  const { assignmentId, workflowId } = published.body.assignments[0] as { assignmentId: string; workflowId: string };
  await eventually(async () => {
    const view = await h.http('GET', `/api/v1/plan-assignments/${assignmentId}`, { as: person });
    return view.body?.status === 'pending_rep' && view.body?.nextDeadline;
  }, 'the plan document sent and the rep decision open', 60_000);
  return { assignmentId, workflowId };
}
