import * as jwt from 'jsonwebtoken';
import { AuthConfig } from './config';
import { mintToken, verifyToken } from './tokens';

const auth: AuthConfig = { secret: 's'.repeat(40), issuer: 'quotaflow', audience: 'quotaflow-api', ttlSeconds: 600 };
const person = { id: '7c9e6679-7425-40de-944b-e07fc1f90ae7', name: 'Ada Lovelace', email: 'ada@x.test', roles: ['rep'] };
const now = new Date('2026-01-15T09:00:00Z');

describe('mintToken', () => {
  it('signs the contract claims with HS256', () => {
    const token = mintToken(auth, person, { now });
    expect(jwt.decode(token, { complete: true })?.header.alg).toBe('HS256');
    expect(verifyToken(auth, token, now)).toEqual({
      sub: person.id,
      name: 'Ada Lovelace',
      email: 'ada@x.test',
      roles: ['rep'],
      iss: 'quotaflow',
      aud: 'quotaflow-api',
      iat: now.getTime() / 1000,
      exp: now.getTime() / 1000 + 600,
    });
  });

  it('honours a ttl override and expires', () => {
    const token = mintToken(auth, person, { now, ttlSeconds: 30 });
    expect(verifyToken(auth, token, new Date(now.getTime() + 29_000)).exp).toBe(now.getTime() / 1000 + 30);
    expect(() => verifyToken(auth, token, new Date(now.getTime() + 31_000))).toThrow(jwt.TokenExpiredError);
  });

  it('is refused with another secret or audience', () => {
    const token = mintToken(auth, person, { now });
    expect(() => verifyToken({ ...auth, secret: 'o'.repeat(40) }, token, now)).toThrow('invalid signature');
    expect(() => verifyToken({ ...auth, audience: 'other' }, token, now)).toThrow('jwt audience invalid');
  });

  it('rejects a non-positive ttl', () => {
    expect(() => mintToken(auth, person, { ttlSeconds: 0 })).toThrow(RangeError);
  });
});
