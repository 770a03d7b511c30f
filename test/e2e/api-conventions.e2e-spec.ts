import { mintToken } from '@quotaflow/config';
import { PlanAssignmentEntity, PlanEntity } from '@quotaflow/persistence';
import { aePlanDocument, type Harness, startHarness } from './harness';

jest.setTimeout(120_000);

describe('API conventions: validation, coded errors, health, OpenAPI', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness('api-conventions');
  });
  afterAll(async () => {
    await h?.close();
  });

  it('/health reports the database, Temporal and SMTP', async () => {
    const r = await h.http('GET', '/health');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 'ok', checks: { database: { status: 'up' }, temporal: { status: 'up' }, smtp: { status: 'up' } } });
  });

  it('keeps a connection open 65 s idle and says so; every answer says where its time went (Server-Timing)', async () => {
    const r = await h.http('GET', '/health');
    expect(r.headers.get('keep-alive')).toBe('timeout=65');
    expect(r.headers.get('server-timing')).toMatch(/^total;dur=\d+\.\d$/);
    const refused = await h.http('GET', '/api/v1/me/plan-assignments');
    expect(refused.status).toBe(401);
    expect(refused.headers.get('server-timing')).toMatch(/^auth;dur=\d+\.\d, total;dur=\d+\.\d$/);
  });

  it('serves the OpenAPI document at /docs', async () => {
    const r = await h.http('GET', '/docs/openapi.json');
    expect(r.status).toBe(200);
    expect(Object.keys(r.body.paths)).toEqual(expect.arrayContaining(['/api/v1/plan-versions/{id}/publish', '/api/v1/plan-assignments/{id}/accept', '/api/v1/audit']));
  });

  it('refuses a missing, forged or expired token with 401', async () => {
    expect((await h.http('GET', '/api/v1/me')).status).toBe(401);
    const forged = mintToken({ ...h.config.auth, secret: 'another-secret-which-is-long-enough-123456' }, h.org.ops);
    expect((await h.http('GET', '/api/v1/me', { headers: { authorization: `Bearer ${forged}` } })).body.code).toBe('AUTH.UNAUTHENTICATED');
    const expired = mintToken(h.config.auth, h.org.ops, { now: new Date(Date.now() - 86_400_000), ttlSeconds: 60 });
    expect((await h.http('GET', '/api/v1/me', { headers: { authorization: `Bearer ${expired}` } })).status).toBe(401);
  });

  it('a role without the right gets 403 with a stable code', async () => {
    const r = await h.http('POST', '/api/v1/plans', { as: h.org.auditor, body: {} });
    expect(r.status).toBe(403);
    expect(r.body.code).toBe('AUTH.FORBIDDEN');
  });

  it('an invalid plan document is refused with 422 naming the JSON paths, and nothing is written', async () => {
    const document = aePlanDocument();
    (document.components[0] as { table: { tiers: Array<{ from: number; rate: string }> } }).table.tiers[1]!.from = 0;
    const r = await h.http('POST', '/api/v1/plans', { as: h.org.ops, body: { key: 'bad-plan', name: 'Bad', periodLabel: 'FY2026', effectiveFrom: '2026-01-01', document } });
    expect(r.status).toBe(422);
    expect(r.body.code).toBe('PLAN.INVALID_DOCUMENT');
    expect(JSON.stringify(r.body.details)).toContain('tiers');
    expect(await h.db.getRepository(PlanEntity).countBy({ key: 'bad-plan' })).toBe(0);
  });

  it('bodies, params and queries are validated field by field', async () => {
    const unknownField = await h.http('POST', '/api/v1/plans', { as: h.org.ops, body: { key: 'x1', name: 'X', periodLabel: 'P', effectiveFrom: '2026-01-01', document: aePlanDocument(), surprise: 1 } });
    expect(unknownField.status).toBe(400);
    expect(unknownField.body.details[0].field).toBe('surprise');
    const badKey = await h.http('POST', '/api/v1/plans', { as: h.org.ops, body: { key: 'Not A Key', name: 'X', periodLabel: 'P', effectiveFrom: 'yesterday', document: aePlanDocument() } });
    expect(badKey.status).toBe(400);
    expect(badKey.body.details.map((d: { field: string }) => d.field).sort()).toEqual(['effectiveFrom', 'key']);
    const badId = await h.http('GET', '/api/v1/plan-assignments/not-a-uuid', { as: h.org.ops });
    expect(badId.status).toBe(400);
    expect(badId.body.details[0].field).toBe('id');
    const missing = await h.http('GET', '/api/v1/plan-assignments/00000000-0000-4000-8000-000000000000', { as: h.org.ops });
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('PLAN_ASSIGNMENT.NOT_FOUND');
    const badQuery = await h.http('GET', '/api/v1/audit?subject=nonsense&limit=5000', { as: h.org.auditor });
    expect(badQuery.status).toBe(400);
    const malformed = await h.http('POST', '/api/v1/plans', { as: h.org.ops, raw: '{"key":' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.code).toBe('VALIDATION.MALFORMED_JSON');
    expect((await h.http('GET', '/api/v1/nowhere', { as: h.org.ops })).body.code).toBe('ROUTE.NOT_FOUND');
  });

  it('publishing refuses non-reps and bad quotas, and writes nothing', async () => {
    const created = await h.http('POST', '/api/v1/plans', { as: h.org.ops, body: { key: 'conv-plan', name: 'Conv', periodLabel: 'FY2026', effectiveFrom: '2026-01-01', document: aePlanDocument() } });
    const versionId = created.body.versions[0].id;
    const notRep = await h.http('POST', `/api/v1/plan-versions/${versionId}/publish`, { as: h.org.ops, body: { personIds: [h.org.rep.id, h.org.finance.id] } });
    expect(notRep.status).toBe(422);
    expect(notRep.body.code).toBe('PLAN.TARGET_NOT_A_REP');
    const badQuota = await h.http('POST', `/api/v1/plan-versions/${versionId}/publish`, { as: h.org.ops, body: { personIds: [h.org.rep.id], quotas: { [h.org.rep.id]: '12.345' } } });
    expect(badQuota.status).toBe(400);
    expect(badQuota.body.details[0].field).toBe(`quotas.${h.org.rep.id}`);
    const both = await h.http('POST', `/api/v1/plan-versions/${versionId}/publish`, { as: h.org.ops, body: { personIds: [h.org.rep.id], teamId: h.org.team.id } });
    expect(both.status).toBe(400);
    expect(await h.db.getRepository(PlanAssignmentEntity).countBy({ planVersionId: versionId })).toBe(0);
  });

  it('bodies over 10 MB get 413', async () => {
    const big = JSON.stringify({ currency: 'USD', padding: 'x'.repeat(10 * 1024 * 1024 + 10) });
    const r = await h.http('POST', '/api/v1/calculations/preview', { as: h.org.finance, raw: big });
    expect(r.status).toBe(413);
    expect(r.body.code).toBe('REQUEST.TOO_LARGE');
  });
});
