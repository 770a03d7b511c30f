import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** `.data/dev-secrets.json`, written by scripts/bootstrap.js (git-ignored, mode 600). */
export interface DevSecrets {
  JWT_SECRET?: string;
  AUDIT_HMAC_KEY?: string;
  TEMPORAL_CODEC_KEYS?: string;
  /** Password of the application's own database login in the embedded PostgreSQL. */
  DATABASE_APP_PASSWORD?: string;
}

export const DEV_APP_DB_USER = 'quotaflow_app_user';

export function readDevSecrets(dataDir: string): DevSecrets {
  const file = join(dataDir, 'dev-secrets.json');
  if (!existsSync(file)) return {};
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as DevSecrets;
  } catch {
    return {};
  }
}

/** The app login's URL on the server and database of `ownerUrl` (the embedded superuser). */
export function devAppLoginUrl(ownerUrl: string, dataDir: string): string {
  const password = process.env.DATABASE_APP_PASSWORD ?? readDevSecrets(dataDir).DATABASE_APP_PASSWORD;
  if (!password) throw new Error('.data/dev-secrets.json lacks DATABASE_APP_PASSWORD: start through `npm start` (it generates it).');
  const url = new URL(ownerUrl);
  url.username = DEV_APP_DB_USER;
  url.password = password;
  return url.toString();
}
