/**
 * One typed, validated configuration object (docs/CONTRACTS.md "Configuration").
 * Pure Node: no framework. Every problem is collected so the operator fixes them in one go.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { CLOSE_EXCEPTION_CODES } from '@quotaflow/domain';
import { secretWeakness } from './secret-strength';

/** Connections per process unless DATABASE_POOL_SIZE says otherwise. */
export const DEFAULT_DATABASE_POOL_SIZE = 10;

export type ConfigPart = 'http' | 'database' | 'temporal' | 'mail' | 'auth' | 'audit';
export const CONFIG_PARTS: readonly ConfigPart[] = ['http', 'database', 'temporal', 'mail', 'auth', 'audit'];

export type NodeEnv = 'development' | 'test' | 'production';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'log' | 'debug' | 'verbose';
const NODE_ENVS: readonly NodeEnv[] = ['development', 'test', 'production'];
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

export interface HttpConfig {
  port: number;
  publicBaseUrl: string;
  /** Express `trust proxy`: false (no proxy: the socket address is the client), or the proxies' addresses. */
  trustProxy: false | string[];
  /** Requests per minute per identity (token subject, else IP). */
  rateLimitPerMinute: number;
  /** Failed authentications (401) per minute per IP before the IP is refused with 429. */
  authFailuresPerMinute: number;
  /** OpenAPI at /docs: open, behind a bearer token, or not served. */
  docs: 'public' | 'token' | 'off';
  /** How long /health reuses its last SMTP check. */
  healthSmtpCacheSeconds: number;
  /** Origins (the Temporal Web UI) allowed to call the codec endpoint from a browser. */
  codecCorsOrigins: string[];
}
/**
 * `url`: the application's own login (a non-superuser member of `appRole`, owning nothing);
 * `migrationUrl`: the schema owner, used by migrations only (defaults to `url`).
 */
export interface DatabaseConfig {
  url: string;
  migrationUrl?: string;
  appRole: string;
  /** Connections each process keeps (DATABASE_POOL_SIZE): an API under many concurrent decisions queues for them. */
  poolSize?: number;
}
/** `codecKeys`: AES-256-GCM keys of the payload codec, the first one encodes, all decode. */
export interface TemporalConfig { address: string; namespace: string; taskQueue: string; codecKeys: CodecKey[] }
export interface CodecKey { id: string; key: Buffer }
export interface MailConfig { enabled: boolean; smtpUrl?: string; from: string }
export interface AuthConfig { secret: string; issuer: string; audience: string; ttlSeconds: number; maxTtlSeconds?: number }
/** The audit chain's HMAC key (never given to the database) and its signed checkpoints. */
export interface AuditConfig {
  hmacKey: string;
  checkpointDir: string;
  /** A checkpoint after this many new events … */
  checkpointEveryEvents: number;
  /** … or after this many seconds when there are new events; 0 switches the periodic job off. */
  checkpointIntervalSeconds: number;
}

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
  audit: AuditConfig;
  approvals: ApprovalsConfig;
  organisation: OrganisationConfig;
  imports: ImportsConfig;
  payroll: PayrollConfig;
  close: CloseConfig;
  logLevel: LogLevel;
}

/** The payroll export of a close (docs/payroll-layouts.md). */
export interface PayrollConfig {
  /** Column layout of the file: `generic`, `adp` (ADP Workforce Now paydata style), `gusto`. */
  layout: 'generic' | 'adp' | 'gusto';
  /** Earning code written on each row (default per layout: COMMISSION, C, Commission). */
  earningCode: string;
  /** ADP's company code (Co Code): required with the adp layout, empty otherwise. */
  companyCode: string;
}

