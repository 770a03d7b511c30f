/**
 * Issue 8, items 8 and 9 (and issue 9's "/health answering 503 when each dependency is down" and
 * "a deactivated person's token → 401"): token rules, rate limits, security headers, /docs by
 * configuration, /health without an SMTP connection per call and without internal details in
 * production.
 */
import { randomBytes } from 'node:crypto';
import * as jwt from 'jsonwebtoken';
import { mintToken } from '@quotaflow/config';
import { freePort } from '@quotaflow/devstack';
import { PersonEntity } from '@quotaflow/persistence';
import { eventually, type Harness, startHarness } from './harness';

jest.setTimeout(120_000);

const me = (h: Harness, token: string) => h.http('GET', '/api/v1/me', { headers: { authorization: `Bearer ${token}` } });

/** Secrets production accepts (fresh random ones; the harness's own are on the denylist). */
const productionSecrets = () => ({
  JWT_SECRET: randomBytes(48).toString('base64url'),
  AUDIT_HMAC_KEY: randomBytes(48).toString('base64url'),
  TEMPORAL_CODEC_KEYS: `prod:${randomBytes(32).toString('base64')}`,
});

describe('tokens', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('tokens', { inProcessWorker: false, env: { JWT_MAX_TTL_SECONDS: '3600' } });
  });
  afterAll(async () => h?.close());

  const sign = (payload: object, options: jwt.SignOptions = {}) =>
    jwt.sign(payload, h.config.auth.secret, { algorithm: 'HS256', issuer: h.config.auth.issuer, audience: h.config.auth.audience, subject: h.org.rep.id, ...options });

  it('accepts a well-formed token, with a little clock skew on iat', async () => {
    expect((await me(h, h.token(h.org.rep))).status).toBe(200);
    const skewed = mintToken(h.config.auth, h.org.rep, { now: new Date(Date.now() + 30_000), ttlSeconds: 600 });
    expect((await me(h, skewed)).status).toBe(200);
  });

  it.each([
    ['without exp', () => sign({ iat: Math.floor(Date.now() / 1000) }), 'The token has no expiry (exp).'],
    ['without iat', () => sign({ exp: Math.floor(Date.now() / 1000) + 60 }, { noTimestamp: true }), 'The token has no issue time (iat).'],
    ['living longer than JWT_MAX_TTL_SECONDS', () => mintToken({ ...h.config.auth, maxTtlSeconds: undefined }, h.org.rep, { ttlSeconds: 3601 }), 'The token lives longer than the allowed 3600 seconds.'],
    ['issued in the future', () => mintToken(h.config.auth, h.org.rep, { now: new Date(Date.now() + 120_000), ttlSeconds: 600 }), 'The token was issued in the future.'],
    ['expired', () => mintToken(h.config.auth, h.org.rep, { now: new Date(Date.now() - 7200_000), ttlSeconds: 600 }), 'The token has expired.'],
    ['of another issuer', () => mintToken({ ...h.config.auth, issuer: 'someone-else' }, h.org.rep), 'The token is not valid.'],
    ['for another audience', () => mintToken({ ...h.config.auth, audience: 'another-api' }, h.org.rep), 'The token is not valid.'],
    ['signed with another secret', () => mintToken({ ...h.config.auth, secret: 'another-secret-which-is-long-enough-123456' }, h.org.rep), 'The token is not valid.'],
    ['with alg none', () => jwt.sign({ sub: h.org.rep.id, iss: 'quotaflow', aud: 'quotaflow-api', exp: Math.floor(Date.now() / 1000) + 60 }, '', { algorithm: 'none' }), 'The token is not valid.'],
  ])('refuses a token %s, without naming the expected issuer or audience', async (_name, token, message) => {
    const res = await me(h, token());
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ code: 'AUTH.UNAUTHENTICATED', message });
    expect(JSON.stringify(res.body)).not.toMatch(/quotaflow-api|expected|issuer|audience/i);
  });

  it("refuses a deactivated person's token at once", async () => {
    const person = await h.db.getRepository(PersonEntity).save(h.db.getRepository(PersonEntity).create({ name: 'Leaving Lea', email: `lea.${Date.now()}@e2e.test`, roles: ['rep'], active: true, teamId: null, managerId: null, attributes: {} }));
    const token = h.token(person);
    expect((await me(h, token)).status).toBe(200);
    await h.db.getRepository(PersonEntity).update({ id: person.id }, { active: false });
    expect((await me(h, token)).body).toEqual({ code: 'AUTH.UNAUTHENTICATED', message: 'The token names no active person.' });
  });
});

