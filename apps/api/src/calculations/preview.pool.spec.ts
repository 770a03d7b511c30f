/** The preview pool with real worker threads: budgets in time, a bounded queue, and the same answer as the request thread. */
import { type PreviewJob, runPreview } from './preview.job';
import { PreviewPool } from './preview.pool';

const periods = [{ id: '2026-01', start: '2026-01-01', end: '2026-01-31' }];

function job(transactions: number, tiers: number): PreviewJob {
  const doc = {
    currency: 'USD',
    periods,
    plans: [{ id: 'p', components: [{ id: 'c', table: { tiers: Array.from({ length: tiers }, (_, i) => ({ from: i * 100, rate: '0.01' })) } }] }],
    participants: [{ id: 'ann', planId: 'p' }],
    transactions: Array.from({ length: transactions }, (_, i) => ({ id: `T${i}`, date: '2026-01-05', amount: String(1000 + i), credits: [{ participantId: 'ann', share: 1 }] })),
  };
  return { text: JSON.stringify(doc), limits: {} };
}

describe('PreviewPool', () => {
  let pool: PreviewPool;
  beforeEach(() => {
    pool = new PreviewPool({ size: 1, queueLimit: 1 });
  });
  afterEach(async () => {
    await pool.onModuleDestroy();
  });

  it('answers a job with exactly what the request thread answers', async () => {
    const j = job(50, 3);
    expect(await pool.run(j, 30_000)).toEqual(runPreview(j));
  });

  it('stops a job over its time budget with CALC.TIME_BUDGET_EXCEEDED, and the next job runs on a fresh worker', async () => {
    await expect(pool.run(job(20_000, 1_000), 1)).rejects.toMatchObject({ code: 'CALC.TIME_BUDGET_EXCEEDED' });
    const next = await pool.run(job(3, 2), 30_000);
    expect(next.ok).toBe(true);
  });

  it('refuses a job with SERVICE.BUSY when the queue is full, and runs the ones it took', async () => {
    const running = pool.run(job(2_000, 200), 30_000);
    const queued = pool.run(job(3, 2), 30_000);
    await expect(pool.run(job(3, 2), 30_000)).rejects.toMatchObject({ code: 'SERVICE.BUSY' });
    expect((await running).ok).toBe(true);
    expect((await queued).ok).toBe(true);
  });

  it('answers an invalid document with its problems, not an error', async () => {
    const outcome = await pool.run({ text: '{"currency": "USD"}', limits: {} }, 30_000);
    expect(outcome).toMatchObject({ ok: false, code: 'CALC.INVALID_DOCUMENT' });
  });
});