/** The monthly close: exception severities and its Temporal Schedule (the worker keeps it in place at start). */
export interface CloseConfig {
  /** Exception code → severity, only those that differ from the defaults (`CLOSE_EXCEPTION_SEVERITY`). */
  exceptionSeverity: Record<string, 'blocking' | 'warning'>;
  schedule: {
    /** The worker creates (or updates) the Schedule at start. */
    enabled: boolean;
    /** The close of a month starts on this business day (Mon–Fri, holidays not modelled) after it ends. */
    businessDay: number;
    /** At this hour, UTC. */
    hourUtc: number;
    /** Created (or set) paused; an existing Schedule's pause is left as it is otherwise. */
    paused: boolean;
  };
}

/** Imports: an upload larger than this many bytes runs in the background (workflow `import:<id>`). */
export interface ImportsConfig {
  backgroundBytes: number;
}

/** Who the organisation is, for documents and emails. */
export interface OrganisationConfig {
  /** Printed on plan documents and statements. */
  name: string;
  /** ISO 4217 code of the one currency the organisation pays in. */
  currency: string;
}

/** Organisation-wide routing defaults (a request may carry its own). */
export interface ApprovalsConfig {
  /** Revenue moved by a territory change above which finance must approve; decimal string. */
  financeThreshold: string;
  /** A rep's quota moving more than this percent from last period is flagged for finance; decimal string. */
  quotaChangePercentFlag: string;
}

