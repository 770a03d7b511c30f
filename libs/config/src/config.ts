/**
 * One typed, validated configuration object (docs/CONTRACTS.md "Configuration").
 * Pure Node: no framework. Every problem is collected so the operator fixes them in one go.
 */

export type ConfigPart = 'http' | 'database' | 'temporal' | 'mail' | 'auth';
export const CONFIG_PARTS: readonly ConfigPart[] = ['http', 'database', 'temporal', 'mail', 'auth'];

export type NodeEnv = 'development' | 'test' | 'production';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'log' | 'debug' | 'verbose';
const NODE_ENVS: readonly NodeEnv[] = ['development', 'test', 'production'];
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

export interface HttpConfig { port: number; publicBaseUrl: string }
export interface DatabaseConfig { url: string; appRole: string }
export interface TemporalConfig { address: string; namespace: string; taskQueue: string }
export interface MailConfig { enabled: boolean; smtpUrl?: string; from: string }
export interface AuthConfig { secret: string; issuer: string; audience: string; ttlSeconds: number }

/**
 * Sections whose part was not requested are still filled (defaults, or an empty string for a
 * required value that is absent) so one type serves every process; only requested parts are validated.
 */
export interface AppConfig {
  env: NodeEnv;
  http: HttpConfig;
  database: DatabaseConfig;
  temporal: TemporalConfig;
  mail: MailConfig;
  auth: AuthConfig;
  approvals: ApprovalsConfig;
  imports: ImportsConfig;
  logLevel: LogLevel;
}

/** Imports: an upload larger than this many bytes runs in the background (workflow `import:<id>`). */
export interface ImportsConfig {
  backgroundBytes: number;
}

/** Organisation-wide routing defaults (a request may carry its own). */
export interface ApprovalsConfig {
  /** Revenue moved by a territory change above which finance must approve; decimal string. */
  financeThreshold: string;
}

/** Every environment variable the application reads (the docker-compose test checks against it). */
export const CONFIG_VARIABLES = [
  'NODE_ENV',
  'PORT',
  'PUBLIC_BASE_URL',
  'DATABASE_URL',
  'DATABASE_APP_ROLE',
  'TEMPORAL_ADDRESS',
  'TEMPORAL_NAMESPACE',
  'TEMPORAL_TASK_QUEUE',
  'MAIL_ENABLED',
  'SMTP_URL',
  'MAIL_FROM',
  'JWT_SECRET',
  'JWT_ISSUER',
  'JWT_AUDIENCE',
  'JWT_TTL_SECONDS',
  'APPROVAL_FINANCE_THRESHOLD',
  'IMPORT_BACKGROUND_BYTES',
  'LOG_LEVEL',
  'DATA_DIR',
  'TEMPORAL_CLI_PATH',
] as const;
export type ConfigVariable = (typeof CONFIG_VARIABLES)[number];

export const MIN_JWT_SECRET_LENGTH = 32;

export interface ConfigIssue { variable: ConfigVariable; reason: string }

