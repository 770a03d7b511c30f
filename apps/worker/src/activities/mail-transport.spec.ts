import { pooledSmtpUrl, SMTP_POOL_CONNECTIONS } from './mail-transport';

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
