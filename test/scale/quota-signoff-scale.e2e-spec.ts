import { historyTree, summarise, type HistorySize } from '../../apps/cli/src/scale/histories';
import { call, runQuotaSignoff, type SignoffRun } from '../../apps/cli/src/scale/scale-driver';
import { expectHistoriesBounded, scaleApi, scaleStack, seedScaleOrganisation } from '../support/scale';

jest.setTimeout(600_000);

/**
 * History bytes per acknowledgement at 1,000 reps may exceed those at 100 by at most this share.
 * What it guards against is growth with N (every Update once answered with the whole set: 103 kB
 * each at 200 reps, several times the bytes per acknowledgement at 1,000 than at 100). How many
 * decisions share a recording batch depends on timing, and moves the figure by up to ~12% between
 * runs on a loaded machine (measured on CI: 1.03 to 1.12), so the bound leaves room for that.
 */
const PER_ACK_TOLERANCE = 0.25;
/**
 * The largest single payload: a step child loads its slice (at most 250 stages, ~680 bytes each)
 * and opens it in one activity, so payloads are bounded by the slice size, not the organisation.
 */
const MAX_PAYLOAD_BYTES = 256 * 1024;
/** The sign-off workflow's largest payload at 1,000 reps (its route: 10 team stages, finance, one delegated step). */
const MAX_PARENT_PAYLOAD_BYTES = 16 * 1024;
/** Reps acknowledging at once, as a morning of a quarter's sign-off would have them. */
const CONCURRENCY = 40;

/**
 * Quota sign-off of whole sales organisations through the API (issue 14): create, submit, every
 * team's manager and finance approve, every rep acknowledges (40 in flight), the set locks with
 * every acknowledgement recorded; the histories Temporal keeps stay bounded and grow linearly.
 * The worker runs as its own process, as in production (in this process it shared the event loop
 * with the API and 40 clients: workflow tasks passed their 10 s timeout and were replayed).
 */
