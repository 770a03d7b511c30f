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

  /** POST raw bytes (the harness sends strings as UTF-8). */
  async function postBytes(path: string, as: PersonEntity, bytes: Buffer): Promise<{ status: number; body: { code: string; message: string; details: unknown } }> {
    const res = await fetch(`${h.baseUrl}${path}`, { method: 'POST', headers: { authorization: `Bearer ${h.token(as)}`, 'content-type': 'application/json' }, body: bytes });
    return { status: res.status, body: (await res.json()) as { code: string; message: string; details: unknown } };
  }

  /** A document of `count` deals for the given people, with `components` commissions of `tiers` tiers each. */
  function deals(people: PersonEntity[], count: number, tiers = 2, components = 1) {
    const doc = whatIf(...people);
    const table = { split: 'step', tiers: Array.from({ length: tiers }, (_, i) => ({ from: i * 1000, rate: '0.01' })) };
    (doc.plans[0] as { components: unknown[] }).components = Array.from({ length: components }, (_, c) => ({ id: `c${c}`, table }));
    doc.transactions = Array.from({ length: count }, (_, i) => ({ id: `O${i}`, date: '2026-01-10', amount: String(100 + (i % 900)), type: 'revenue', credits: people.map((p) => ({ participantId: p.id, share: (1 / people.length).toFixed(4) })) }));
    return doc;
  }

  it('refuses what JSON would hide or the engine would misread, with 422 and the path of each problem', async () => {
    const text = JSON.stringify(whatIf(h.org.rep)).replace('"amount":"25000"', '"amount":12345678901234567891').replace('"kind":"commission"', '"kind":"commission","capp":5');
    const r = await postBytes('/api/v1/calculations/preview', h.org.finance, Buffer.from(text));
    expect(r.status).toBe(422);
    expect(r.body.code).toBe('CALC.INVALID_DOCUMENT');
    expect((r.body.details as { path: string }[]).map((d) => d.path)).toEqual(['$.transactions[0].amount']);
    const typo = await postBytes('/api/v1/calculations/preview', h.org.finance, Buffer.from(JSON.stringify(whatIf(h.org.rep)).replace('"kind":"commission"', '"kind":"commission","capp":5')));
    expect(typo.status).toBe(422);
    expect(typo.body.details).toEqual([expect.objectContaining({ path: '$.plans[0].components[0].capp', message: expect.stringContaining('did you mean "cap"?') })]);
    const nul = whatIf(h.org.rep);
    nul.participants[0]!.name = 'Rita\u0000';
    const named = await h.http('POST', '/api/v1/calculations/preview', { as: h.org.finance, body: nul });
    // NUL is refused at the edge, like in every other body (one text rule for every input).
    expect([named.status, named.body.code]).toEqual([400, 'VALIDATION.FAILED']);
    expect(named.body.details).toEqual([{ field: 'participants[0].name', problems: [expect.stringContaining('NUL')] }]);
  });

  it('answers a body nested 20,000 levels deep with 400 REQUEST.TOO_DEEP, at the preview and at POST /plans', async () => {
    const deep = `${'['.repeat(20000)}${']'.repeat(20000)}`;
    const preview = await h.http('POST', '/api/v1/calculations/preview', { as: h.org.finance, raw: `{"currency": ${deep}}` });
    expect(preview.status).toBe(400);
    expect(preview.body.code).toBe('REQUEST.TOO_DEEP');
    expect(preview.body.details[0].field).toBe(`currency${'[0]'.repeat(31)}`); // where it went too deep
    const plan = await h.http('POST', '/api/v1/plans', { as: h.org.ops, raw: `{"key": "deep-plan", "name": "Deep", "periodLabel": "FY2026", "effectiveFrom": "2026-01-01", "document": {"id": "p", "components": ${deep}}}` });
    expect(plan.status).toBe(400);
    expect(plan.body.code).toBe('REQUEST.TOO_DEEP');
    expect(plan.body.details[0].field).toMatch(/^document\.components\[0\]/);
  });

  it('answers a byte-order mark, UTF-16 and bytes that are not UTF-8 with 400 REQUEST.INVALID_ENCODING saying which', async () => {
    const text = JSON.stringify(whatIf(h.org.rep));
    const bom = await postBytes('/api/v1/calculations/preview', h.org.finance, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]));
    expect(bom).toMatchObject({ status: 400, body: { code: 'REQUEST.INVALID_ENCODING', message: expect.stringContaining('UTF-8 byte-order mark') } });
    const utf16 = await postBytes('/api/v1/calculations/preview', h.org.finance, Buffer.from(text, 'utf16le'));
    expect(utf16).toMatchObject({ status: 400, body: { code: 'REQUEST.INVALID_ENCODING', message: expect.stringContaining('UTF-16 little-endian') } });
    const latin1 = await postBytes('/api/v1/calculations/preview', h.org.finance, Buffer.from(text.replace('Rita', 'R\u00eeta'), 'latin1'));
    expect(latin1).toMatchObject({ status: 400, body: { code: 'REQUEST.INVALID_ENCODING', message: expect.stringContaining('is not UTF-8') } });
  });

  it('holds a rep to a smaller budget than finance: 413 over 256 KiB, where finance is calculated', async () => {
    const doc = deals([h.org.rep], 3000);
    expect(JSON.stringify(doc).length).toBeGreaterThan(256 * 1024);
    const rep = await h.http('POST', '/api/v1/calculations/preview', { as: h.org.rep, body: doc });
    expect(rep.status).toBe(413);
    expect(rep.body).toMatchObject({ code: 'CALC.TOO_LARGE', details: { limit: 256 * 1024 } });
    const finance = await h.http('POST', '/api/v1/calculations/preview', { as: h.org.finance, body: doc });
    expect(finance.status).toBe(200);
    expect(finance.body.periods[0].participants[0].components[0].lines).toHaveLength(3000);
  });

  it('refuses a rep\'s document that asks for more work than the rep\'s budget (tiers × credits) with 413', async () => {
    // 1,000 credits × 2 components × (1 + 1,000 tiers) = 2,002,000 work units
    const doc = deals([h.org.rep], 1000, 1000, 2);
    expect(JSON.stringify(doc).length).toBeLessThan(256 * 1024);
    const r = await h.http('POST', '/api/v1/calculations/preview', { as: h.org.rep, body: doc });
    expect(r.status).toBe(413);
    expect(r.body.code).toBe('CALC.TOO_LARGE');
    expect(r.body.details).toEqual([expect.objectContaining({ path: '$', message: expect.stringContaining('work units') })]);
  });

  it('calculates a large preview off the request thread: a small preview is answered while it runs', async () => {
    const people = [h.org.rep, h.org.otherRep, h.org.farRep];
    const heavy = deals(people, 20_000, 100, 2);
    expect(JSON.stringify(heavy).length).toBeLessThan(10 * 1024 * 1024);
    const order: string[] = [];
    const big = h.http('POST', '/api/v1/calculations/preview', { as: h.org.finance, body: heavy }).then((r) => {
      order.push('heavy');
      return r;
    });
    // the heavy body is read and handed to a worker first
    await new Promise((resolve) => setTimeout(resolve, 300));
    const small = await h.http('POST', '/api/v1/calculations/preview', { as: h.org.rep, body: whatIf(h.org.rep) });
    order.push('small');
    expect(small.status).toBe(200);
    const done = await big;
    expect(done.status).toBe(200);
    expect(order).toEqual(['small', 'heavy']);
  });
});
