import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Role } from '@quotaflow/domain';
import type { Principal } from './principal';

export const ROLES_KEY = 'quotaflow:roles';
export const PUBLIC_KEY = 'quotaflow:public';

/** Every route declares who may call it: roles (any of), or `@Public()`. A test enforces it. */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);
export const Public = () => SetMetadata(PUBLIC_KEY, true);

export const CurrentUser = createParamDecorator((_data: unknown, ctx: ExecutionContext): Principal => {
  const req = ctx.switchToHttp().getRequest<{ principal?: Principal }>();
  if (!req.principal) throw new Error('CurrentUser used on a public route');
  return req.principal;
});
