import { createDataSource } from '@quotaflow/persistence';
import type { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from './database';

export interface AppDatabase {
  /** The database (its URLs, for a second connection or the owner's). */
  readonly db: TestDatabase;
  /** A data source on it as the application's own login, as production connects. */
  readonly ds: DataSource;
}

/**
 * One fresh database for the calling test file, opened as the application's login before its
 * tests and closed and dropped after them. Call it at the top level of the file.
 */
export function appDatabasePerFile(): AppDatabase {
  let db: TestDatabase | undefined;
  let ds: DataSource | undefined;
  beforeAll(async () => {
    db = await createTestDatabase();
    ds = await createDataSource({ url: db.url, appRole: 'quotaflow_app' }).initialize();
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });
  const opened = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the test database is opened in beforeAll: use it inside a test or hook');
    return value;
  };
  return {
    get db() { return opened(db); },
    get ds() { return opened(ds); },
  };
}