describe('rate limits', () => {
  it('limits requests per identity per minute', async () => {
    const h = await startHarness('rate-limit', { inProcessWorker: false, env: { RATE_LIMIT_PER_MINUTE: '5' } });
    try {
      for (let i = 0; i < 5; i++) expect((await h.http('GET', '/api/v1/me', { as: h.org.rep })).status).toBe(200);
      const limited = await h.http('GET', '/api/v1/me', { as: h.org.rep });
      expect(limited.status).toBe(429);
      expect(limited.body.code).toBe('RATE_LIMIT.EXCEEDED');
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      // another person from the same address has a budget of their own
      expect((await h.http('GET', '/api/v1/me', { as: h.org.otherRep })).status).toBe(200);
    } finally {
      await h.close();
    }
  });

  it('blocks an address after repeated failed authentication, even for a valid token', async () => {
    const h = await startHarness('auth-failures', { inProcessWorker: false, env: { AUTH_FAILURES_PER_MINUTE: '3' } });
    try {
      const forged = mintToken({ ...h.config.auth, secret: 'another-secret-which-is-long-enough-123456' }, h.org.rep);
      for (let i = 0; i < 3; i++) expect((await me(h, forged)).status).toBe(401);
      const blocked = await me(h, forged);
      expect(blocked.status).toBe(429);
      expect(blocked.body.code).toBe('AUTH.TOO_MANY_FAILURES');
      expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await h.http('GET', '/api/v1/me', { as: h.org.rep })).status).toBe(429);
    } finally {
      await h.close();
    }
  });
});

describe('headers and /docs', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('headers', { inProcessWorker: false });
  });
  afterAll(async () => h?.close());

  it.each(['/health', '/api/v1/me', '/api/v1/no-such-route'])('%s carries security headers and no X-Powered-By', async (path) => {
    const res = await h.http('GET', path, { as: h.org.rep });
    expect(res.headers.get('x-powered-by')).toBeNull();
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
  });

  it('serves /docs outside production by default', async () => {
    expect((await h.http('GET', '/docs/openapi.json')).status).toBe(200);
  });

  it.each([
    ['off', 404, 404],
    ['token', 401, 200],
  ])('API_DOCS=%s: /docs without a token %i, with one %i', async (mode, without, withToken) => {
    const d = await startHarness(`docs-${mode}`, { inProcessWorker: false, env: { API_DOCS: mode } });
    try {
      expect((await d.http('GET', '/docs/openapi.json')).status).toBe(without);
      expect((await d.http('GET', '/docs/openapi.json', { as: d.org.rep })).status).toBe(withToken);
      expect((await d.http('GET', '/docs', { as: d.org.rep })).status).toBe(withToken === 200 ? 200 : 404);
    } finally {
      await d.close();
    }
  });
});

describe('/health', () => {
  it('reuses its SMTP check instead of opening a connection per call', async () => {
    const h = await startHarness('health-smtp', { inProcessWorker: false });
    try {
      for (let i = 0; i < 5; i++) expect((await h.http('GET', '/health')).status).toBe(200);
      expect(h.smtp.connections).toBe(1);
    } finally {
      await h.close();
    }
  });

  it('answers 503 while SMTP is down', async () => {
    const h = await startHarness('health-smtp-down', { inProcessWorker: false, env: { HEALTH_SMTP_CACHE_SECONDS: '0' } });
    try {
      expect((await h.http('GET', '/health')).status).toBe(200);
      await h.smtp.stop();
      const res = await h.http('GET', '/health');
      expect(res.status).toBe(503);
      expect(res.body.checks).toMatchObject({ database: { status: 'up' }, temporal: { status: 'up' }, smtp: { status: 'down' } });
    } finally {
      await h.close();
    }
  });

  it('answers 503 while the database refuses the application, and 200 again after', async () => {
    const h = await startHarness('health-db-down', { inProcessWorker: false });
    const database = new URL(h.env.DATABASE_URL!).pathname.slice(1);
    try {
      expect((await h.http('GET', '/health')).status).toBe(200);
      await h.db.query(`REVOKE CONNECT ON DATABASE "${database}" FROM PUBLIC`);
      await h.db.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND usename = $2`, [database, new URL(h.env.DATABASE_URL!).username]);
      const res = await h.http('GET', '/health');
      expect(res.status).toBe(503);
      expect(res.body.checks).toMatchObject({ database: { status: 'down' }, temporal: { status: 'up' }, smtp: { status: 'up' } });
      await h.db.query(`GRANT CONNECT ON DATABASE "${database}" TO PUBLIC`);
      await eventually(async () => (await h.http('GET', '/health')).status === 200, '/health back to 200');
    } finally {
      await h.close();
    }
  });

  it('answers 503 while Temporal is unreachable', async () => {
    const h = await startHarness('health-temporal-down', { inProcessWorker: false, env: { TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}` } });
    try {
      const res = await h.http('GET', '/health');
      expect(res.status).toBe(503);
      expect(res.body.checks).toMatchObject({ database: { status: 'up' }, temporal: { status: 'down', error: expect.any(String) }, smtp: { status: 'up' } });
    } finally {
      await h.close();
    }
  });

  it('in production names states only: no error texts, no internal addresses', async () => {
    const port = await freePort();
    const h = await startHarness('health-production', { inProcessWorker: false, env: { NODE_ENV: 'production', TEMPORAL_ADDRESS: `127.0.0.1:${port}`, ...productionSecrets() } });
    try {
      const res = await h.http('GET', '/health');
      expect(res.status).toBe(503);
      expect(res.body.checks.temporal).toEqual({ status: 'down' });
      expect(JSON.stringify(res.body)).not.toMatch(new RegExp(`127\\.0\\.0\\.1|${port}|${h.smtp.port}|error`));
      expect((await h.http('GET', '/docs/openapi.json')).status).toBe(404);
    } finally {
      await h.close();
    }
  });
});
