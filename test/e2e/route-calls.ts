/** Raw HTTP calls for the route-catalogue suites: any method, body, content type and identity. */
import type { Scenario, Who } from './access-scenario';

export interface Answer {
  status: number;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- whatever JSON the API answered; the suites assert its shape
  json: any;
}

export interface RawCall {
  method: string;
  path: string;
  who: Who;
  /** A value sent as JSON (application/json), unless `raw` is given. */
  body?: unknown;
  /** The body as sent, byte for byte. */
  raw?: string | Buffer;
  contentType?: string;
  headers?: Record<string, string>;
}

export async function call(s: Scenario, c: RawCall): Promise<Answer> {
  const headers: Record<string, string> = { ...(c.headers ?? {}) };
  if (c.who !== 'anonymous') headers.authorization = `Bearer ${s.h.token(s.people[c.who])}`;
  let body: string | Buffer | undefined = c.raw;
  if (c.raw === undefined && c.body !== undefined) body = JSON.stringify(c.body);
  if (body !== undefined) headers['content-type'] = c.contentType ?? 'application/json';
  else if (c.contentType) headers['content-type'] = c.contentType;
  const res = await fetch(`${s.h.baseUrl}${c.path}`, { method: c.method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json };
}

/** The method of a catalogue route name (`POST /quota-sets` → `POST`). */
export const methodOf = (route: string): string => route.slice(0, route.indexOf(' '));

/** A short form of an answer for failure messages. */
export function shown(a: Answer): string {
  return `${a.status} ${a.text.length > 600 ? `${a.text.slice(0, 600)}…` : a.text}`;
}
