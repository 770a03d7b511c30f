import { DomainError } from '@quotaflow/domain';
import { canonicalJson, sha256Hex } from './canonical-json';
import { InvalidPlanDocumentError, preparePlanDocument } from './plan-document';

const plan = { id: 'p', components: [{ id: 'c', kind: 'commission', table: { split: 'step', tiers: [{ from: 0, rate: 0.05 }] } }] };

describe('preparePlanDocument', () => {
  it('hashes canonical JSON, independent of key order', () => {
    const reordered = { components: [{ table: { tiers: [{ rate: 0.05, from: 0 }], split: 'step' }, kind: 'commission', id: 'c' }], id: 'p' };
    expect(preparePlanDocument(plan)).toBe(sha256Hex(canonicalJson(plan)));
    expect(preparePlanDocument(reordered)).toBe(preparePlanDocument(plan));
  });

  it('refuses what the engine refuses, with the path of every issue', () => {
    const bad = { id: 'p', components: [{ id: 'c', kind: 'commission', table: { split: 'step', tiers: [{ from: 0.5, rate: 0.05 }, { from: 0.1, rate: 0.1 }] } }] };
    let error: unknown;
    try {
      preparePlanDocument(bad);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidPlanDocumentError);
    expect(error).toBeInstanceOf(DomainError);
    expect((error as InvalidPlanDocumentError).code).toBe('CALC.INVALID_DOCUMENT');
    expect((error as InvalidPlanDocumentError).issues.length).toBeGreaterThan(0);
    expect((error as InvalidPlanDocumentError).issues[0]!.path).toMatch(/^\$\.components\[0\]\.table/);
  });

  it('refuses a non-object', () => {
    expect(() => preparePlanDocument([])).toThrow(InvalidPlanDocumentError);
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every level and normalises Dates and undefined', () => {
    expect(canonicalJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: undefined }, t: new Date('2026-01-01T00:00:00Z') })).toBe(
      '{"a":{"d":[{"y":2,"z":1}]},"b":1,"t":"2026-01-01T00:00:00.000Z"}',
    );
    expect(canonicalJson(undefined)).toBe('null');
  });
});
