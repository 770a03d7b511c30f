import { findShapeProblem, MAX_DEPTH } from './json-shape';

describe('the shape of a request value', () => {
  const nested = (levels: number, leaf: unknown = 1): unknown => {
    let v = leaf;
    for (let i = 0; i < levels; i += 1) v = i % 2 === 0 ? { a: v } : [v];
    return v;
  };

  it('takes what our bodies look like', () => {
    expect(findShapeProblem({ document: { components: [{ table: { tiers: [{ from: 0 }] } }] } })).toBeUndefined();
    expect(findShapeProblem(nested(MAX_DEPTH))).toBeUndefined();
  });

  it('names where a value nests too deep, at any depth, without recursing', () => {
    expect(findShapeProblem(nested(MAX_DEPTH + 1))).toMatchObject({ code: 'REQUEST.TOO_DEEP' });
    expect(findShapeProblem({ document: nested(100_000) }, '')?.path).toMatch(/^document\[0\]\.a/);
  });

  it('refuses the keys of the prototype machinery anywhere, own keys as JSON.parse makes them', () => {
    expect(findShapeProblem(JSON.parse('{"__proto__": {"polluted": true}}'))).toMatchObject({ code: 'VALIDATION.FAILED', path: '__proto__' });
    expect(findShapeProblem(JSON.parse('{"quotas": {"constructor": {"prototype": 1}}}'), '')?.path).toBe('quotas.constructor');
    expect(findShapeProblem(JSON.parse('{"a": [{"prototype": 1}]}'), 'query')?.path).toBe('query.a[0].prototype');
  });
});
