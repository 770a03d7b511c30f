/**
 * Issue 8, item 6: every route × every identity × own/other team. The routes come from the API
 * itself (the route table of API_CONTROLLERS); test/e2e/route-catalogue.ts says, for each, who gets
 * through on which object of the scenario (test/e2e/access-scenario.ts). A read must answer 2xx
 * to those and 403 (401 without a token) to everyone else, and no answer may carry a figure or a
 * name its reader may not see (distinctive marker values, searched in the text). A write is sent
 * by every denied identity as a VALID request and must be refused with nothing written (every
 * table's fingerprint, the audit trail included, before and after); the allowed identities send
 * a probe that cannot change anything and must get past the guards.
 */
import { routeTable } from '../../apps/api/src/auth/route-table';
import {
  IDENTITIES, MARKERS, changedTables, fingerprint, leakedMarkers, markerVisible, seedScenario, textHasMarker, type MarkerName, type Scenario, type Who,
} from './access-scenario';
import { startHarness, type Harness } from './harness';
import { CATALOGUE, markersNamedNowhere, type CatalogueEntry, type Target } from './route-catalogue';
import { call, methodOf, shown, type Answer } from './route-calls';

jest.setTimeout(180_000);

interface Case {
  route: string;
  entry: CatalogueEntry;
  target: Target;
  who: Who;
  allowed: boolean;
  write: boolean;
}

const ROUTES = routeTable().map((r) => r.route);

function casesOf(): [string, Case][] {
  return Object.entries(CATALOGUE).filter(([route]) => ROUTES.includes(route)).flatMap(([route, entry]) =>
    entry.targets.flatMap((target) =>
      IDENTITIES.map((who): [string, Case] => {
        const allowed = target.allow.includes(who);
        const write = methodOf(route) !== 'GET';
        const on = entry.targets.length > 1 ? ` · ${target.name}` : '';
        const outcome = allowed ? (write ? (entry.safe ? 'answers' : 'gets past the guards (probe)') : 'reads') : who === 'anonymous' ? '401' : '403';
        return [`${route}${on} · ${who} → ${outcome}`, { route, entry, target, who, allowed, write }];
      }),
    ),
  );
}

const CASES = casesOf();
const isCode = (v: unknown): boolean => typeof v === 'string' && /^[A-Z][A-Z_]*(\.[A-Z][A-Z_]*)+$/.test(v);

describe('access matrix: every route × every identity × own and other team', () => {
  let h: Harness;
  let s: Scenario;
  let baseline: Record<string, string>;

  beforeAll(async () => {
    h = await startHarness('access-matrix');
    s = await seedScenario(h);
    baseline = await fingerprint(h);
  });
  afterAll(async () => {
    await h?.close();
  });

  describe('the catalogue covers the API', () => {
    it('every route of the API has an entry (add one to test/e2e/route-catalogue.ts)', () => {
      expect(ROUTES.filter((r) => !(r in CATALOGUE))).toEqual([]);
    });

    it('every entry names a route of the API', () => {
      expect(Object.keys(CATALOGUE).filter((r) => !ROUTES.includes(r))).toEqual([]);
    });

    it('every write target has a valid request, and every entry lets someone through', () => {
      const writes = Object.entries(CATALOGUE).filter(([route]) => methodOf(route) !== 'GET');
      expect(writes.flatMap(([route, e]) => e.targets.filter((t) => !t.valid).map((t) => `${route} · ${t.name}`))).toEqual([]);
      expect(Object.entries(CATALOGUE).flatMap(([route, e]) => e.targets.filter((t) => t.allow.length === 0).map((t) => `${route} · ${t.name}`))).toEqual([]);
    });

    it('the markers are distinct (none is part of another) and each is held by some answer or is checked for leaks only', () => {
      const values = Object.values(MARKERS).map((m) => m.value);
      expect(values.filter((v, i) => values.some((w, j) => i !== j && w.includes(v)))).toEqual([]);
      // Markers no `holds` names are still searched in every answer; list them so a typo shows.
      expect(markersNamedNowhere()).toEqual(['eastRevenue']);
    });
  });

  /**
   * Every case leaves every table as the scenario left it (one fingerprint after each case: the
   * one before is the previous case's). A change fails the case that sees it — its own, or an
   * earlier case's late write; the baseline then moves on, so one write does not fail every case.
   */
  async function expectUnchanged(what: string): Promise<void> {
    const now = await fingerprint(h);
    const changed = changedTables(baseline, now);
    if (changed.length > 0) {
      const audit = (t: Record<string, string>) => t.audit_events?.split(':')[0];
      const message = `${what}: tables changed: ${changed.join(', ')} (audit events ${audit(baseline)} → ${audit(now)})`;
      baseline = now;
      throw new Error(message);
    }
  }

  function expectNoLeak(c: Case, answer: Answer): void {
    const leaked = leakedMarkers(answer.text, c.who);
    if (leaked.length > 0) {
      throw new Error(`${c.who} may not see ${leaked.map((m: MarkerName) => `${MARKERS[m].what} (${MARKERS[m].value})`).join(', ')}: ${shown(answer)}`);
    }
  }

  function expectRefused(c: Case, answer: Answer): void {
    if (c.who === 'anonymous') {
      expect([answer.status, answer.json?.code]).toEqual([401, 'AUTH.UNAUTHENTICATED']);
    } else {
      if (answer.status !== 403) throw new Error(`expected 403, got ${shown(answer)}`);
      expect(isCode(answer.json?.code)).toBe(true);
    }
  }

  it.each(CASES)('%s', async (_name, c) => {
    try {
      await exercise(c);
    } finally {
      await expectUnchanged('after the call (or an earlier call writing late)');
    }
  });

  async function exercise(c: Case): Promise<void> {
    const path = c.target.path(s);
    if (!c.write) {
      const answer = await call(s, { method: 'GET', path, who: c.who });
      expectNoLeak(c, answer);
      if (!c.allowed) {
        expectRefused(c, answer);
      } else {
        if (answer.status < 200 || answer.status >= 300) throw new Error(`expected 2xx, got ${shown(answer)}`);
        const missing = (c.target.holds ?? []).filter((m) => markerVisible(m, c.who) && !textHasMarker(answer.text, m));
        if (missing.length > 0) throw new Error(`${c.who} should see ${missing.map((m) => MARKERS[m].what).join(', ')}: ${shown(answer)}`);
      }
    } else {
      const valid = c.target.valid!(s);
      if (!c.allowed) {
        const answer = await call(s, { method: methodOf(c.route), path: valid.path ?? path, who: c.who, body: valid.body, ...(valid.headers ? { headers: valid.headers } : {}) });
        expectNoLeak(c, answer);
        expectRefused(c, answer);
      } else if (c.entry.safe) {
        const answer = await call(s, { method: methodOf(c.route), path: valid.path ?? path, who: c.who, body: valid.body });
        expectNoLeak(c, answer);
        if (answer.status < 200 || answer.status >= 300) throw new Error(`expected 2xx, got ${shown(answer)}`);
      } else {
        const probe = c.target.probe?.(s) ?? { body: { ...((valid.body as object | undefined) ?? {}), matrixProbe: true }, status: 400 };
        const answer = await call(s, { method: methodOf(c.route), path: probe.path ?? valid.path ?? path, who: c.who, body: probe.body, ...(probe.headers ? { headers: probe.headers } : {}) });
        expectNoLeak(c, answer);
        if (answer.status !== probe.status) throw new Error(`the probe should answer ${probe.status}: ${shown(answer)}`);
        expect(isCode(answer.json?.code)).toBe(true);
      }
    }
  }
});
