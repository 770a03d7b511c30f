import { CONFIG_VARIABLES, ConfigError, ConfigPart, Env, loadConfig } from './config';

const SECRET = 'x'.repeat(32);
const FULL: Env = {
  DATABASE_URL: 'postgres://u:p@db:5432/quotaflow',
  TEMPORAL_ADDRESS: 'temporal:7233',
  SMTP_URL: 'smtp://mail:2525',
  JWT_SECRET: SECRET,
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
      http: { port: 3000, publicBaseUrl: 'http://localhost:3000' },
      database: { url: FULL.DATABASE_URL, appRole: 'quotaflow_app' },
      temporal: { address: 'temporal:7233', namespace: 'default', taskQueue: 'quotaflow' },
      mail: { enabled: true, smtpUrl: 'smtp://mail:2525', from: 'Quotaflow <no-reply@quotaflow.local>' },
      auth: { secret: SECRET, issuer: 'quotaflow', audience: 'quotaflow-api', ttlSeconds: 28800 },
      approvals: { financeThreshold: '50000.00' },
      imports: { backgroundBytes: 20 * 1024 * 1024 },
      logLevel: 'log',
    });
  });

  it('reads every overridable variable', () => {
    const config = loadConfig({
      ...FULL,
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
    });
    expect(config.env).toBe('production');
    expect(config.http).toEqual({ port: 8080, publicBaseUrl: 'https://spm.example.com' });
    expect(config.database.appRole).toBe('app_role');
    expect(config.temporal).toEqual({ address: 'temporal:7233', namespace: 'prod', taskQueue: 'q1' });
    expect(config.mail.from).toBe('X <x@example.com>');
    expect(config.auth).toEqual({ secret: SECRET, issuer: 'iss', audience: 'aud', ttlSeconds: 60 });
    expect(config.logLevel).toBe('debug');
  });

  it('derives PUBLIC_BASE_URL from PORT', () => {
    expect(loadConfig({ ...FULL, PORT: '4000' }, ['http']).http.publicBaseUrl).toBe('http://localhost:4000');
  });

  it('does not require SMTP_URL when mail is disabled', () => {
    const config = loadConfig({ ...FULL, SMTP_URL: undefined, MAIL_ENABLED: 'false' }, ['mail']);
    expect(config.mail).toEqual({ enabled: false, from: 'Quotaflow <no-reply@quotaflow.local>' });
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
        '  SMTP_URL: required (smtp://host:port, or set MAIL_ENABLED=false)',
        '  JWT_SECRET: required (at least 32 characters)',
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
    ['PORT out of range', { PORT: '70000' }, ['http'], ['PORT: must be an integer 1..65535, got "70000"']],
    ['PORT zero', { PORT: '0' }, ['http'], ['PORT: must be an integer 1..65535, got "0"']],
    ['PORT not an integer', { PORT: '80.5' }, ['http'], ['PORT: must be an integer 1..65535, got "80.5"']],
    ['PORT ignored when http is not requested', { PORT: 'abc' }, ['auth'], ['JWT_SECRET: required (at least 32 characters)']],
    ['PUBLIC_BASE_URL must be http(s)', { PUBLIC_BASE_URL: 'ftp://x' }, ['http'], ['PUBLIC_BASE_URL: must be a http:// or https:// URL, got "ftp://x"']],
    ['TEMPORAL_ADDRESS needs a port', { TEMPORAL_ADDRESS: 'temporal' }, ['temporal'], ['TEMPORAL_ADDRESS: must be host:port, got "temporal"']],
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
    // DATA_DIR and TEMPORAL_CLI_PATH are read by the dev stack, not by loadConfig.
    expect([...read].sort()).toEqual(CONFIG_VARIABLES.filter((v) => v !== 'DATA_DIR' && v !== 'TEMPORAL_CLI_PATH').sort());
  });
});
