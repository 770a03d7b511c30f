import 'reflect-metadata';
import { RequestMethod, type Type } from '@nestjs/common';
import { METHOD_METADATA, PARAMTYPES_METADATA, PATH_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import type { Role } from '@quotaflow/domain';
import { API_CONTROLLERS } from '../app.module';
import { PUBLIC_KEY, ROLES_KEY } from './roles.decorator';

/** One route of the API as Nest sees it: `GET /quota-sets/:id`, with the rule declared on it. */
export interface RouteInfo {
  /** `<METHOD> <path>` without the global prefix, e.g. `POST /approvals/:id/decisions`. */
  route: string;
  method: string;
  path: string;
  /** `public`, the roles joined by commas, or undefined when the route declares no rule. */
  rule: string | undefined;
  /** The roles of `@Roles` (empty for a public route or one without a rule). */
  roles: Role[];
  isPublic: boolean;
  controller: string;
  handler: string;
  /** The class of the whole `@Body()` parameter (a DTO, or `Object` for a free-form body); undefined when the handler takes no body. */
  bodyType: Type<unknown> | undefined;
  /** The class of the whole `@Query()` parameter, when the handler takes one. */
  queryType: Type<unknown> | undefined;
}

/** The type of the handler's parameter bound to the whole body (or query), from Nest's argument metadata. */
function wholeParamType(controller: Type<unknown>, handler: string, paramtype: RouteParamtypes): Type<unknown> | undefined {
  const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, handler) ?? {}) as Record<string, { index: number; data?: unknown }>;
  const types = (Reflect.getMetadata(PARAMTYPES_METADATA, controller.prototype as object, handler) ?? []) as Type<unknown>[];
  const entry = Object.entries(args).find(([key, arg]) => key.split(':')[0] === String(paramtype) && arg.data === undefined);
  return entry ? types[entry[1].index] : undefined;
}

/**
 * Every route of the given controllers (by default the API's own, `API_CONTROLLERS`), read from
 * Nest's route metadata the way the router does: the route-rule spec and the end-to-end access
 * matrix and malformed-input suites walk this one list, so a new route cannot escape them.
 */
export function routeTable(controllers: readonly Type<unknown>[] = API_CONTROLLERS): RouteInfo[] {
  return controllers.flatMap((controller) => {
    const base = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
    const proto = controller.prototype as Record<string, unknown>;
    return Object.getOwnPropertyNames(proto)
      .filter((name) => name !== 'constructor' && typeof proto[name] === 'function' && Reflect.getMetadata(PATH_METADATA, proto[name] as object) !== undefined)
      .map((name): RouteInfo => {
        const handler = proto[name] as object;
        const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number]!;
        const path = `/${[base, String(Reflect.getMetadata(PATH_METADATA, handler))].filter((x) => x && x !== '/').join('/')}`.replace(/\/+/g, '/').replace(/(.)\/$/, '$1');
        const roles = (Reflect.getMetadata(ROLES_KEY, handler) ?? Reflect.getMetadata(ROLES_KEY, controller)) as Role[] | undefined;
        const isPublic = ((Reflect.getMetadata(PUBLIC_KEY, handler) ?? Reflect.getMetadata(PUBLIC_KEY, controller)) as boolean | undefined) === true;
        const rule = isPublic ? 'public' : roles && roles.length > 0 ? roles.join(',') : undefined;
        return {
          route: `${method} ${path}`, method, path, rule, roles: isPublic ? [] : [...(roles ?? [])], isPublic, controller: controller.name, handler: name,
          bodyType: wholeParamType(controller, name, RouteParamtypes.BODY), queryType: wholeParamType(controller, name, RouteParamtypes.QUERY),
        };
      });
  });
}
