import * as jwt from 'jsonwebtoken';
import type { AuthConfig } from './config';

/** Who a token speaks for; the API trusts these claims after verifying the signature. */
export interface TokenSubject {
  id: string;
  name: string;
  email: string;
  roles: readonly string[];
}

export interface TokenClaims {
  sub: string;
  name: string;
  email: string;
  roles: string[];
  iss: string;
  aud: string;
  iat: number;
  exp: number;
}

export interface MintOptions {
  /** Overrides `auth.ttlSeconds`. */
  ttlSeconds?: number;
  /** Issue time (tests use a fixed clock); defaults to now. */
  now?: Date;
}

/** HS256 token in the shape the API's guard expects; used by the CLIs and by API tests alike. */
export function mintToken(auth: AuthConfig, person: TokenSubject, options: MintOptions = {}): string {
  const iat = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const ttl = options.ttlSeconds ?? auth.ttlSeconds;
  if (!Number.isInteger(ttl) || ttl <= 0) throw new RangeError(`ttlSeconds must be a positive integer, got ${ttl}`);
  if (auth.maxTtlSeconds !== undefined && ttl > auth.maxTtlSeconds) {
    throw new RangeError(`ttlSeconds must not exceed JWT_MAX_TTL_SECONDS (${auth.maxTtlSeconds}), got ${ttl}: the API would refuse the token`);
  }
  const payload = { name: person.name, email: person.email, roles: [...person.roles], iat, exp: iat + ttl };
  return jwt.sign(payload, auth.secret, {
    algorithm: 'HS256',
    issuer: auth.issuer,
    audience: auth.audience,
    subject: person.id,
  });
}

/** Verifies signature, issuer, audience and expiry; throws jsonwebtoken's errors otherwise. */
export function verifyToken(auth: AuthConfig, token: string, now?: Date): TokenClaims {
  const decoded = jwt.verify(token, auth.secret, {
    algorithms: ['HS256'],
    issuer: auth.issuer,
    audience: auth.audience,
    ...(now ? { clockTimestamp: Math.floor(now.getTime() / 1000) } : {}),
  });
  if (typeof decoded === 'string') throw new jwt.JsonWebTokenError('unexpected string payload');
  return decoded as TokenClaims;
}
