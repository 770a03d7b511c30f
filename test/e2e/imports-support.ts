// Helpers for the import tests: uploads over HTTP and table counts.
import type { PersonEntity } from '@quotaflow/persistence';
import type { DataSource } from 'typeorm';
import type { Harness } from './harness';

export interface Answer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  text: string;
  headers: Headers;
}

/** POST /imports/:kind with a body (text/csv unless told) as `person`. */
export async function upload(h: Harness, as: PersonEntity, kind: string, body: string | Buffer | ReadableStream<Uint8Array> | FormData, query = '', contentType: string | null = 'text/csv'): Promise<Answer> {
  const headers: Record<string, string> = { authorization: `Bearer ${h.token(as)}` };
  if (contentType) headers['content-type'] = contentType;
  const init: RequestInit & { duplex?: 'half' } = { method: 'POST', headers, body: body as RequestInit['body'] };
  if (typeof ReadableStream !== 'undefined' && body instanceof ReadableStream) init.duplex = 'half';
  const res = await fetch(`${h.baseUrl}/api/v1/imports/${kind}${query ? `?${query}` : ''}`, init);
  const text = await res.text();
  let parsed: unknown = text;
  try { parsed = text ? JSON.parse(text) : undefined; } catch { /* not JSON */ }
  return { status: res.status, body: parsed, text, headers: res.headers };
}

export async function get(h: Harness, as: PersonEntity, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(`${h.baseUrl}/api/v1${path}`, { headers: { authorization: `Bearer ${h.token(as)}`, ...headers } });
  const text = await res.text();
  let parsed: unknown = text;
  try { parsed = text ? JSON.parse(text) : undefined; } catch { /* not JSON */ }
  return { status: res.status, body: parsed, text, headers: res.headers };
}

/** Row counts of every table of the schema (the migrations table aside). */
export async function tableCounts(db: DataSource): Promise<Record<string, number>> {
  const tables = (await db.query(`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> 'migrations' ORDER BY 1`)) as Array<{ name: string }>;
  const counts: Record<string, number> = {};
  for (const t of tables) counts[t.name] = ((await db.query(`SELECT count(*)::int AS n FROM "${t.name}"`)) as Array<{ n: number }>)[0]!.n;
  return counts;
}

export const count = async (db: DataSource, sql: string, params: unknown[] = []): Promise<number> =>
  ((await db.query(sql, params)) as Array<{ n: number }>)[0]!.n;