/** Every environment variable the application reads (the docker-compose test checks against it). */
export const CONFIG_VARIABLES = [
  'NODE_ENV',
  'PORT',
  'PUBLIC_BASE_URL',
  'DATABASE_URL',
  'DATABASE_APP_ROLE',
  'DATABASE_POOL_SIZE',
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
  'QUOTA_CHANGE_PERCENT_FLAG',
  'ORGANISATION_NAME',
  'ORGANISATION_CURRENCY',
  'IMPORT_BACKGROUND_BYTES',
  // issue 13: the payroll export's layout
  'PAYROLL_LAYOUT',
  'PAYROLL_EARNING_CODE',
  'PAYROLL_COMPANY_CODE',
  'CLOSE_EXCEPTION_SEVERITY',
  'CLOSE_SCHEDULE_ENABLED',
  'CLOSE_SCHEDULE_BUSINESS_DAY',
  'CLOSE_SCHEDULE_HOUR_UTC',
  'CLOSE_SCHEDULE_PAUSED',
  'LOG_LEVEL',
  'DATA_DIR',
  'TEMPORAL_CLI_PATH',
  // issue 8: database login, audit anchor, payload codec, HTTP hardening, token lifetime
  'DATABASE_MIGRATION_URL',
  'AUDIT_HMAC_KEY',
  'AUDIT_CHECKPOINT_DIR',
  'AUDIT_CHECKPOINT_EVERY_EVENTS',
  'AUDIT_CHECKPOINT_INTERVAL_SECONDS',
  'TEMPORAL_CODEC_KEYS',
  'TEMPORAL_CODEC_CORS_ORIGINS',
  'TRUST_PROXY',
  'RATE_LIMIT_PER_MINUTE',
  'AUTH_FAILURES_PER_MINUTE',
  'API_DOCS',
  'HEALTH_SMTP_CACHE_SECONDS',
  'JWT_MAX_TTL_SECONDS',
  // secrets may come from files instead (docker secrets): <NAME>_FILE holds the path
  'DATABASE_URL_FILE',
  'DATABASE_MIGRATION_URL_FILE',
  'JWT_SECRET_FILE',
  'AUDIT_HMAC_KEY_FILE',
  'TEMPORAL_CODEC_KEYS_FILE',
  // dev stack only (npm start): ports of the parts it starts
  'DEV_PG_PORT',
  'DEV_TEMPORAL_PORT',
  'DEV_TEMPORAL_UI_PORT',
  'DEV_SMTP_PORT',
  'DEV_RESTART_LIMIT',
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

/** Secrets that may be given as `<NAME>_FILE` (a path, e.g. a docker secret) instead of a value. */
const FILE_VARIABLES: Partial<Record<ConfigVariable, ConfigVariable>> = {
  DATABASE_URL: 'DATABASE_URL_FILE',
  DATABASE_MIGRATION_URL: 'DATABASE_MIGRATION_URL_FILE',
  JWT_SECRET: 'JWT_SECRET_FILE',
  AUDIT_HMAC_KEY: 'AUDIT_HMAC_KEY_FILE',
  TEMPORAL_CODEC_KEYS: 'TEMPORAL_CODEC_KEYS_FILE',
};

/** Collects issues; `check` is false for parts that were not requested (values fall back silently). */
class Reader {
  readonly issues: ConfigIssue[] = [];
  constructor(private readonly env: Env) {}

  raw(name: ConfigVariable): string | undefined {
    const value = this.env[name]?.trim();
    if (value !== undefined && value !== '') return value;
    const fileVariable = FILE_VARIABLES[name];
    const path = fileVariable ? this.env[fileVariable]?.trim() : undefined;
    if (!fileVariable || !path) return undefined;
    try {
      const content = readFileSync(path, 'utf8').trim();
      return content === '' ? undefined : content;
    } catch (error) {
      this.issues.push({ variable: fileVariable, reason: `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` });
      return undefined;
    }
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
      const shown = name === 'DATABASE_URL' || name === 'DATABASE_MIGRATION_URL' || name === 'SMTP_URL' ? '' : `, got "${value}"`;
      this.fail(name, `must be a ${protocols.map((p) => `${p}://`).join(' or ')} URL${shown}`, check);
    }
    return value;
  }
}

export const DEFAULT_JWT_MAX_TTL_SECONDS = 7 * 24 * 3600;
/** Clock skew tolerated on a token's `iat` (a token issued a little "in the future" by a fast clock). */
export const JWT_CLOCK_SKEW_SECONDS = 60;

export function loadConfig(env: Env = process.env, parts: readonly ConfigPart[] = CONFIG_PARTS): AppConfig {
  const wants = (part: ConfigPart): boolean => parts.includes(part);
  const r = new Reader(env);

  const nodeEnv = r.oneOf('NODE_ENV', NODE_ENVS, 'development', true);
  const production = nodeEnv === 'production';
  const logLevel = r.oneOf('LOG_LEVEL', LOG_LEVELS, 'log', true);

  const http = wants('http');
  const port = r.integer('PORT', 1, 65535, 3000, http);
  const publicBaseUrl = r
    .url('PUBLIC_BASE_URL', r.raw('PUBLIC_BASE_URL') ?? `http://localhost:${port}`, ['http', 'https'], http)
    .replace(/\/+$/, '');
  const trustProxy = readTrustProxy(r, http);
  const rateLimitPerMinute = r.integer('RATE_LIMIT_PER_MINUTE', 1, 1_000_000, 600, http);
  const authFailuresPerMinute = r.integer('AUTH_FAILURES_PER_MINUTE', 1, 1_000_000, 20, http);
  const docs = r.oneOf('API_DOCS', ['public', 'token', 'off'] as const, production ? 'off' : 'public', http);
  const healthSmtpCacheSeconds = r.integer('HEALTH_SMTP_CACHE_SECONDS', 0, 3600, 30, http);
  const codecCorsOrigins = (r.raw('TEMPORAL_CODEC_CORS_ORIGINS') ?? (production ? '' : 'http://localhost:8233'))
    .split(',')
    .map((origin) => origin.trim().replace(/\/+$/, ''))
    .filter(Boolean);
  for (const origin of codecCorsOrigins) r.url('TEMPORAL_CODEC_CORS_ORIGINS', origin, ['http', 'https'], http);

  const db = wants('database');
  const databaseUrl = r.url(
    'DATABASE_URL',
    r.required('DATABASE_URL', db, 'postgres://user:pass@host:port/db'),
    ['postgres', 'postgresql'],
    db,
  );
  const migrationRaw = r.raw('DATABASE_MIGRATION_URL');
  const migrationUrl = migrationRaw === undefined ? undefined : r.url('DATABASE_MIGRATION_URL', migrationRaw, ['postgres', 'postgresql'], db);
  const appRole = r.raw('DATABASE_APP_ROLE') ?? 'quotaflow_app';
  const poolSize = r.integer('DATABASE_POOL_SIZE', 1, 500, DEFAULT_DATABASE_POOL_SIZE, db);
  // The role name is interpolated into GRANT statements: only plain identifiers are accepted.
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(appRole)) {
    r.fail('DATABASE_APP_ROLE', `must be a lower-case SQL identifier, got "${appRole}"`, db);
  }

  const tp = wants('temporal');
  const temporalAddress = r.required('TEMPORAL_ADDRESS', tp, 'host:port');
  if (temporalAddress !== '' && !/^[^\s:/]+:\d{1,5}$/.test(temporalAddress)) {
    r.fail('TEMPORAL_ADDRESS', `must be host:port, got "${temporalAddress}"`, tp);
  }
  const codecKeys = readCodecKeys(r, tp, production);

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
  } else if (production) {
    const weakness = secretWeakness(secret);
    if (weakness) r.fail('JWT_SECRET', `too weak for production: ${weakness}`, auth);
  }
  const maxTtlSeconds = r.integer('JWT_MAX_TTL_SECONDS', 60, 31_536_000, DEFAULT_JWT_MAX_TTL_SECONDS, auth);
  const ttlSeconds = r.integer('JWT_TTL_SECONDS', 1, 31_536_000, Math.min(28_800, maxTtlSeconds), auth);
  if (ttlSeconds > maxTtlSeconds) r.fail('JWT_TTL_SECONDS', `must not exceed JWT_MAX_TTL_SECONDS (${maxTtlSeconds}), got ${ttlSeconds}`, auth);

  const audit = wants('audit');
  const hmacKey = r.raw('AUDIT_HMAC_KEY');
  if (hmacKey === undefined) {
    r.fail('AUDIT_HMAC_KEY', `required (at least ${MIN_JWT_SECRET_LENGTH} characters; never stored in the database)`, audit);
  } else if (hmacKey.length < MIN_JWT_SECRET_LENGTH) {
    r.fail('AUDIT_HMAC_KEY', `must be at least ${MIN_JWT_SECRET_LENGTH} characters, got ${hmacKey.length}`, audit);
  } else if (production) {
    const weakness = secretWeakness(hmacKey);
    if (weakness) r.fail('AUDIT_HMAC_KEY', `too weak for production: ${weakness}`, audit);
  }
  if (hmacKey !== undefined && secret !== undefined && hmacKey === secret) {
    r.fail('AUDIT_HMAC_KEY', 'must differ from JWT_SECRET', audit);
  }
  const dataDir = r.raw('DATA_DIR') ?? '.data';
  // One folder per database by default: a data directory may serve several (e.g. test clones).
  let databaseName = '';
  try {
    databaseName = databaseUrl ? decodeURIComponent(new URL(databaseUrl).pathname.slice(1)).replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^\.+/, '_') : '';
  } catch {
    databaseName = '';
  }
  const checkpointRaw = r.raw('AUDIT_CHECKPOINT_DIR') ?? join(dataDir, 'audit', databaseName);
  const checkpointDir = isAbsolute(checkpointRaw) ? checkpointRaw : resolve(checkpointRaw);
  const checkpointEveryEvents = r.integer('AUDIT_CHECKPOINT_EVERY_EVENTS', 1, 1_000_000, 100, audit);
  const checkpointIntervalSeconds = r.integer('AUDIT_CHECKPOINT_INTERVAL_SECONDS', 0, 86_400, 300, audit);

  const financeThreshold = r.raw('APPROVAL_FINANCE_THRESHOLD') ?? '50000.00';
  if (!/^\d{1,14}(\.\d{1,2})?$/.test(financeThreshold)) {
    r.fail('APPROVAL_FINANCE_THRESHOLD', `must be a non-negative amount like "50000.00", got "${financeThreshold}"`, true);
  }

  const quotaChangePercentFlag = r.raw('QUOTA_CHANGE_PERCENT_FLAG') ?? '20';
  if (!/^\d{1,3}(\.\d{1,2})?$/.test(quotaChangePercentFlag)) {
    r.fail('QUOTA_CHANGE_PERCENT_FLAG', `must be a percent like "20" or "12.5", got "${quotaChangePercentFlag}"`, true);
  }
  const organisationName = r.raw('ORGANISATION_NAME') ?? 'Quotaflow Demo Inc.';
  if (organisationName.length > 200 || /[\u0000-\u001f\u007f]/.test(organisationName)) {
    r.fail('ORGANISATION_NAME', 'must be at most 200 printable characters', true);
  }
  const currency = r.raw('ORGANISATION_CURRENCY') ?? 'USD';
  if (!/^[A-Z]{3}$/.test(currency)) r.fail('ORGANISATION_CURRENCY', `must be an ISO 4217 code like "USD", got "${currency}"`, true);
  const backgroundBytes = r.integer('IMPORT_BACKGROUND_BYTES', 1, 1_000_000_000_000, 20 * 1024 * 1024, true);
  const payroll = readPayroll(r);

  // CLOSE_EXCEPTION_SEVERITY="REP.NO_ACCEPTED_PLAN=blocking,DEAL.FOREIGN_CURRENCY=warning"
  const exceptionSeverity: Record<string, 'blocking' | 'warning'> = {};
  for (const pair of (r.raw('CLOSE_EXCEPTION_SEVERITY') ?? '').split(',').map((p) => p.trim()).filter((p) => p !== '')) {
    const [code, severity, ...rest] = pair.split('=').map((p) => p.trim());
    if (rest.length > 0 || !code || !(CLOSE_EXCEPTION_CODES as readonly string[]).includes(code) || (severity !== 'blocking' && severity !== 'warning')) {
      r.fail('CLOSE_EXCEPTION_SEVERITY', `must list CODE=blocking|warning pairs separated by commas, codes among ${CLOSE_EXCEPTION_CODES.join(', ')}; got "${pair}"`, true);
      continue;
    }
    exceptionSeverity[code] = severity;
  }
  const closeSchedule = {
    enabled: r.boolean('CLOSE_SCHEDULE_ENABLED', true, true),
    businessDay: r.integer('CLOSE_SCHEDULE_BUSINESS_DAY', 1, 15, 3, true),
    hourUtc: r.integer('CLOSE_SCHEDULE_HOUR_UTC', 0, 23, 6, true),
    paused: r.boolean('CLOSE_SCHEDULE_PAUSED', false, true),
  };

  if (r.issues.length > 0) throw new ConfigError(r.issues);

  return {
    env: nodeEnv,
    http: { port, publicBaseUrl, trustProxy, rateLimitPerMinute, authFailuresPerMinute, docs, healthSmtpCacheSeconds, codecCorsOrigins },
    database: { url: databaseUrl, ...(migrationUrl !== undefined ? { migrationUrl } : {}), appRole, poolSize },
    temporal: {
      address: temporalAddress,
      namespace: r.raw('TEMPORAL_NAMESPACE') ?? 'default',
      taskQueue: r.raw('TEMPORAL_TASK_QUEUE') ?? 'quotaflow',
      codecKeys,
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
      maxTtlSeconds,
    },
    audit: { hmacKey: hmacKey ?? '', checkpointDir, checkpointEveryEvents, checkpointIntervalSeconds },
    approvals: { financeThreshold, quotaChangePercentFlag },
    organisation: { name: organisationName, currency },
    imports: { backgroundBytes },
    payroll,
    close: { exceptionSeverity, schedule: closeSchedule },
    logLevel,
  };
}

