import { didYouMean, normaliseSpelling, SpellingIndex } from './suggest';

describe('suggestions by normalised spelling', () => {
  const index = new SpellingIndex(['Edge Plus', 'Edge', 'Core Platform', 'Zoë Adeyemi', 'ACME Corp.']);

  it('ignores case, accents, spaces and punctuation', () => {
    expect(normaliseSpelling('Edge-Plus')).toBe('edgeplus');
    expect(index.suggest('Edge-Plus')).toEqual(['Edge Plus']);
    expect(index.suggest('edge plus')).toEqual(['Edge Plus']);
    expect(index.suggest('Zoe Adeyemi')).toEqual(['Zoë Adeyemi']);
    expect(index.suggest('Acme Corp')).toEqual(['ACME Corp.']);
  });

  it('falls back to a small edit distance, never to something far', () => {
    expect(index.suggest('Core Platfrom')).toEqual(['Core Platform']);
    expect(index.suggest('Something else')).toEqual([]);
  });

  it('phrases the question', () => {
    expect(didYouMean(['Edge Plus'])).toBe('; did you mean `Edge Plus`?');
    expect(didYouMean(['A', 'B', 'C'])).toBe('; did you mean `A`, `B` or `C`?');
    expect(didYouMean([])).toBe('');
  });
});
