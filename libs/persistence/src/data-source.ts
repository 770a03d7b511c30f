import { DataSource } from 'typeorm';
import type { PostgresConnectionOptions } from 'typeorm/driver/postgres/PostgresConnectionOptions';
import type { DatabaseConfig } from '@quotaflow/config';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';
import { SnakeNamingStrategy } from './naming.strategy';

export type DatabaseRole = 'app' | 'owner';

const POOL_IDLE_MS = 300_000;

export interface DataSourceOptionsInput {
  /**
   * `app` (default): the application's own login, DATABASE_URL; `owner`: the schema owner,
   * DATABASE_MIGRATION_URL (falls back to DATABASE_URL when that is not set).
   */
  role?: DatabaseRole;
  applicationName?: string;
  poolSize?: number;
  logging?: boolean;
}

/** Options for `new DataSource(...)` or Nest's `TypeOrmModule.forRootAsync({ useFactory })`. */
export function dataSourceOptions(db: DatabaseConfig, options: DataSourceOptionsInput = {}): PostgresConnectionOptions {
  const role = options.role ?? 'app';
  return {
    type: 'postgres',
    url: role === 'owner' ? (db.migrationUrl ?? db.url) : db.url,
    entities: [...ENTITIES],
    migrations: [...MIGRATIONS],
    migrationsTableName: 'migrations',
    synchronize: false,
    migrationsRun: false,
    namingStrategy: new SnakeNamingStrategy(),
    applicationName: options.applicationName ?? 'quotaflow',
    logging: options.logging ?? false,
    poolSize: options.poolSize ?? db.poolSize,
    // Connections stay open for 5 minutes idle (pg's default is 10 s): a burst of requests after a
    // quiet moment then finds them ready instead of each opening one (a new backend and a SCRAM
    // exchange, several ms of CPU on both sides, while the burst waits).
    extra: { idleTimeoutMillis: POOL_IDLE_MS },
  };
}

export function createDataSource(db: DatabaseConfig, options: DataSourceOptionsInput = {}): DataSource {
  return new DataSource(dataSourceOptions(db, options));
}

function ownerDataSource(url: string): DataSource {
  return createDataSource({ url, appRole: 'quotaflow_app' }, { role: 'owner', applicationName: 'quotaflow-migrate', poolSize: 1 });
}

/** Applies pending migrations as the URL's user; returns the names that ran, in order. */
export async function runMigrations(url: string): Promise<string[]> {
  const ds = await ownerDataSource(url).initialize();
  try {
    const ran = await ds.runMigrations({ transaction: 'each' });
    return ran.map((m) => m.name);
  } finally {
    await ds.destroy();
  }
}

/** Reverts the most recent migration; returns its name, or null when none was applied. */
export async function revertLastMigration(url: string): Promise<string | null> {
  const ds = await ownerDataSource(url).initialize();
  try {
    const rows = (await ds.query(`SELECT to_regclass('migrations') IS NOT NULL AS present`)) as Array<{ present: boolean }>;
    if (!rows[0]?.present) return null;
    const last = (await ds.query(`SELECT name FROM migrations ORDER BY timestamp DESC, id DESC LIMIT 1`)) as Array<{ name: string }>;
    if (last.length === 0) return null;
    await ds.undoLastMigration({ transaction: 'each' });
    return last[0]!.name;
  } finally {
    await ds.destroy();
  }
}