/** PAYROLL_LAYOUT (generic|adp|gusto), PAYROLL_EARNING_CODE (1-20 letters, digits, _ or -), PAYROLL_COMPANY_CODE (adp only: 2-3 capitals or digits). */
function readPayroll(r: Reader): PayrollConfig {
  const layout = r.oneOf('PAYROLL_LAYOUT', ['generic', 'adp', 'gusto'] as const, 'generic', true);
  const defaults = { generic: 'COMMISSION', adp: 'C', gusto: 'Commission' } as const;
  const earningCode = r.raw('PAYROLL_EARNING_CODE') ?? defaults[layout];
  if (!/^[A-Za-z0-9_-]{1,20}$/.test(earningCode)) r.fail('PAYROLL_EARNING_CODE', `must be 1-20 letters, digits, _ or -, got "${earningCode}"`, true);
  const companyCode = r.raw('PAYROLL_COMPANY_CODE') ?? '';
  if (layout === 'adp' && !/^[A-Z0-9]{2,3}$/.test(companyCode)) {
    r.fail('PAYROLL_COMPANY_CODE', `required with PAYROLL_LAYOUT=adp: ADP's company code, 2-3 capitals or digits${companyCode ? `, got "${companyCode}"` : ''}`, true);
  }
  return { layout, earningCode, companyCode: layout === 'adp' ? companyCode : '' };
}