export class ConfigError extends Error {
  constructor(readonly issues: readonly ConfigIssue[]) {
    super(`Invalid configuration:\n${issues.map((i) => `  ${i.variable}: ${i.reason}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export type Env = Readonly<Record<string, string | undefined>>;

/** Collects issues; `check` is false for parts that were not requested (values fall back silently). */
class Reader {
  readonly issues: ConfigIssue[] = [];
  constructor(private readonly env: Env) {}

  raw(name: ConfigVariable): string | undefined {
    const value = this.env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  }

  fail(variable: ConfigVariable, reason: string, check: boolean): void {
    if (check) this.issues.push({ variable, reason });
  }

  required(name: ConfigVariable, check: boolean, what: string): string {
    const value = this.raw(name);
    if (value === undefined) this.fail(name, `required (${what})`, check);
    return value ?? '';
  }

  oneOf<T extends string>(name: ConfigVariable, allowed: readonly T[], fallback: T, check: boolean): T {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if ((allowed as readonly string[]).includes(value)) return value as T;
    this.fail(name, `must be one of ${allowed.join('|')}, got "${value}"`, check);
    return fallback;
  }

  integer(name: ConfigVariable, min: number, max: number, fallback: number, check: boolean): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const n = /^\d+$/.test(value) ? Number(value) : NaN;
    if (Number.isSafeInteger(n) && n >= min && n <= max) return n;
    this.fail(name, `must be an integer ${min}..${max}, got "${value}"`, check);
    return fallback;
  }

  boolean(name: ConfigVariable, fallback: boolean, check: boolean): boolean {
    const value = this.raw(name)?.toLowerCase();
    if (value === undefined) return fallback;
    if (['true', '1', 'yes', 'on'].includes(value)) return true;
    if (['false', '0', 'no', 'off'].includes(value)) return false;
    this.fail(name, `must be true or false, got "${this.raw(name)}"`, check);
    return fallback;
  }

  url(name: ConfigVariable, value: string, protocols: readonly string[], check: boolean): string {
    if (value === '') return value;
    let parsed: URL | undefined;
    try {
      parsed = new URL(value);
    } catch {
      parsed = undefined;
    }
    if (!parsed || !protocols.includes(parsed.protocol.replace(/:$/, '')) || parsed.hostname === '') {
      // A database URL may carry a password: never echo it.
      const shown = name === 'DATABASE_URL' || name === 'SMTP_URL' ? '' : `, got "${value}"`;
      this.fail(name, `must be a ${protocols.map((p) => `${p}://`).join(' or ')} URL${shown}`, check);
    }
    return value;
  }
}

export function loadConfig(env: Env = process.env, parts: readonly ConfigPart[] = CONFIG_PARTS): AppConfig {
  const wants = (part: ConfigPart): boolean => parts.includes(part);
  const r = new Reader(env);

  const nodeEnv = r.oneOf('NODE_ENV', NODE_ENVS, 'development', true);
  const logLevel = r.oneOf('LOG_LEVEL', LOG_LEVELS, 'log', true);

  const http = wants('http');
  const port = r.integer('PORT', 1, 65535, 3000, http);
  const publicBaseUrl = r
    .url('PUBLIC_BASE_URL', r.raw('PUBLIC_BASE_URL') ?? `http://localhost:${port}`, ['http', 'https'], http)
    .replace(/\/+$/, '');

  const db = wants('database');
  const databaseUrl = r.url(
    'DATABASE_URL',
    r.required('DATABASE_URL', db, 'postgres://user:pass@host:port/db'),
    ['postgres', 'postgresql'],
    db,
  );
  const appRole = r.raw('DATABASE_APP_ROLE') ?? 'quotaflow_app';
  // The role name is interpolated into `SET ROLE`: only plain identifiers are accepted.
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(appRole)) {
    r.fail('DATABASE_APP_ROLE', `must be a lower-case SQL identifier, got "${appRole}"`, db);
  }

  const tp = wants('temporal');
  const temporalAddress = r.required('TEMPORAL_ADDRESS', tp, 'host:port');
  if (temporalAddress !== '' && !/^[^\s:/]+:\d{1,5}$/.test(temporalAddress)) {
    r.fail('TEMPORAL_ADDRESS', `must be host:port, got "${temporalAddress}"`, tp);
  }

  const mail = wants('mail');
  const mailEnabled = r.boolean('MAIL_ENABLED', true, mail);
  const smtpRaw = r.raw('SMTP_URL');
  const smtpUrl =
    mailEnabled && mail
      ? r.url('SMTP_URL', r.required('SMTP_URL', true, 'smtp://host:port, or set MAIL_ENABLED=false'), ['smtp', 'smtps'], true)
      : smtpRaw;

  const auth = wants('auth');
  const secret = r.raw('JWT_SECRET');
  if (secret === undefined) {
    r.fail('JWT_SECRET', `required (at least ${MIN_JWT_SECRET_LENGTH} characters)`, auth);
  } else if (secret.length < MIN_JWT_SECRET_LENGTH) {
    r.fail('JWT_SECRET', `must be at least ${MIN_JWT_SECRET_LENGTH} characters, got ${secret.length}`, auth);
  }
  const ttlSeconds = r.integer('JWT_TTL_SECONDS', 1, 31_536_000, 28_800, auth);

  const financeThreshold = r.raw('APPROVAL_FINANCE_THRESHOLD') ?? '50000.00';
  if (!/^\d{1,14}(\.\d{1,2})?$/.test(financeThreshold)) {
    r.fail('APPROVAL_FINANCE_THRESHOLD', `must be a non-negative amount like "50000.00", got "${financeThreshold}"`, true);
  }

  const backgroundBytes = r.integer('IMPORT_BACKGROUND_BYTES', 1, 1_000_000_000_000, 20 * 1024 * 1024, true);

  if (r.issues.length > 0) throw new ConfigError(r.issues);

  return {
    env: nodeEnv,
    http: { port, publicBaseUrl },
    database: { url: databaseUrl, appRole },
    temporal: {
      address: temporalAddress,
      namespace: r.raw('TEMPORAL_NAMESPACE') ?? 'default',
      taskQueue: r.raw('TEMPORAL_TASK_QUEUE') ?? 'quotaflow',
    },
    mail: {
      enabled: mailEnabled,
      ...(smtpUrl !== undefined && smtpUrl !== '' ? { smtpUrl } : {}),
      from: r.raw('MAIL_FROM') ?? 'Quotaflow <no-reply@quotaflow.local>',
    },
    auth: {
      secret: secret ?? '',
      issuer: r.raw('JWT_ISSUER') ?? 'quotaflow',
      audience: r.raw('JWT_AUDIENCE') ?? 'quotaflow-api',
      ttlSeconds,
    },
    approvals: { financeThreshold },
    imports: { backgroundBytes },
    logLevel,
  };
}
