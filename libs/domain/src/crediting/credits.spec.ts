import { creditsForDeal, territoryOn, type CreditableDeal } from './credits';

const ownership = [
  { territoryId: 'east', from: '2025-01-01', to: '2026-04-01' },
  { territoryId: 'west', from: '2026-04-01', to: null },
];
const owners: Record<string, string> = { east: 'ethan', west: 'liam' };
const deal: CreditableDeal = { id: '006A', stage: 'won', closeDate: '2026-03-31', amount: '1000.00', type: 'new', product: 'EDGE', credits: null, reverses: null };

describe('crediting a deal', () => {
  it('the territory owner on the close date takes the whole deal', () => {
    expect(territoryOn(ownership, '2026-03-31')).toBe('east');
    expect(territoryOn(ownership, '2026-04-01')).toBe('west');
    expect(territoryOn(ownership, '2024-12-31')).toBeNull();
    expect(creditsForDeal(deal, ownership, (t) => owners[t])).toEqual([{ participantId: 'ethan', share: '1' }]);
    expect(creditsForDeal({ ...deal, closeDate: '2026-04-01' }, ownership, (t) => owners[t])).toEqual([{ participantId: 'liam', share: '1' }]);
  });

  it('explicit credits win over the territory', () => {
    expect(creditsForDeal({ ...deal, credits: [{ personId: 'a', share: '0.6' }, { personId: 'b', share: '0.4' }] }, ownership, (t) => owners[t]))
      .toEqual([{ participantId: 'a', share: '0.6' }, { participantId: 'b', share: '0.4' }]);
  });

  it('no owner, no credits (the close reports the deal)', () => {
    expect(creditsForDeal({ ...deal, closeDate: '2024-06-01' }, ownership, (t) => owners[t])).toEqual([]);
  });
});
