import type { EntityManager } from 'typeorm';

/**
 * Runs independent reads at once when `m` is the pool's manager (each on its own connection),
 * and one after another inside a transaction: a transaction has one connection, on which pg
 * would queue concurrent queries itself — deprecated, and refused from pg 9 on.
 */
export async function readTogether<T extends readonly unknown[]>(m: EntityManager, reads: { readonly [K in keyof T]: () => Promise<T[K]> }): Promise<T> {
  if (m.queryRunner === undefined) return (await Promise.all(reads.map((read) => read()))) as unknown as T;
  const out: unknown[] = [];
  for (const read of reads) out.push(await read());
  return out as unknown as T;
}