/**
 * TRUST_PROXY: unset or `none` → no proxy is trusted (X-Forwarded-For is ignored, the socket's
 * address is the client's); `loopback`, or a comma list of addresses/CIDRs (and Express's names
 * `loopback`, `linklocal`, `uniquelocal`) → X-Forwarded-For is read only from those hops.
 */
function readTrustProxy(r: Reader, check: boolean): false | string[] {
  const value = r.raw('TRUST_PROXY');
  if (value === undefined || value === 'none' || value === 'false') return false;
  const entries = value.split(',').map((entry) => entry.trim()).filter(Boolean);
  const named = ['loopback', 'linklocal', 'uniquelocal'];
  const address = /^(\d{1,3}(\.\d{1,3}){3}|[0-9a-f:]*:[0-9a-f:.]*)(\/\d{1,3})?$/i;
  const bad = entries.filter((entry) => !named.includes(entry) && !address.test(entry));
  if (bad.length > 0 || entries.length === 0) {
    r.fail('TRUST_PROXY', `must be none, or a comma list of loopback|linklocal|uniquelocal|IP|CIDR, got "${value}"`, check);
    return false;
  }
  return entries;
}

/**
 * TEMPORAL_CODEC_KEYS: `id:base64key[,id:base64key…]`, 32-byte keys (AES-256). The first key
 * encrypts; every listed key decrypts (rotation: put the new key first, keep the old ones).
 */
