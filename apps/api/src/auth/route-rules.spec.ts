import { routeTable } from './route-table';

describe('every API route declares who may call it', () => {
  const all = routeTable();

  it('finds the routes of every controller', () => {
    expect(all.length).toBeGreaterThanOrEqual(15);
    expect(all.map((r) => r.route)).toEqual(expect.arrayContaining(['POST /plan-versions/:id/publish', 'POST /plan-assignments/:id/accept', 'GET /audit']));
  });

  it('names each route once', () => {
    expect(new Set(all.map((r) => r.route)).size).toBe(all.length);
  });

  it.each(all.map((r) => [r.route, r]))('%s has an explicit role rule', (_name, r) => {
    // Public, or the roles of its @Roles (never none): the rule is exactly what the route declares.
    expect(r.isPublic || r.roles.length > 0).toBe(true);
    expect(r.rule).toBe(r.isPublic ? 'public' : r.roles.join(','));
  });

  it('only /health is public', () => {
    expect(all.filter((r) => r.rule === 'public').map((r) => r.route)).toEqual(['GET /health']);
  });

  it('the auditor changes nothing: no write route admits the auditor', () => {
    const writes = all.filter((r) => !r.route.startsWith('GET '));
    expect(writes.filter((r) => r.rule?.split(',').includes('auditor'))).toEqual([]);
  });

  it('reads the body and query types of the handlers (the malformed-input suite validates its examples with them)', () => {
    const byRoute = new Map(all.map((r) => [r.route, r]));
    expect(byRoute.get('POST /approvals/:id/decisions')?.bodyType?.name).toBe('DecisionDto');
    expect(byRoute.get('GET /audit')?.queryType?.name).toBe('AuditQuery');
    expect(byRoute.get('GET /me')?.bodyType).toBeUndefined();
  });
});
