/**
 * End-to-end harness: a fresh database cloned from the migrated template, the shared
 * Temporal dev server (own task queue), a real SMTP server, the worker and the API in
 * this process — driven over HTTP like a person would.
 */
import type { INestApplication } from '@nestjs/common';
import { AppConfig, loadConfig, mintToken } from '@quotaflow/config';
import { createDataSource, PersonEntity, TeamEntity } from '@quotaflow/persistence';
import { DataSource } from 'typeorm';
import { createApiApp } from '../../apps/api/src/app.factory';
import { createWorker, type RunningWorker } from '../../apps/worker/src/worker';
import { createTestDatabase } from '../support/database';
import { startSmtpSink, type SmtpSink } from '../support/smtp';
import { uniqueTaskQueue } from '../support/temporal';

export const JWT_SECRET = 'e2e-secret-which-is-long-enough-0123456789';

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
  startWorker(): Promise<RunningWorker>;
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

export async function startHarness(name: string, options: { inProcessWorker?: boolean; env?: Record<string, string> } = {}): Promise<Harness> {
  const database = await createTestDatabase();
  const smtp = await startSmtpSink();
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    PORT: '3000',
    DATABASE_URL: database.url,
    TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS!,
    TEMPORAL_TASK_QUEUE: uniqueTaskQueue(name),
    SMTP_URL: smtp.url,
    MAIL_FROM: 'Quotaflow <no-reply@quotaflow.test>',
    JWT_SECRET,
    ...(options.env ?? {}),
  };
  const config = loadConfig(env, ['http', 'database', 'temporal', 'mail', 'auth']);
  const owner = await createDataSource(config.database, { role: 'owner' }).initialize();
  const org = await seedOrg(owner);
  let worker: RunningWorker | undefined;
  const startWorker = async () => {
    worker = await createWorker({ config });
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
