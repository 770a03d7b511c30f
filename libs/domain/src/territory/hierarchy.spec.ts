import { ancestorsOf, ownerOfTerritory, validateTerritoryHierarchy } from './hierarchy';
import type { Territory } from './types';

const emea: Territory[] = [
  { id: 'emea', ownerId: 'vp' },
  { id: 'dach', parentId: 'emea', ownerId: 'rep-de' },
  { id: 'berlin', parentId: 'dach' },
  { id: 'munich', parentId: 'dach', ownerId: 'rep-muc' },
  { id: 'nordics', parentId: 'emea' },
];

describe('territory hierarchy', () => {
  it('walks up to the root', () => {
    expect(ancestorsOf(emea, 'berlin').map((t) => t.id)).toEqual(['dach', 'emea']);
  });

  it('a territory without an owner belongs to its nearest owned ancestor', () => {
    expect(['berlin', 'munich', 'nordics', 'emea', 'nowhere'].map((id) => ownerOfTerritory(emea, id))).toEqual([
      'rep-de',
      'rep-muc',
      'vp',
      'vp',
      undefined,
    ]);
  });

  it('accepts a tree and refuses duplicates, unknown parents and cycles', () => {
    expect(() => validateTerritoryHierarchy(emea)).not.toThrow();
    expect(() => validateTerritoryHierarchy([...emea, { id: 'dach' }])).toThrow('listed twice');
    expect(() => validateTerritoryHierarchy([...emea, { id: 'x', parentId: 'apac' }])).toThrow('unknown parent');
    expect(() => validateTerritoryHierarchy([{ id: 'a', parentId: 'b' }, { id: 'b', parentId: 'a' }])).toThrow('its own ancestor');
  });
});
