import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { PersonEntity } from '@quotaflow/persistence';
import { type Harness, startHarness } from './harness';

jest.setTimeout(120_000);

const EXAMPLE = resolve(__dirname, '../../../shared/spec/examples/01-tiered-commission-with-split.json');

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

  it('finance previews a spec example and gets its exact figures', async () => {
    const example = JSON.parse(readFileSync(EXAMPLE, 'utf8')) as { input: unknown; expect: Record<string, Record<string, { payout: string; components: Record<string, string> }>> };
    const r = await h.http('POST', '/api/v1/calculations/preview', { as: h.org.finance, body: example.input });
    expect(r.status).toBe(200);
    for (const period of r.body.periods) {
      for (const p of period.participants) {
        const want = example.expect[period.id]![p.participantId]!;
        expect(p.payout).toBe(want.payout);
        for (const c of p.components) expect(c.amount).toBe(want.components[c.id]);
      }
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