function readCodecKeys(r: Reader, check: boolean, production: boolean): CodecKey[] {
  const value = r.raw('TEMPORAL_CODEC_KEYS');
  if (value === undefined) {
    r.fail('TEMPORAL_CODEC_KEYS', 'required (id:base64-of-32-bytes[,id:key…]; the first key encrypts)', check);
    return [];
  }
  const keys: CodecKey[] = [];
  for (const [index, entry] of value.split(',').map((e) => e.trim()).entries()) {
    const match = /^([A-Za-z0-9._-]{1,64}):([A-Za-z0-9+/_-]+={0,2})$/.exec(entry);
    const key = match ? Buffer.from(match[2]!.replace(/-/g, '+').replace(/_/g, '/'), 'base64') : undefined;
    if (!match || !key || key.length !== 32) {
      // Never echo key material.
      r.fail('TEMPORAL_CODEC_KEYS', `entry ${index + 1} must be id:base64 of exactly 32 bytes`, check);
      continue;
    }
    if (keys.some((k) => k.id === match[1])) r.fail('TEMPORAL_CODEC_KEYS', `key id "${match[1]}" appears twice`, check);
    if (production && new Set(key).size < 16) r.fail('TEMPORAL_CODEC_KEYS', `key "${match[1]}" is too weak for production (not random bytes)`, check);
    keys.push({ id: match[1]!, key });
  }
  return keys;
}
