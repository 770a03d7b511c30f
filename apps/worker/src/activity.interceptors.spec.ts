/**
 * Which database errors an activity retries, on errors raised by a real PostgreSQL (the
 * application's own login): a value the database can never store fails for good, with a stable
 * code, so the workflow reports it instead of retrying forever (a NUL in a comment once froze a
 * quota sign-off); a lost connection stays retryable.
 */
import { ApplicationFailure } from '@temporalio/common';
import { withClient } from '@quotaflow/devstack';
import { createDataSource } from '@quotaflow/persistence';
import { appDatabasePerFile } from '../../../test/support/app-database';
import { classifyActivityError } from './activity.interceptors';

const database = appDatabasePerFile();

async function errorOf(sql: string, params: unknown[] = []): Promise<unknown> {
  try {
    await database.ds.query(sql, params);
  } catch (e) {
    return e;
  }
  throw new Error(`expected ${sql} to fail`);
}

describe('classifyActivityError', () => {
  it.each([
    ['a NUL character in text (22021)', 'SELECT $1::text', ['a\u0000b'], '22021', 'DATABASE.INVALID_DATA'],
    ['a date that does not exist (22008)', `SELECT '2026-02-30'::date`, [], '22008', 'DATABASE.INVALID_DATA'],
    ['an update of the append-only audit table (42501)', 'UPDATE audit_events SET action = action', [], '42501', 'DATABASE.REFUSED'],
    ['a broken not-null constraint (23502)', 'INSERT INTO teams (name) VALUES (NULL)', [], '23502', 'DATABASE.CONSTRAINT_VIOLATED'],
  ])('makes %s non-retryable', async (_name, sql, params, sqlState, type) => {
    const error = await errorOf(sql, params);
    expect((error as { code?: string }).code).toBe(sqlState);
    const classified = classifyActivityError(error);
    expect(classified).toBeInstanceOf(ApplicationFailure);
    expect((classified as ApplicationFailure).nonRetryable).toBe(true);
    expect((classified as ApplicationFailure).type).toBe(type);
    expect((classified as ApplicationFailure).message).toContain(`(SQLSTATE ${sqlState})`);
  });

  it('leaves a lost connection retryable', async () => {
    const other = await createDataSource({ url: database.db.url, appRole: 'quotaflow_app' }).initialize();
    const runner = other.createQueryRunner();
    await runner.connect();
    const [{ pid }] = (await runner.query('SELECT pg_backend_pid() AS pid')) as Array<{ pid: number }>;
    // Ended from the server's side, as a restarting PostgreSQL would (SQLSTATE 57P01).
    await withClient(database.db.ownerUrl, async (client) => {
      await client.query('SELECT pg_terminate_backend($1)', [pid]);
    });
    const error = await runner.query('SELECT 1').then(() => undefined, (e: unknown) => e);
    await runner.release().catch(() => undefined);
    await other.destroy().catch(() => undefined);
    expect(error).toBeInstanceOf(Error);
    expect(classifyActivityError(error)).toBe(error);
  });

  it('passes an ApplicationFailure through unchanged', () => {
    const failure = ApplicationFailure.nonRetryable('no such quota set', 'QUOTA_SET.NOT_FOUND');
    expect(classifyActivityError(failure)).toBe(failure);
  });
});