describe('quota sign-off at scale', () => {
  const stack = scaleStack('quota-signoff-scale');

  async function signoff(reps: number, tag: string, period: { id: string; start: string; end: string }, concurrency = CONCURRENCY): Promise<{ run: SignoffRun; sizes: HistorySize[] }> {
    const { h, temporal } = stack;
    const org = await seedScaleOrganisation(h, reps, tag);
    const run = await runQuotaSignoff(scaleApi(h), org, { concurrency, period });
    if (run.acknowledged === null) {
      // A large set's view leaves its lines out: count the locked version's acknowledged lines in the database.
      const [row] = (await h.db.query(
        `SELECT count(*) FILTER (WHERE l.acknowledged_at IS NOT NULL)::int AS n FROM quota_lines l JOIN quota_set_versions v ON v.id = l.quota_set_version_id WHERE v.quota_set_id = $1 AND v.locked`,
        [run.quotaSetId],
      )) as Array<{ n: number }>;
      run.acknowledged = row!.n;
    }
    // The set is locked before its workflow has closed its books (tasks, handlers): measure the finished histories.
    await temporal.client.workflow.getHandle(run.workflowId).result();
    const sizes = await historyTree(temporal.client, run.workflowId);
    if (process.env.SCALE_REPORT === '1') process.stdout.write(`${reps} reps: ${JSON.stringify(run.timings)} ${JSON.stringify(summarise(sizes))}\n`);
    return { run, sizes };
  }

  function expectLockedWithEveryAcknowledgement(run: SignoffRun, reps: number, teams: number): void {
    expect({ status: run.status, acknowledged: run.acknowledged }).toEqual({ status: 'locked', acknowledged: reps });
    expect(run.acknowledgements).toEqual({ statuses: { 200: reps }, failures: [] });
    expect(run.approvals).toEqual({ statuses: { 200: teams + 1 }, failures: [] });
  }

  it('1,000 reps acknowledge at once (40 in flight): every one answers 200 and is recorded; history bytes per acknowledgement do not grow from 100 to 1,000 reps, nor does the sign-off’s own largest payload', async () => {
    // The same queue per step child at both sizes: 40 in flight over 1,000 reps' four children is
    // about 10 each, so the 100 reps (one child) acknowledge 10 at a time. Decisions that queue are
    // recorded together, so a deeper queue alone writes fewer events per acknowledgement (100 reps
    // at 40 in flight measured 4.1 kB against 4.4 kB at 1,000, and failed the bound once on CI).
    const small = await signoff(100, 's100', { id: '2026-Q1', start: '2026-01-01', end: '2026-03-31' }, CONCURRENCY / 4);
    const large = await signoff(1000, 's1000', { id: '2026-Q2', start: '2026-04-01', end: '2026-06-30' });
    expectLockedWithEveryAcknowledgement(small.run, 100, 1);
    expectLockedWithEveryAcknowledgement(large.run, 1000, 10);
    // The parent and its step children, every one of them completed; counted by Temporal itself.
    for (const { sizes } of [small, large]) {
      expect(sizes.map((s) => s.status).every((s) => s === 'COMPLETED')).toBe(true);
      expect(sizes.filter((s) => s.type === 'approvalStepWorkflow').length).toBeGreaterThan(0);
      expectHistoriesBounded(sizes);
    }
    const perAck = (sizes: HistorySize[], reps: number) => summarise(sizes).totalBytes / reps;
    const at100 = perAck(small.sizes, 100);
    const at1000 = perAck(large.sizes, 1000);
    expect(at100).toBeGreaterThan(0);
    expect(at1000).toBeLessThanOrEqual(at100 * (1 + PER_ACK_TOLERANCE));
    // No payload grows with the organisation (the set's status in every Update's answer was ~103 kB at 200 reps).
    for (const { sizes } of [small, large]) expect(summarise(sizes).largest!.payload.largestPayloadBytes).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
    // The parent's own payloads are bounded by its inline stages (10 teams here), not by its reps:
    // its route once carried every acknowledging rep's id (39 kB at 1,000 reps, 390 kB at 10,000).
    const parent = large.sizes.find((s) => s.type === 'quotaSignoffWorkflow')!;
    expect(parent.largestPayloadBytes).toBeLessThanOrEqual(MAX_PARENT_PAYLOAD_BYTES);
  });

  it('1,500 reps: every acknowledgement succeeds and is recorded, the set locks, no history above 10,000 events or 10 MB', async () => {
    const { h } = stack;
    const { run, sizes } = await signoff(1500, 's1500', { id: '2026-Q3', start: '2026-07-01', end: '2026-09-30' });
    expectLockedWithEveryAcknowledgement(run, 1500, 15);
    const [row] = (await h.db.query(
      `SELECT count(*)::int AS n FROM approval_decisions WHERE subject = $1 AND stage LIKE 'acknowledge:%'`, [`quota-set:${run.quotaSetId}`],
    )) as Array<{ n: number }>;
    expect(row!.n).toBe(1500);
    expect(sizes.filter((s) => s.type === 'approvalStepWorkflow').length).toBeGreaterThanOrEqual(6); // 1,500 acknowledgements in slices of 250
    expectHistoriesBounded(sizes);
    expect(summarise(sizes).largest!.payload.largestPayloadBytes).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);

    // The auditor walks the whole trail by cursor (pages of 1,000: no event skipped or repeated) and exports it as streamed CSV.
    const api = scaleApi(h);
    const auditor = { id: h.org.auditor.id, name: h.org.auditor.name, email: h.org.auditor.email, roles: h.org.auditor.roles };
    const subject = `quota-set:${run.quotaSetId}`;
    const ids: string[] = [];
    let path: string | undefined = `/api/v1/audit?subject=${subject}&limit=1000`;
    while (path) {
      const page = await call(api, 'GET', path, auditor);
      expect(page.status).toBe(200);
      ids.push(...(page.body.events as Array<{ id: string }>).map((e) => e.id));
      path = page.body.links?.next;
    }
    const [trail] = (await h.db.query(`SELECT count(*)::int AS n FROM audit_events WHERE subject = $1`, [subject])) as Array<{ n: number }>;
    expect(ids.length).toBe(trail!.n);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBeGreaterThan(1500);
    const csv = await fetch(`${h.baseUrl}/api/v1/audit/trace/${subject}?format=csv`, { headers: { authorization: `Bearer ${api.token(auditor)}` } });
    expect([csv.status, csv.headers.get('content-type')]).toEqual([200, 'text/csv; charset=utf-8']);
    const lines = (await csv.text()).split('\r\n').filter((l) => l !== '');
    expect(lines.length).toBe(trail!.n + 1);
    expect(lines.filter((l) => l.includes(',quota-set.acknowledged,')).length).toBe(1500);
  }, 1_500_000);
});
