/**
 * Drives a whole organisation through the API as its people would (one token each, bounded
 * concurrency): a quota sign-off from proposal to lock, a plan published until every invite is
 * sent. Shared by `npm run bench:scale` (which times it) and the scale tests (which assert on it).
 */
import type { ScaleOrganisation, ScalePerson } from './bulk-organisation';

export interface ScaleApi {
  /** e.g. http://127.0.0.1:3000 (the API's origin; paths start with /api/v1). */
  baseUrl: string;
  token(person: ScalePerson): string;
}

export interface ApiAnswer {
  status: number;
  // The API's JSON answers; the callers read the fields they need.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

export async function call(api: ScaleApi, method: string, path: string, as: ScalePerson, body?: unknown, headers: Record<string, string> = {}): Promise<ApiAnswer> {
  const res = await fetch(`${api.baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${api.token(as)}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON */
  }
  return { status: res.status, body: parsed };
}

/** Runs `fn` over `items` with at most `concurrency` in flight. */
export async function inPool<T>(items: readonly T[], concurrency: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `fn` answers something truthy; throws after `timeoutMs`. */
export async function until<T>(fn: () => Promise<T | undefined | null | false>, what: string, timeoutMs: number, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await pause(everyMs);
  }
}

interface InboxTask { id: string; subject: string; stage: { id: string } }

/** The person's open task on `subject` whose stage starts with `stagePrefix` (waits for the workflow to open it). */
export async function openTask(api: ScaleApi, person: ScalePerson, subject: string, stagePrefix: string, timeoutMs: number): Promise<InboxTask> {
  return until(async () => {
    const inbox = await call(api, 'GET', '/api/v1/me/approvals?limit=50', person);
    if (inbox.status !== 200) throw new Error(`inbox of ${person.name}: ${inbox.status} ${JSON.stringify(inbox.body)}`);
    return (inbox.body.tasks as InboxTask[]).find((t) => t.subject === subject && t.stage.id.startsWith(stagePrefix));
  }, `${person.name}'s ${stagePrefix} task on ${subject}`, timeoutMs, 200);
}

export interface DecisionTally {
  /** HTTP status → how many decisions answered it. */
  statuses: Record<number, number>;
  /** The first few answers other than 200, for the report. */
  failures: Array<{ person: string; status: number; code?: string; message?: string }>;
}

function tally(): DecisionTally {
  return { statuses: {}, failures: [] };
}

async function decide(api: ScaleApi, person: ScalePerson, task: InboxTask, decision: string, into: DecisionTally): Promise<void> {
  const res = await call(api, 'POST', `/api/v1/approvals/${task.id}/decisions`, person, { decision }, { 'Idempotency-Key': `scale-${task.id}` });
  into.statuses[res.status] = (into.statuses[res.status] ?? 0) + 1;
  if (res.status !== 200 && into.failures.length < 20) into.failures.push({ person: person.name, status: res.status, code: res.body?.code, message: res.body?.message });
}

export interface SignoffRun {
  quotaSetId: string;
  workflowId: string;
  status: string;
  /** Lines of the locked version acknowledged, from the set's view; null when the view leaves a large set's lines out (count them in SQL). */
  acknowledged: number | null;
  /** Decisions of managers and finance. */
  approvals: DecisionTally;
  acknowledgements: DecisionTally;
  /** Milliseconds from the first request to each point. */
  timings: { created: number; submitted: number; approved: number; acknowledged: number; locked: number };
}

const money = (units: bigint) => `${units.toString()}.00`;

/**
 * A quota sign-off end to end through the API: ops proposes a set with one line per rep and
 * submits it; every team's manager approves, then finance; every rep acknowledges (at most
 * `concurrency` in flight, each finding the task in their inbox); then waits for `locked`.
 */
export async function runQuotaSignoff(api: ScaleApi, org: ScaleOrganisation, options: { concurrency: number; period?: { id: string; start: string; end: string }; timeoutMs?: number }): Promise<SignoffRun> {
  const t0 = performance.now();
  const since = () => Math.round(performance.now() - t0);
  const timeoutMs = options.timeoutMs ?? 600_000;
  const perRep = 100000n;
  const body = {
    periodId: options.period?.id ?? '2026-Q1', periodStart: options.period?.start ?? '2026-01-01', periodEnd: options.period?.end ?? '2026-03-31',
    companyTarget: money(perRep * BigInt(org.reps.length)),
    teamTargets: Object.fromEntries(org.teams.map((t) => [t.id, money(perRep * BigInt(t.reps.length))])),
    quotas: org.reps.map((r) => ({ personId: r.id, amount: money(perRep) })),
  };
  const created = await call(api, 'POST', '/api/v1/quota-sets', org.ops, body);
  if (created.status !== 201) throw new Error(`quota set not created: ${created.status} ${JSON.stringify(created.body).slice(0, 500)}`);
  const quotaSetId = created.body.id as string;
  const subject = `quota-set:${quotaSetId}`;
  const timings = { created: since(), submitted: 0, approved: 0, acknowledged: 0, locked: 0 };
  const submitted = await call(api, 'POST', `/api/v1/quota-sets/${quotaSetId}/submit`, org.ops);
  if (submitted.status !== 202) throw new Error(`quota set not submitted: ${submitted.status} ${JSON.stringify(submitted.body)}`);
  timings.submitted = since();

  const approvals = tally();
  await inPool(org.teams, options.concurrency, async (team) => decide(api, team.manager, await openTask(api, team.manager, subject, 'team:', timeoutMs), 'approve', approvals));
  await decide(api, org.finance, await openTask(api, org.finance, subject, 'finance', timeoutMs), 'approve', approvals);
  timings.approved = since();

  const acknowledgements = tally();
  await inPool(org.reps, options.concurrency, async (rep) => decide(api, rep, await openTask(api, rep, subject, 'acknowledge:', timeoutMs), 'acknowledge', acknowledgements));
  timings.acknowledged = since();

  const final = await until(async () => {
    const view = await call(api, 'GET', `/api/v1/quota-sets/${quotaSetId}`, org.ops);
    return view.body?.status === 'locked' || view.body?.status === 'failed' ? view.body : undefined;
  }, `quota set ${quotaSetId} locked`, timeoutMs, 500);
  timings.locked = since();
  const locked = (final.versions as Array<{ locked: boolean; lines: Array<{ acknowledgedAt: string | null }> | null }>).find((v) => v.locked);
  return {
    quotaSetId,
    workflowId: final.workflowId ?? `quota-signoff:${quotaSetId}`,
    status: final.status,
    acknowledged: !locked ? 0 : locked.lines ? locked.lines.filter((l) => l.acknowledgedAt !== null).length : null,
    approvals,
    acknowledgements,
    timings,
  };
}

export interface PublishRun {
  publishId: string;
  workflowId: string;
  progress: { targets: number; created: number; started: number; invited: number };
  timings: { answered: number; invited: number };
}

/** Creates a plan and publishes it to every rep of the organisation; waits until every invite is sent. */
export async function runPublish(api: ScaleApi, org: ScaleOrganisation, options: { key: string; timeoutMs?: number }): Promise<PublishRun> {
  const plan = await call(api, 'POST', '/api/v1/plans', org.ops, {
    key: options.key, name: `Scale plan ${options.key}`, periodLabel: 'FY2026', effectiveFrom: '2026-01-01',
    document: { id: options.key, components: [{ id: 'c', kind: 'commission', table: { split: 'step', tiers: [{ from: 0, rate: '0.05' }] } }] },
  });
  if (plan.status !== 201) throw new Error(`plan not created: ${plan.status} ${JSON.stringify(plan.body)}`);
  const t0 = performance.now();
  const published = await call(api, 'POST', `/api/v1/plan-versions/${plan.body.versions[0].id}/publish`, org.ops, { personIds: org.reps.map((r) => r.id) });
  if (published.status !== 202) throw new Error(`not published: ${published.status} ${JSON.stringify(published.body).slice(0, 500)}`);
  const answered = Math.round(performance.now() - t0);
  const publishId = published.body.id as string;
  const view = await until(async () => {
    const res = await call(api, 'GET', `/api/v1/publishes/${publishId}`, org.ops);
    if (res.status !== 200) throw new Error(`publish view: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.progress.invited >= org.reps.length ? res.body : undefined;
  }, `every invite of publish ${publishId} sent`, options.timeoutMs ?? 900_000, 500);
  return {
    publishId,
    workflowId: published.body.workflowId,
    progress: view.progress,
    timings: { answered, invited: Math.round(performance.now() - t0) },
  };
}

export interface TerritoryRun {
  changeId: string;
  workflowId: string;
  status: string;
  accountsMoved: number;
  timings: { requested: number; applied: number };
}

/**
 * A territory change of every account of `fromTerritoryId` to `toTerritoryId`, requested by the
 * losing team's manager, approved by the gaining team's manager and ops; waits until applied.
 */
export async function runTerritoryChange(
  api: ScaleApi, org: ScaleOrganisation, t: { fromTerritoryId: string; toTerritoryId: string; accountIds: string[] }, options: { timeoutMs?: number } = {},
): Promise<TerritoryRun> {
  const [from, to] = org.teams;
  const t0 = performance.now();
  const today = new Date().toISOString().slice(0, 10);
  const requested = await call(api, 'POST', '/api/v1/territory-changes', from!.manager, {
    fromTerritoryId: t.fromTerritoryId, toTerritoryId: t.toTerritoryId, accountIds: t.accountIds, effectiveDate: today, reason: 'Scale: the whole territory moves',
  });
  if (requested.status !== 202) throw new Error(`territory change not requested: ${requested.status} ${JSON.stringify(requested.body).slice(0, 500)}`);
  const requestedMs = Math.round(performance.now() - t0);
  const changeId = requested.body.id as string;
  const subject = `territory-change:${changeId}`;
  const timeoutMs = options.timeoutMs ?? 600_000;
  const tally: DecisionTally = { statuses: {}, failures: [] };
  await decide(api, to!.manager, await openTask(api, to!.manager, subject, 'territory-managers', timeoutMs), 'approve', tally);
  await decide(api, org.ops, await openTask(api, org.ops, subject, 'ops', timeoutMs), 'approve', tally);
  if (tally.statuses[200] !== 2) throw new Error(`territory approvals: ${JSON.stringify(tally)}`);
  const final = await until(async () => {
    const view = await call(api, 'GET', `/api/v1/territory-changes/${changeId}`, org.ops);
    return ['applied', 'failed', 'rejected', 'cancelled'].includes(view.body?.status) ? view.body : undefined;
  }, `territory change ${changeId} applied`, timeoutMs, 500);
  const [moved] = [t.accountIds.length];
  return { changeId, workflowId: final.workflowId ?? `territory-change:${changeId}`, status: final.status, accountsMoved: moved ?? 0, timings: { requested: requestedMs, applied: Math.round(performance.now() - t0) } };
}
