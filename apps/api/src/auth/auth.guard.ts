import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Role } from '@quotaflow/domain';
import { ApiError } from '../common/api-error';
import { timingOf } from '../common/server-timing';
import { AuthFailureLimiter } from '../security/auth-failures';
import type { Principal } from './principal';
import { PUBLIC_KEY, ROLES_KEY } from './roles.decorator';
import { TokenVerifier } from './token-verifier';

/**
 * One guard for authentication and role authorisation. A route without an explicit
 * rule is refused (fail closed), so a forgotten decorator can never open an endpoint.
 * Failed authentications count against the client's IP (AuthFailureLimiter).
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: TokenVerifier,
    private readonly failures: AuthFailureLimiter,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets);
    if (!roles || roles.length === 0) {
      throw new ApiError(403, 'AUTH.NO_RULE', 'This route has no authorisation rule.');
    }
    const req = ctx.switchToHttp().getRequest<{ headers: Record<string, string | undefined>; ip?: string; principal?: Principal }>();
    const ip = req.ip ?? 'unknown';
    this.failures.assertAllowed(ip);
    let principal: Principal;
    try {
      principal = await timingOf(req).measure('auth', () => this.tokens.principalOf(req.headers['authorization']));
    } catch (error) {
      if (error instanceof ApiError && error.getStatus() === 401) throw await this.failures.failed(ip, error);
      throw error;
    }
    req.principal = principal;
    if (!principal.roles.some((r) => roles.includes(r))) {
      throw new ApiError(403, 'AUTH.FORBIDDEN', `This action needs one of the roles: ${roles.join(', ')}.`);
    }
    return true;
  }
}
