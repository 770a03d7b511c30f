import type { PersonEntity } from '@quotaflow/persistence';
import { type Harness, startHarness } from './harness';

jest.setTimeout(120_000);

/**
 * Graduated tiers, a 50/50 split and a 5 % kicker, worked by hand:
 * ana 25,000 + 20,000 = 45,000: 20,000 × 4 % + 25,000 × 6 % = 2,300.00, kicker 115.00;
 * ben 20,000 × 4 % = 800.00, kicker 40.00.
 */
const SPLIT_WITH_KICKER = {
  currency: 'USD',
  periods: [{ id: '2026-01', start: '2026-01-01', end: '2026-01-31' }],
  plans: [{
    id: 'ae',
    components: [
      { id: 'commission', kind: 'commission', table: { split: 'step', tiers: [{ from: 0, rate: 0.04 }, { from: 20000, rate: 0.06 }, { from: 60000, rate: 0.09 }] } },
      { id: 'kicker', kind: 'bonus', of: 'commission', rate: 0.05 },
    ],
  }],
  participants: [
    { id: 'ana', name: 'Ana', planId: 'ae', quota: { default: 50000 } },
    { id: 'ben', name: 'Ben', planId: 'ae', quota: { default: 50000 } },
  ],
  transactions: [
    { id: 'O-1', date: '2026-01-06', amount: 25000, type: 'revenue', credits: [{ participantId: 'ana', share: 1 }] },
    { id: 'O-2', date: '2026-01-19', amount: 40000, type: 'revenue', credits: [{ participantId: 'ana', share: 0.5 }, { participantId: 'ben', share: 0.5 }] },
  ],
};
const EXPECTED: Record<string, { payout: string; components: Record<string, string> }> = {
  ana: { payout: '2415.00', components: { commission: '2300.00', kicker: '115.00' } },
  ben: { payout: '840.00', components: { commission: '800.00', kicker: '40.00' } },
};

/** A small what-if document whose participants are the given people. */
function whatIf(...people: PersonEntity[]) {
  return {
    currency: 'USD',
    periods: [{ id: '2026-01', start: '2026-01-01', end: '2026-01-31' }],
    plans: [{ id: 'ae', components: [{ id: 'commission', kind: 'commission', table: { split: 'step', tiers: [{ from: 0, rate: '0.04' }, { from: 20000, rate: '0.06' }] } }] }],
    participants: people.map((p) => ({ id: p.id, name: p.name, planId: 'ae', quota: { default: '100000' } })),
    transactions: [{ id: 'O-1', date: '2026-01-10', amount: '25000', type: 'revenue', credits: people.map((p) => ({ participantId: p.id, share: String(1 / people.length) })) }],
  };
}

describe('POST /api/v1/calculations/preview (the what-if estimator)', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness('calculations-preview', { inProcessWorker: false });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('finance previews a split with a kicker and gets the hand-worked figures', async () => {
    const r = await h.http('POST', '/api/v1/calculations/preview', { as: h.org.finance, body: SPLIT_WITH_KICKER });
    expect(r.status).toBe(200);
    const participants = r.body.periods[0].participants as Array<{ participantId: string; payout: string; components: Array<{ id: string; amount: string }> }>;
    expect(participants.map((p) => p.participantId).sort()).toEqual(['ana', 'ben']);
    for (const p of participants) {
      expect(p.payout).toBe(EXPECTED[p.participantId]!.payout);
      for (const c of p.components) expect(c.amount).toBe(EXPECTED[p.participantId]!.components[c.id]);
    }
  });

  it('a rep previews only a document whose sole participant is themselves', async () => {
    const own = await h.http('POST', '/api/v1/calculations/preview', { as: h.org.rep, body: whatIf(h.org.rep) });
    expect(own.status).toBe(200);
    // 20,000 at 4% + 5,000 at 6% = 800.00 + 300.00
    expect(own.body.periods[0].participants[0]).toMatchObject({ participantId: h.org.rep.id, payout: '1100.00' });
    const other = await h.http('POST', '/api/v1/calculations/preview', { as: h.org.rep, body: whatIf(h.org.otherRep) });
    expect(other.status).toBe(403);
    const both = await h.http('POST', '/api/v1/calculations/preview', { as: h.org.rep, body: whatIf(h.org.rep, h.org.otherRep) });
    expect(both.status).toBe(403);
  });

  it('a manager previews only their team', async () => {
    expect((await h.http('POST', '/api/v1/calculations/preview', { as: h.org.manager, body: whatIf(h.org.rep, h.org.otherRep) })).status).toBe(200);
    const outside = await h.http('POST', '/api/v1/calculations/preview', { as: h.org.manager, body: whatIf(h.org.rep, h.org.farRep) });
    expect(outside.status).toBe(403);
    expect(outside.body.details.value).toEqual([h.org.farRep.id]);
  });

  it('the auditor cannot run previews; an invalid document gets 422 with every JSON path', async () => {
    expect((await h.http('POST', '/api/v1/calculations/preview', { as: h.org.auditor, body: whatIf(h.org.rep) })).status).toBe(403);
    const bad = whatIf(h.org.rep);
    (bad.transactions[0]!.credits[0] as { share: string }).share = '1.5';
    (bad.transactions[0] as { date: string }).date = '2027-05-01';
    const r = await h.http('POST', '/api/v1/calculations/preview', { as: h.org.finance, body: bad });
    expect(r.status).toBe(422);
    expect(r.body.code).toBe('CALC.INVALID_DOCUMENT');
    const paths = (r.body.details as Array<{ path: string }>).map((d) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['$.transactions[0].credits[0].share', '$.transactions[0].date']));
  });
});
