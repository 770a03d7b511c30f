import { createSecretKey, type KeyObject } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { type AppConfig, DEFAULT_JWT_MAX_TTL_SECONDS, JWT_CLOCK_SKEW_SECONDS } from '@quotaflow/config';
import type { PersonEntity } from '@quotaflow/persistence';
import type { Role } from '@quotaflow/domain';
import { DataSource } from 'typeorm';
import { ApiError } from '../common/api-error';
import { BatchedLookup } from '../common/batched-lookup';
import { APP_CONFIG } from '../config.token';
import type { Principal } from './principal';

interface TokenClaims { sub?: unknown; iat?: unknown; exp?: unknown }

type ActivePerson = Pick<PersonEntity, 'id' | 'name' | 'email' | 'roles' | 'teamId' | 'managerId'>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const unauthenticated = (message: string) => new ApiError(401, 'AUTH.UNAUTHENTICATED', message);

/**
 * Bearer token → the active person it names. Beyond signature, issuer and audience (HS256 only):
 * `exp` and `iat` are required, the lifetime `exp − iat` may not exceed JWT_MAX_TTL_SECONDS, and
 * `iat` may not lie in the future by more than JWT_CLOCK_SKEW_SECONDS (60 s). Messages never say
 * which issuer or audience was expected.
 */
@Injectable()
export class TokenVerifier {
  /**
   * The secret as a key object, made once: given a string, jsonwebtoken first tries it as a
   * public key (a thrown error) on every call, about a millisecond of CPU per request.
   */
  private readonly key: KeyObject;

  constructor(
    private readonly jwt: JwtService,
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.key = createSecretKey(Buffer.from(config.auth.secret, 'utf8'));
  }

  /**
   * Every request reads its bearer: the active people named by the requests of one event-loop turn
   * in one plain-SQL query, only the columns a principal has.
   */
  private readonly people = new BatchedLookup<ActivePerson>(async (ids) => {
    const rows = (await this.dataSource.query(
      `SELECT id, name, email, roles, team_id AS "teamId", manager_id AS "managerId" FROM people WHERE id = ANY($1::uuid[]) AND active`,
      [ids],
    )) as ActivePerson[];
    return new Map(rows.map((row) => [row.id, row]));
  });

  async principalOf(authorization: string | undefined, now = Date.now()): Promise<Principal> {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    if (!match) throw unauthenticated('A bearer token is required.');
    let claims: TokenClaims;
    try {
      claims = await this.jwt.verifyAsync<TokenClaims>(match[1]!, {
        // @nestjs/jwt types the secret as string | Buffer; jsonwebtoken takes a KeyObject as is.
        secret: this.key as unknown as Buffer,
        issuer: this.config.auth.issuer,
        audience: this.config.auth.audience,
        algorithms: ['HS256'],
        clockTimestamp: Math.floor(now / 1000),
      });
    } catch (e) {
      throw unauthenticated((e as Error).name === 'TokenExpiredError' ? 'The token has expired.' : 'The token is not valid.');
    }
    const { exp, iat } = claims;
    if (typeof exp !== 'number' || !Number.isFinite(exp)) throw unauthenticated('The token has no expiry (exp).');
    if (typeof iat !== 'number' || !Number.isFinite(iat)) throw unauthenticated('The token has no issue time (iat).');
    const maxTtl = this.config.auth.maxTtlSeconds ?? DEFAULT_JWT_MAX_TTL_SECONDS;
    if (exp - iat > maxTtl) throw unauthenticated(`The token lives longer than the allowed ${maxTtl} seconds.`);
    if (iat > now / 1000 + JWT_CLOCK_SKEW_SECONDS) throw unauthenticated('The token was issued in the future.');
    if (typeof claims.sub !== 'string' || !UUID.test(claims.sub)) throw unauthenticated('The token names no person.');
    const person = await this.people.get(claims.sub.toLowerCase());
    if (!person) throw unauthenticated('The token names no active person.');
    return {
      id: person.id, name: person.name, email: person.email, roles: person.roles as Role[],
      teamId: person.teamId ?? null, managerId: person.managerId ?? null,
    };
  }
}
