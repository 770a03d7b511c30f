import { BatchedLookup } from './batched-lookup';

describe('BatchedLookup', () => {
  it('answers the lookups of one turn with one load, each caller its own key (repeated keys once, unknown keys undefined)', async () => {
    const loads: string[][] = [];
    const lookup = new BatchedLookup<string>(async (keys) => {
      loads.push(keys);
      return new Map(keys.filter((k) => k !== 'ghost').map((k) => [k, `person ${k}`]));
    });
    const answers = await Promise.all(['a', 'b', 'a', 'ghost', 'c'].map((k) => lookup.get(k)));
    expect(answers).toEqual(['person a', 'person b', 'person a', undefined, 'person c']);
    expect(loads).toEqual([['a', 'b', 'ghost', 'c']]);

    // A later turn is a new load.
    expect(await lookup.get('b')).toBe('person b');
    expect(loads).toEqual([['a', 'b', 'ghost', 'c'], ['b']]);
  });

  it('splits a turn into loads of at most the batch size', async () => {
    const loads: string[][] = [];
    const lookup = new BatchedLookup<number>(async (keys) => {
      loads.push(keys);
      return new Map(keys.map((k) => [k, Number(k)]));
    }, 3);
    const answers = await Promise.all(['1', '2', '3', '4', '5'].map((k) => lookup.get(k)));
    expect(answers).toEqual([1, 2, 3, 4, 5]);
    expect(loads).toEqual([['1', '2', '3'], ['4', '5']]);
  });

  it('gives every caller of a failed load the failure, and the next turn loads again', async () => {
    let fail = true;
    const lookup = new BatchedLookup<string>(async (keys) => {
      if (fail) throw new Error('database down');
      return new Map(keys.map((k) => [k, k]));
    });
    const settled = await Promise.allSettled([lookup.get('a'), lookup.get('b')]);
    expect(settled.map((s) => (s.status === 'rejected' ? (s.reason as Error).message : s.value))).toEqual(['database down', 'database down']);
    fail = false;
    expect(await lookup.get('a')).toBe('a');
  });

  it('a load that throws before returning a promise fails its callers the same way', async () => {
    const lookup = new BatchedLookup<string>(() => {
      throw new Error('bad query');
    });
    await expect(lookup.get('a')).rejects.toThrow('bad query');
  });
});
