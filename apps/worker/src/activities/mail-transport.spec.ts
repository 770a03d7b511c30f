import { freePort } from '@quotaflow/devstack';
import { startSmtpSink, type SmtpSink } from '../../../../test/support/smtp';
import { pooledSmtpUrl, smtpTransport, SMTP_POOL_CONNECTIONS } from './mail-transport';

describe('pooledSmtpUrl', () => {
  it('pools connections unless the URL says otherwise', () => {
    expect(pooledSmtpUrl('smtp://mail.internal:2525')).toBe(`smtp://mail.internal:2525?pool=true&maxConnections=${SMTP_POOL_CONNECTIONS}`);
    expect(pooledSmtpUrl('smtps://user:secret@mail.example.com:465/?tls.rejectUnauthorized=true')).toBe(`smtps://user:secret@mail.example.com:465/?tls.rejectUnauthorized=true&pool=true&maxConnections=${SMTP_POOL_CONNECTIONS}`);
  });

  it('keeps what the operator set: no pool, or their own number of connections', () => {
    expect(pooledSmtpUrl('smtp://mail.internal:2525?pool=false')).toBe('smtp://mail.internal:2525?pool=false');
    expect(pooledSmtpUrl('smtp://mail.internal:2525?pool=true&maxConnections=2')).toBe('smtp://mail.internal:2525?pool=true&maxConnections=2');
  });
});

describe('smtpTransport', () => {
  let sink: SmtpSink;
  beforeAll(async () => {
    sink = await startSmtpSink();
  });
  afterAll(async () => {
    await sink?.stop();
  });

  it('sends many messages over one pooled connection, each with its own Message-ID', async () => {
    const transport = smtpTransport(sink.url);
    const before = sink.connections;
    try {
      for (let i = 1; i <= 5; i += 1) {
        await transport.sendMail({ from: 'quotaflow@example.com', to: `rep${i}@example.com`, subject: `Statement ${i}`, text: 'Your statement is attached.', messageId: `<pool-${i}@quotaflow.test>` });
      }
    } finally {
      transport.close();
    }
    const mine = sink.messages.filter((m) => /^<pool-\d@quotaflow\.test>$/.test(m.messageId ?? ''));
    expect(mine.map((m) => m.messageId)).toEqual([1, 2, 3, 4, 5].map((i) => `<pool-${i}@quotaflow.test>`));
    expect(sink.connections - before).toBe(1);
  });

  it('a server that refuses connections fails the send (the activity retries it)', async () => {
    const transport = smtpTransport(`smtp://127.0.0.1:${await freePort()}`);
    try {
      await expect(transport.sendMail({ from: 'quotaflow@example.com', to: 'rep@example.com', subject: 'x', text: 'x', messageId: '<refused@quotaflow.test>' })).rejects.toThrow(/ECONNREFUSED/);
    } finally {
      transport.close();
    }
  });
});
