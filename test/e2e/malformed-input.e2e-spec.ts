/**
 * Issue 8, item 7: a generated set of malformed inputs for every write route, and for the query and
 * path parameters of the reads. Each write route of the API (the route table) starts from the valid
 * example of test/e2e/route-catalogue.ts, which must pass the route's own body validation; the
 * generator (test/e2e/malformed-generator.ts) mutates it field by field and as a whole. Each input
 * is sent by an identity allowed on the route and must answer the right 4xx (400; 413 too large;
 * 415 not JSON; 422 what the plan language or the importer judges) with a stable code, the
 * offending field named in `details`, never a 500, and no table changed (an import's rejection is
 * kept on record on purpose).
 */
import type { Type } from '@nestjs/common';
import { createValidationPipe } from '../../apps/api/src/common/validation.pipe';
import { routeTable, type RouteInfo } from '../../apps/api/src/auth/route-table';
import { changedTables, fingerprint, seedScenario, type Scenario } from './access-scenario';
import { startHarness, type Harness } from './harness';
import { bodyInputs, namesField, pathInputs, queryInputs, type Json, type MalformedInput } from './malformed-generator';
import { CATALOGUE } from './route-catalogue';
import { call, methodOf } from './route-calls';

jest.setTimeout(240_000);

const ROUTES = routeTable();
const WRITES = ROUTES.filter((r) => r.method !== 'GET');
const READS_WITH_INPUTS = ROUTES.filter((r) => r.method === 'GET' && (CATALOGUE[r.route]?.query || r.path.includes(':')));
const isCode = (v: unknown): boolean => typeof v === 'string' && /^[A-Z][A-Z_]*(\.[A-Z][A-Z_]*)+$/.test(v);

/** Inputs sent per route, for the summary. */
const counts = new Map<string, number>();

describe('malformed input: every write route, every query, never a 500, nothing written', () => {
  let h: Harness;
  let s: Scenario;
  let baseline: Record<string, string>;

  beforeAll(async () => {
    h = await startHarness('malformed-input');
    s = await seedScenario(h);
    baseline = await fingerprint(h);
  });
  afterAll(async () => {
    if (counts.size > 0) {
      const lines = [...counts].map(([route, n]) => `${String(n).padStart(6)}  ${route}`);
      const total = [...counts.values()].reduce((a, b) => a + b, 0);
      // The summary the issue asks for: how many inputs each route was sent.
      console.log(`malformed inputs per route (${total} in all, ${counts.size} routes):\n${lines.join('\n')}`);
    }
    await h?.close();
  });

  it('every write route has a malformed-input entry with a valid example (test/e2e/route-catalogue.ts)', () => {
    expect(WRITES.filter((r) => !CATALOGUE[r.route]?.malformed || !CATALOGUE[r.route]!.targets.some((t) => t.valid)).map((r) => r.route)).toEqual([]);
  });

  /** Sends every input; answers the problems found (empty: all refused as they should be, nothing written). */
  async function send(route: string, as: Parameters<typeof call>[1]['who'], inputs: MalformedInput[], options: { method: string; fieldStatuses?: readonly number[]; refusalRecords?: readonly string[] }): Promise<string[]> {
    counts.set(route, (counts.get(route) ?? 0) + inputs.length);
    const problems: string[] = [];
    for (const input of inputs) {
      const answer = await call(s, { method: options.method, path: input.path, who: as, ...(input.raw !== undefined ? { raw: input.raw } : {}), ...(input.contentType ? { contentType: input.contentType } : {}) });
      const said = `${answer.status} ${answer.json?.code ?? answer.text.slice(0, 120)}`;
      if (!input.statuses.includes(answer.status)) problems.push(`${input.name}: expected ${input.statuses.join('/')}, got ${said}`);
      else if (!isCode(answer.json?.code)) problems.push(`${input.name}: no stable code in ${answer.text.slice(0, 200)}`);
      else if (input.field && answer.status !== 413 && answer.status !== 415 && !namesField(answer.json?.details, input.field)) {
        problems.push(`${input.name}: details do not name ${input.field}: ${JSON.stringify(answer.json).slice(0, 1200)}`);
      }
      const now = await fingerprint(h);
      const changed = changedTables(baseline, now).filter((t) => !(options.refusalRecords ?? []).includes(t));
      if (changed.length > 0) problems.push(`${input.name}: ${changed.join(', ')} changed by it or by a late write of the input before (it answered ${said})`);
      baseline = now;
    }
    return problems;
  }

  it.each(WRITES.map((r): [string, RouteInfo] => [r.route, r]))('%s refuses every malformed body, path and query', async (route, info) => {
    const entry = CATALOGUE[route];
    if (!entry?.malformed) throw new Error(`${route} has no malformed-input entry in test/e2e/route-catalogue.ts`);
    const hints = entry.malformed;
    const target = entry.targets.find((t) => t.name === (hints.target ?? entry.targets[0]!.name));
    if (!target?.valid) throw new Error(`${route}: the target of the example has no valid request`);
    if (!target.allow.includes(hints.as)) throw new Error(`${route}: ${hints.as} is not allowed on ${target.name}`);
    const example = target.valid(s);
    const path = example.path ?? target.path(s);
    // The example passes the route's own body validation, so each input differs from a valid one by its mutation only.
    if (info.bodyType && info.bodyType !== Object) {
      await createValidationPipe().transform(example.body ?? {}, { type: 'body', metatype: info.bodyType as Type<unknown>, data: '' });
    }
    const withBody = example.body !== undefined ? { raw: JSON.stringify(example.body), contentType: 'application/json' } : {};
    const inputs = [
      ...bodyInputs(path, example.body as Json | undefined, hints),
      ...pathInputs(info.path, path, withBody),
      ...(entry.query ? queryInputs(entry.query.path(s), entry.query.params).map((input) => ({ ...input, ...withBody })) : []),
    ];
    const problems = await send(route, hints.as, inputs, { method: methodOf(route), ...(hints.fieldStatuses ? { fieldStatuses: hints.fieldStatuses } : {}), ...(hints.refusalRecords ? { refusalRecords: hints.refusalRecords } : {}) });
    expect(problems).toEqual([]);
  });

  it.each(READS_WITH_INPUTS.map((r): [string, RouteInfo] => [r.route, r]))('%s refuses every malformed query and path parameter', async (route, info) => {
    const entry = CATALOGUE[route]!;
    const target = entry.targets[0]!;
    const who = entry.query?.as ?? target.allow.find((w) => w !== 'anonymous')!;
    const inputs = [
      ...(entry.query ? queryInputs(entry.query.path(s), entry.query.params) : []),
      ...(info.path.includes(':') ? pathInputs(info.path, target.path(s), {}) : []),
    ];
    expect(await send(route, who, inputs, { method: 'GET' })).toEqual([]);
  });
});
