import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { JwtService } from '@nestjs/jwt';
import type { AppConfig } from '@quotaflow/config';
import { PersonEntity } from '@quotaflow/persistence';
import type { Role } from '@quotaflow/domain';
import { DataSource } from 'typeorm';
import { ApiError } from '../common/api-error';
import { APP_CONFIG } from '../config.token';
import type { Principal } from './principal';
import { PUBLIC_KEY, ROLES_KEY } from './roles.decorator';

interface TokenClaims { sub?: string }

/**
 * One guard for authentication and role authorisation. A route without an explicit
 * rule is refused (fail closed), so a forgotten decorator can never open an endpoint.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly jwt: JwtService,
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets);
    if (!roles || roles.length === 0) {
      throw new ApiError(403, 'AUTH.NO_RULE', 'This route has no authorisation rule.');
    }
    const req = ctx.switchToHttp().getRequest<{ headers: Record<string, string | undefined>; principal?: Principal }>();
    const header = req.headers['authorization'] ?? '';
    const match = /^Bearer\s+(.+)$/i.exec(header);
    if (!match) throw new ApiError(401, 'AUTH.UNAUTHENTICATED', 'A bearer token is required.');
    let claims: TokenClaims;
    try {
      claims = await this.jwt.verifyAsync<TokenClaims>(match[1]!, {
        secret: this.config.auth.secret,
        issuer: this.config.auth.issuer,
        audience: this.config.auth.audience,
        algorithms: ['HS256'],
      });
    } catch (e) {
      throw new ApiError(401, 'AUTH.UNAUTHENTICATED', `The token is not valid: ${(e as Error).message}`);
    }
    if (!claims.sub || !/^[0-9a-f-]{36}$/i.test(claims.sub)) throw new ApiError(401, 'AUTH.UNAUTHENTICATED', 'The token names no person.');
    const person = await this.dataSource.getRepository(PersonEntity).findOne({ where: { id: claims.sub } });
    if (!person || !person.active) throw new ApiError(401, 'AUTH.UNAUTHENTICATED', 'The token names no active person.');
    const principal: Principal = {
      id: person.id, name: person.name, email: person.email, roles: person.roles as Role[],
      teamId: person.teamId ?? null, managerId: person.managerId ?? null,
    };
    req.principal = principal;
    if (!principal.roles.some((r) => roles.includes(r))) {
      throw new ApiError(403, 'AUTH.FORBIDDEN', `This action needs one of the roles: ${roles.join(', ')}.`);
    }
    return true;
  }
}
