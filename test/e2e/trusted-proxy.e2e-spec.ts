/**
 * Issue 8, item 11 (last part): the e-signature's IP, recorded with a plan acceptance, comes
 * from X-Forwarded-For only when the request arrives from a proxy named in TRUST_PROXY. By
 * default no proxy is trusted: the socket's address is the client's, whatever the header says.
 */
import { AcceptanceEntity } from '@quotaflow/persistence';
import { eventually, type Harness, publishPlanTo, startHarness } from './harness';

jest.setTimeout(180_000);

async function acceptWithForwardedFor(h: Harness): Promise<string | null> {
  const { assignmentId } = await publishPlanTo(h, h.org.rep, '500000.00');
  const accepted = await h.http('POST', `/api/v1/plan-assignments/${assignmentId}/accept`, {
    as: h.org.rep, body: {}, headers: { 'Idempotency-Key': `accept-${assignmentId}`, 'X-Forwarded-For': '203.0.113.7' },
  });
  expect(accepted.status).toBe(200);
  const acceptance = await eventually(() => h.db.getRepository(AcceptanceEntity).findOneBy({ assignmentId }), 'the acceptance record');
  return acceptance.ip;
}

describe('the e-signature IP and X-Forwarded-For', () => {
  it('ignores X-Forwarded-For when no proxy is trusted (the default)', async () => {
    const h = await startHarness('trust-none');
    try {
      expect(h.config.http.trustProxy).toBe(false);
      expect(await acceptWithForwardedFor(h)).toMatch(/^(::ffff:)?127\.0\.0\.1$/);
    } finally {
      await h.close();
    }
  });

  it('takes the client from X-Forwarded-For when the request comes from a trusted proxy', async () => {
    const h = await startHarness('trust-loopback', { env: { TRUST_PROXY: 'loopback' } });
    try {
      expect(await acceptWithForwardedFor(h)).toBe('203.0.113.7');
    } finally {
      await h.close();
    }
  });

  it('does not trust a proxy that is not named', async () => {
    const h = await startHarness('trust-other', { env: { TRUST_PROXY: '10.1.2.3' } });
    try {
      expect(await acceptWithForwardedFor(h)).toMatch(/^(::ffff:)?127\.0\.0\.1$/);
    } finally {
      await h.close();
    }
  });
});
