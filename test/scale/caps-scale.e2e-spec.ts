import { seedBulkTerritories } from '../../apps/cli/src/scale/bulk-organisation';
import { call } from '../../apps/cli/src/scale/scale-driver';
import { eventually, startHarness, type Harness } from '../e2e/harness';
import { scaleApi, seedScaleOrganisation } from '../support/scale';

jest.setTimeout(300_000);

/**
 * No small caps in place of scale (issue 14): a quota set of 20,000 lines is taken and checked as
 * a whole (a bad line at the end is named), one more line is refused; a territory change of
 * 10,000 accounts is requested, its impact computed and routed.
 */
describe('sizes an organisation needs', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness('caps-scale');
  });

  afterAll(async () => {
    await h?.close();
  });

  it('a quota set of 20,000 lines is accepted and validated as a whole; 20,001 is refused with the field', async () => {
    const org = await seedScaleOrganisation(h, 20_000, 'q20k', 200);
    const api = scaleApi(h);
    const body = {
      periodId: '2027', periodStart: '2027-01-01', periodEnd: '2027-12-31', companyTarget: '2000000000.00',
      teamTargets: Object.fromEntries(org.teams.map((t) => [t.id, `${t.reps.length * 100000}.00`])),
      quotas: org.reps.map((r) => ({ personId: r.id, amount: '100000.00' })),
    };
    // The whole set is checked: the last line's mistake is found and named.
    const twice = await call(api, 'POST', '/api/v1/quota-sets', org.ops, { ...body, quotas: [...body.quotas.slice(0, 19_999), { ...body.quotas[0]! }] });
    expect([twice.status, twice.body.code, twice.body.details.field]).toEqual([400, 'VALIDATION.FAILED', 'quotas[19999].personId']);
    const tooMany = await call(api, 'POST', '/api/v1/quota-sets', org.ops, { ...body, quotas: [...body.quotas, { personId: org.ops.id, amount: '1.00' }] });
    expect([tooMany.status, tooMany.body.code]).toEqual([400, 'VALIDATION.FAILED']);
    expect(JSON.stringify(tooMany.body.details)).toContain('quotas');

    const created = await call(api, 'POST', '/api/v1/quota-sets', org.ops, body);
    expect([created.status, created.body.status, created.body.currentVersion]).toEqual([201, 'draft', 1]);
    const [lines] = (await h.db.query(
      `SELECT count(*)::int AS n FROM quota_lines l JOIN quota_set_versions v ON v.id = l.quota_set_version_id WHERE v.quota_set_id = $1`, [created.body.id],
    )) as Array<{ n: number }>;
    expect(lines!.n).toBe(20_000);
  });

  it('a territory change of 10,000 accounts is requested, its impact computed and its approvals routed', async () => {
    const org = await seedScaleOrganisation(h, 4, 't10k', 2);
    const territories = await seedBulkTerritories(h.db, org, { accounts: 10_000, tag: 't10k' });
    const api = scaleApi(h);
    const [from, to] = org.teams;
    const requested = await call(api, 'POST', '/api/v1/territory-changes', from!.manager, {
      fromTerritoryId: territories.fromTerritoryId, toTerritoryId: territories.toTerritoryId, accountIds: territories.accountIds,
      effectiveDate: new Date().toISOString().slice(0, 10), reason: 'The whole territory moves',
    });
    expect(requested.status).toBe(202);
    const inReview = await eventually(async () => {
      const view = await call(api, 'GET', `/api/v1/territory-changes/${requested.body.id}`, org.ops);
      return view.body?.status === 'in_review' ? view.body : undefined;
    }, 'the impact computed and the approvals routed', 120_000);
    expect(inReview.impact).toMatchObject({ revenueMoved: '0.00' });
    expect(inReview.stages.map((s: { id: string; approverIds: string[] }) => [s.id, s.approverIds])).toEqual(
      expect.arrayContaining([['territory-managers', [to!.manager.id]]]),
    );
    // Every moving account, page by page (cursor-paginated).
    const seen = new Set<string>();
    let path: string | undefined = `/api/v1/territory-changes/${requested.body.id}/accounts?limit=5000`;
    while (path) {
      const page = await call(api, 'GET', path, org.ops);
      expect(page.status).toBe(200);
      for (const a of page.body.accounts as Array<{ accountId: string }>) seen.add(a.accountId);
      path = page.body.links.next;
    }
    expect(seen.size).toBe(10_000);
    expect(territories.accountIds.every((id) => seen.has(id))).toBe(true);
  });
});
