/**
 * readTogether: at once on the pool, one at a time on a transaction's single connection (pg
 * queued concurrent queries on one client with a deprecation warning, and pg 9 refuses them;
 * the plan-acceptance worker did so inside its approval-step transaction).
 */
import type { EntityManager } from 'typeorm';
import { appDatabasePerFile } from '../../../../test/support/app-database';
import { readTogether } from './reads';

const database = appDatabasePerFile();

/** Three reads that each take 50 ms in the database, with the most that ran at the same time. */
async function threeSlowReads(m: EntityManager): Promise<{ values: number[]; mostAtOnce: number }> {
  let running = 0;
  let mostAtOnce = 0;
  const read = (n: number) => async (): Promise<number> => {
    running += 1;
    mostAtOnce = Math.max(mostAtOnce, running);
    try {
      const [row] = (await m.query('SELECT $1::int AS n, pg_sleep(0.05)', [n])) as Array<{ n: number }>;
      return row!.n;
    } finally {
      running -= 1;
    }
  };
  const values = await readTogether<[number, number, number]>(m, [read(1), read(2), read(3)]);
  return { values: [...values], mostAtOnce };
}

describe('readTogether', () => {
  it('runs reads at once on the pool, answers in order', async () => {
    const { values, mostAtOnce } = await threeSlowReads(database.ds.manager);
    expect(values).toEqual([1, 2, 3]);
    expect(mostAtOnce).toBe(3);
  });

  it('runs them one after another inside a transaction, answers in order', async () => {
    const { values, mostAtOnce } = await database.ds.transaction((m) => threeSlowReads(m));
    expect(values).toEqual([1, 2, 3]);
    expect(mostAtOnce).toBe(1);
  });
});
