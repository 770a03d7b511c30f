import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CONFIG_VARIABLES, ConfigError, ConfigPart, Env, loadConfig } from './config';

const SECRET = 'x'.repeat(32);
const HMAC = 'h'.repeat(32);
const KEY_A = Buffer.alloc(32, 1);
const FULL: Env = {
  DATABASE_URL: 'postgres://u:p@db:5432/quotaflow',
  TEMPORAL_ADDRESS: 'temporal:7233',
  SMTP_URL: 'smtp://mail:2525',
  JWT_SECRET: SECRET,
  AUDIT_HMAC_KEY: HMAC,
  TEMPORAL_CODEC_KEYS: `k1:${KEY_A.toString('base64')}`,
};
/** Random values production accepts, made per run (a literal would be a repository secret). */
const STRONG = {
  JWT_SECRET: randomBytes(48).toString('base64url'),
  AUDIT_HMAC_KEY: randomBytes(48).toString('base64url'),
  TEMPORAL_CODEC_KEYS: `prod-1:${randomBytes(32).toString('base64')}`,
};

function issuesOf(env: Env, parts?: ConfigPart[]): string[] {
  try {
    loadConfig(env, parts);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map((i) => `${i.variable}: ${i.reason}`);
    throw error;
  }
  return [];
}

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    expect(loadConfig(FULL)).toEqual({
      env: 'development',
      http: {
        port: 3000, publicBaseUrl: 'http://localhost:3000', trustProxy: false, rateLimitPerMinute: 600, authFailuresPerMinute: 20,
        docs: 'public', healthSmtpCacheSeconds: 30, codecCorsOrigins: ['http://localhost:8233'],
      },
      database: { url: FULL.DATABASE_URL, appRole: 'quotaflow_app', poolSize: 10 },
      temporal: { address: 'temporal:7233', namespace: 'default', taskQueue: 'quotaflow', codecKeys: [{ id: 'k1', key: KEY_A }] },
      mail: { enabled: true, smtpUrl: 'smtp://mail:2525', from: 'Quotaflow <no-reply@quotaflow.local>' },
      auth: { secret: SECRET, issuer: 'quotaflow', audience: 'quotaflow-api', ttlSeconds: 28800, maxTtlSeconds: 604800 },
      audit: { hmacKey: HMAC, checkpointDir: resolve('.data/audit/quotaflow'), checkpointEveryEvents: 100, checkpointIntervalSeconds: 300 },
      approvals: { financeThreshold: '50000.00', quotaChangePercentFlag: '20' },
      organisation: { name: 'Quotaflow Demo Inc.', currency: 'USD' },
      imports: { backgroundBytes: 20 * 1024 * 1024 },
      payroll: { layout: 'generic', earningCode: 'COMMISSION', companyCode: '' },
      close: { exceptionSeverity: {}, schedule: { enabled: true, businessDay: 3, hourUtc: 6, paused: false } },
      logLevel: 'log',
    });
  });

  it('reads the payroll layout: a default earning code per layout, the ADP company code required with adp', () => {
    expect(loadConfig({ ...FULL, PAYROLL_LAYOUT: 'gusto' }).payroll).toEqual({ layout: 'gusto', earningCode: 'Commission', companyCode: '' });
    expect(loadConfig({ ...FULL, PAYROLL_LAYOUT: 'adp', PAYROLL_COMPANY_CODE: 'QF1', PAYROLL_EARNING_CODE: 'COM' }).payroll).toEqual({ layout: 'adp', earningCode: 'COM', companyCode: 'QF1' });
    expect(() => loadConfig({ ...FULL, PAYROLL_LAYOUT: 'adp' })).toThrow(/PAYROLL_COMPANY_CODE: required with PAYROLL_LAYOUT=adp/);
    expect(() => loadConfig({ ...FULL, PAYROLL_LAYOUT: 'sap' })).toThrow(/PAYROLL_LAYOUT: must be one of generic\|adp\|gusto, got "sap"/);
    expect(() => loadConfig({ ...FULL, PAYROLL_EARNING_CODE: '=cmd()' })).toThrow(/PAYROLL_EARNING_CODE/);
  });

  it('reads every overridable variable', () => {
    const config = loadConfig({
      ...FULL,
      ...STRONG,
      NODE_ENV: 'production',
      PORT: '8080',
      PUBLIC_BASE_URL: 'https://spm.example.com/',
      DATABASE_APP_ROLE: 'app_role',
      TEMPORAL_NAMESPACE: 'prod',
      TEMPORAL_TASK_QUEUE: 'q1',
      MAIL_FROM: 'X <x@example.com>',
      JWT_ISSUER: 'iss',
      JWT_AUDIENCE: 'aud',
      JWT_TTL_SECONDS: '60',
      LOG_LEVEL: 'debug',
      CLOSE_SCHEDULE_ENABLED: 'false',
      CLOSE_SCHEDULE_BUSINESS_DAY: '5',
      CLOSE_SCHEDULE_HOUR_UTC: '22',
      CLOSE_SCHEDULE_PAUSED: 'yes',
    });
    expect(config.close.schedule).toEqual({ enabled: false, businessDay: 5, hourUtc: 22, paused: true });
    expect(config.env).toBe('production');
    expect(config.http).toMatchObject({ port: 8080, publicBaseUrl: 'https://spm.example.com' });
    expect(config.database.appRole).toBe('app_role');
    expect(config.temporal).toMatchObject({ address: 'temporal:7233', namespace: 'prod', taskQueue: 'q1' });
    expect(config.mail.from).toBe('X <x@example.com>');
    expect(config.auth).toEqual({ secret: STRONG.JWT_SECRET, issuer: 'iss', audience: 'aud', ttlSeconds: 60, maxTtlSeconds: 604800 });
    expect(config.http.docs).toBe('off');
    expect(config.http.codecCorsOrigins).toEqual([]);
    expect(config.logLevel).toBe('debug');
  });

  it('derives PUBLIC_BASE_URL from PORT', () => {
    expect(loadConfig({ ...FULL, PORT: '4000' }, ['http']).http.publicBaseUrl).toBe('http://localhost:4000');
  });

  it('does not require SMTP_URL when mail is disabled', () => {
    const config = loadConfig({ ...FULL, SMTP_URL: undefined, MAIL_ENABLED: 'false' }, ['mail']);
    expect(config.mail).toEqual({ enabled: false, from: 'Quotaflow <no-reply@quotaflow.local>' });
  });

  it('flips the severity of close exceptions it names, and refuses an unknown code or severity', () => {
    expect(loadConfig({ ...FULL, CLOSE_EXCEPTION_SEVERITY: 'DEAL.NO_CREDIT=blocking, DEAL.FOREIGN_CURRENCY=warning' }).close.exceptionSeverity)
      .toEqual({ 'DEAL.NO_CREDIT': 'blocking', 'DEAL.FOREIGN_CURRENCY': 'warning' });
    expect(() => loadConfig({ ...FULL, CLOSE_EXCEPTION_SEVERITY: 'DEAL.NO_CREDITS=blocking' })).toThrow(/CLOSE_EXCEPTION_SEVERITY/);
    expect(() => loadConfig({ ...FULL, CLOSE_EXCEPTION_SEVERITY: 'DEAL.NO_CREDIT=fatal' })).toThrow(/CLOSE_EXCEPTION_SEVERITY/);
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig({ ...FULL, PORT: '', LOG_LEVEL: '  ' }).http.port).toBe(3000);
  });

  it('lists every problem at once, one line each', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'abc' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toBe(
      [
        'Invalid configuration:',
        '  PORT: must be an integer 1..65535, got "abc"',
        '  DATABASE_URL: required (postgres://user:pass@host:port/db)',
        '  TEMPORAL_ADDRESS: required (host:port)',
        '  TEMPORAL_CODEC_KEYS: required (id:base64-of-32-bytes[,id:key…]; the first key encrypts)',
        '  SMTP_URL: required (smtp://host:port, or set MAIL_ENABLED=false)',
        '  JWT_SECRET: required (at least 32 characters)',
        '  AUDIT_HMAC_KEY: required (at least 32 characters; never stored in the database)',
      ].join('\n'),
    );
  });

  // [case, env, parts, expected issues]
  const cases: Array<[string, Env, ConfigPart[] | undefined, string[]]> = [
    ['nothing needed for http alone', {}, ['http'], []],
    ['only database needs DATABASE_URL', {}, ['database'], ['DATABASE_URL: required (postgres://user:pass@host:port/db)']],
    ['database URL must be postgres', { DATABASE_URL: 'mysql://h/db' }, ['database'], ['DATABASE_URL: must be a postgres:// or postgresql:// URL']],
    ['database URL is not echoed (may hold a password)', { DATABASE_URL: 'not a url' }, ['database'], ['DATABASE_URL: must be a postgres:// or postgresql:// URL']],
    ['postgresql:// is accepted', { DATABASE_URL: 'postgresql://h:1/db' }, ['database'], []],
    ['app role must be an identifier', { ...FULL, DATABASE_APP_ROLE: 'x; drop' }, ['database'], ['DATABASE_APP_ROLE: must be a lower-case SQL identifier, got "x; drop"']],
    ['the pool size is a whole number of connections, 1..500', { ...FULL, DATABASE_POOL_SIZE: '0' }, ['database'], ['DATABASE_POOL_SIZE: must be an integer 1..500, got "0"']],
    ['PORT out of range', { PORT: '70000' }, ['http'], ['PORT: must be an integer 1..65535, got "70000"']],
    ['PORT zero', { PORT: '0' }, ['http'], ['PORT: must be an integer 1..65535, got "0"']],
    ['the close schedule: a business day 1..15, an hour 0..23, a boolean', { CLOSE_SCHEDULE_BUSINESS_DAY: '0', CLOSE_SCHEDULE_HOUR_UTC: '24', CLOSE_SCHEDULE_PAUSED: 'maybe' }, ['http'], [
      'CLOSE_SCHEDULE_BUSINESS_DAY: must be an integer 1..15, got "0"', 'CLOSE_SCHEDULE_HOUR_UTC: must be an integer 0..23, got "24"', 'CLOSE_SCHEDULE_PAUSED: must be true or false, got "maybe"',
    ]],
    ['PORT not an integer', { PORT: '80.5' }, ['http'], ['PORT: must be an integer 1..65535, got "80.5"']],
    ['PORT ignored when http is not requested', { PORT: 'abc' }, ['auth'], ['JWT_SECRET: required (at least 32 characters)']],
    ['PUBLIC_BASE_URL must be http(s)', { PUBLIC_BASE_URL: 'ftp://x' }, ['http'], ['PUBLIC_BASE_URL: must be a http:// or https:// URL, got "ftp://x"']],
    ['TEMPORAL_ADDRESS needs a port', { TEMPORAL_ADDRESS: 'temporal', TEMPORAL_CODEC_KEYS: FULL.TEMPORAL_CODEC_KEYS }, ['temporal'], ['TEMPORAL_ADDRESS: must be host:port, got "temporal"']],
    ['codec keys are 32 bytes, never echoed', { ...FULL, TEMPORAL_CODEC_KEYS: `a:${Buffer.alloc(16, 7).toString('base64')}` }, ['temporal'], ['TEMPORAL_CODEC_KEYS: entry 1 must be id:base64 of exactly 32 bytes']],
    ['codec key ids are unique', { ...FULL, TEMPORAL_CODEC_KEYS: `${FULL.TEMPORAL_CODEC_KEYS},${FULL.TEMPORAL_CODEC_KEYS}` }, ['temporal'], ['TEMPORAL_CODEC_KEYS: key id "k1" appears twice']],
    ['the audit key differs from the JWT secret', { ...FULL, AUDIT_HMAC_KEY: SECRET }, ['audit'], ['AUDIT_HMAC_KEY: must differ from JWT_SECRET']],
    ['TRUST_PROXY takes addresses or names', { TRUST_PROXY: 'loopback, 10.0.0.0/8, evil host' }, ['http'], ['TRUST_PROXY: must be none, or a comma list of loopback|linklocal|uniquelocal|IP|CIDR, got "loopback, 10.0.0.0/8, evil host"']],
    ['API_DOCS is public, token or off', { API_DOCS: 'yes' }, ['http'], ['API_DOCS: must be one of public|token|off, got "yes"']],
    ['JWT_TTL_SECONDS within the maximum', { JWT_SECRET: SECRET, JWT_TTL_SECONDS: '7200', JWT_MAX_TTL_SECONDS: '3600' }, ['auth'], ['JWT_TTL_SECONDS: must not exceed JWT_MAX_TTL_SECONDS (3600), got 7200']],
    ['production refuses the repository\'s example secrets', { ...FULL, ...STRONG, NODE_ENV: 'production', JWT_SECRET: 'e2e-secret-which-is-long-enough-0123456789' }, ['auth'], ['JWT_SECRET: too weak for production: it appears in the Quotaflow repository (an example or test secret)']],
    ['production refuses repeated characters', { ...FULL, ...STRONG, NODE_ENV: 'production', JWT_SECRET: SECRET }, ['auth'], ['JWT_SECRET: too weak for production: it repeats a character 5 or more times in a row']],
    ['production refuses a repeated pattern', { ...STRONG, NODE_ENV: 'production', JWT_SECRET: 'abc123'.repeat(6) }, ['auth'], ['JWT_SECRET: too weak for production: it repeats one pattern']],
    ['production refuses low entropy', { ...STRONG, NODE_ENV: 'production', JWT_SECRET: 'abcdefabcdefabcdefabcdefabcdefabcdexyz' }, ['auth'], ['JWT_SECRET: too weak for production: low entropy (about 110 bits, needs 128; use e.g. `openssl rand -base64 48`)']],
    ['production refuses a weak audit key', { ...STRONG, NODE_ENV: 'production', AUDIT_HMAC_KEY: 'my-audit-password-for-quotaflow-2026' }, ['audit'], ['AUDIT_HMAC_KEY: too weak for production: it contains the word "password"']],
    ['production refuses non-random codec keys', { ...STRONG, NODE_ENV: 'production', TEMPORAL_ADDRESS: 't:7233', TEMPORAL_CODEC_KEYS: FULL.TEMPORAL_CODEC_KEYS }, ['temporal'], ['TEMPORAL_CODEC_KEYS: key "k1" is too weak for production (not random bytes)']],
    ['development accepts a merely long secret', { JWT_SECRET: SECRET }, ['auth'], []],
    ['SMTP_URL only when mail is requested', { MAIL_ENABLED: 'true' }, ['database'], ['DATABASE_URL: required (postgres://user:pass@host:port/db)']],
    ['SMTP_URL required when mail is on', { MAIL_ENABLED: 'yes' }, ['mail'], ['SMTP_URL: required (smtp://host:port, or set MAIL_ENABLED=false)']],
    ['SMTP_URL must be smtp', { SMTP_URL: 'http://x:25' }, ['mail'], ['SMTP_URL: must be a smtp:// or smtps:// URL']],
    ['MAIL_ENABLED must be boolean', { MAIL_ENABLED: 'maybe', SMTP_URL: 'smtp://m:25' }, ['mail'], ['MAIL_ENABLED: must be true or false, got "maybe"']],
    ['JWT_SECRET too short', { JWT_SECRET: 'short' }, ['auth'], ['JWT_SECRET: must be at least 32 characters, got 5']],
    ['JWT_TTL_SECONDS positive', { JWT_SECRET: SECRET, JWT_TTL_SECONDS: '-1' }, ['auth'], ['JWT_TTL_SECONDS: must be an integer 1..31536000, got "-1"']],
    ['APPROVAL_FINANCE_THRESHOLD a decimal amount', { APPROVAL_FINANCE_THRESHOLD: '1e6' }, [], ['APPROVAL_FINANCE_THRESHOLD: must be a non-negative amount like "50000.00", got "1e6"']],
    ['NODE_ENV is always checked', { NODE_ENV: 'staging' }, ['http'], ['NODE_ENV: must be one of development|test|production, got "staging"']],
    ['LOG_LEVEL is always checked', { LOG_LEVEL: 'trace' }, [], ['LOG_LEVEL: must be one of fatal|error|warn|log|debug|verbose, got "trace"']],
    ['all parts by default', FULL, undefined, []],
    ['production with strong secrets', { ...FULL, ...STRONG, NODE_ENV: 'production' }, undefined, []],
  ];

  it.each(cases)('%s', (_name, env, parts, expected) => {
    expect(issuesOf(env, parts)).toEqual(expected);
  });

  it('names every variable it reads in CONFIG_VARIABLES', () => {
    const read = new Set<string>();
    const spy = new Proxy({ ...FULL }, {
      get(target, key) {
        if (typeof key === 'string') read.add(key);
        return Reflect.get(target, key) as unknown;
      },
    });
    loadConfig(spy);
    for (const name of read) expect(CONFIG_VARIABLES).toContain(name);
    // TEMPORAL_CLI_PATH and DEV_* are read by the dev stack; *_FILE only when the value itself is absent.
    const devStack = (v: string) => v === 'TEMPORAL_CLI_PATH' || v.startsWith('DEV_') || (v.endsWith('_FILE') && FULL[v.replace(/_FILE$/, '')] !== undefined);
    expect([...read].sort()).toEqual(CONFIG_VARIABLES.filter((v) => !devStack(v)).sort());
  });

  it('reads a secret from <NAME>_FILE (docker secrets), never echoing it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'config-'));
    try {
      writeFileSync(join(dir, 'jwt'), `${STRONG.JWT_SECRET}\n`);
      writeFileSync(join(dir, 'db'), 'postgres://app:pw@db:5432/q\n');
      const config = loadConfig({ ...FULL, JWT_SECRET: undefined, JWT_SECRET_FILE: join(dir, 'jwt'), DATABASE_URL: undefined, DATABASE_URL_FILE: join(dir, 'db') }, ['auth', 'database']);
      expect(config.auth.secret).toBe(STRONG.JWT_SECRET);
      expect(config.database.url).toBe('postgres://app:pw@db:5432/q');
      expect(issuesOf({ AUDIT_HMAC_KEY_FILE: join(dir, 'missing') }, ['audit'])).toEqual([
        `AUDIT_HMAC_KEY_FILE: cannot read ${join(dir, 'missing')}: ENOENT`,
        'AUDIT_HMAC_KEY: required (at least 32 characters; never stored in the database)',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads the migration URL, the trusted proxies and the codec origins', () => {
    const config = loadConfig({ ...FULL, DATABASE_MIGRATION_URL: 'postgres://owner:o@db:5432/quotaflow', TRUST_PROXY: 'loopback,10.0.0.0/8', TEMPORAL_CODEC_CORS_ORIGINS: 'https://temporal.example.com/, http://localhost:8233' });
    expect(config.database.migrationUrl).toBe('postgres://owner:o@db:5432/quotaflow');
    expect(config.http.trustProxy).toEqual(['loopback', '10.0.0.0/8']);
    expect(config.http.codecCorsOrigins).toEqual(['https://temporal.example.com', 'http://localhost:8233']);
    expect(loadConfig({ ...FULL, TRUST_PROXY: 'none' }).http.trustProxy).toBe(false);
  });
});
