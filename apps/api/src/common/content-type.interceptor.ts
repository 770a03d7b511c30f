import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import type { Request } from 'express';
import type { Observable } from 'rxjs';
import { ApiError } from './api-error';

const JSON_TYPE = /^application\/(?:[a-z0-9.+-]+\+)?json\s*(?:;|$)/i;

/** Whether the handler reads the request body through `@Body()` (the import route reads the stream itself). */
function takesJsonBody(ctx: ExecutionContext): boolean {
  const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, ctx.getClass(), ctx.getHandler().name) ?? {}) as Record<string, unknown>;
  return Object.keys(args).some((key) => key.split(':')[0] === String(RouteParamtypes.BODY));
}

/**
 * A route that takes a JSON body answers 415 to a body of another type. Without this, a form or a
 * text body is not parsed and the route sees an empty body: an all-optional request (an accept,
 * a cancel) would go through with what was sent silently dropped.
 */
@Injectable()
export class ContentTypeInterceptor implements NestInterceptor {
  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (ctx.getType() === 'http' && takesJsonBody(ctx)) {
      const req = ctx.switchToHttp().getRequest<Request>();
      const length = Number(req.headers['content-length'] ?? 0);
      const hasBody = length > 0 || req.headers['transfer-encoding'] !== undefined;
      if (hasBody && !JSON_TYPE.test(req.headers['content-type'] ?? '')) {
        throw new ApiError(415, 'REQUEST.UNSUPPORTED_MEDIA_TYPE', 'Send the body as application/json.', [
          { field: 'Content-Type', problems: [`must be application/json, not ${req.headers['content-type'] ?? 'missing'}`] },
        ]);
      }
    }
    return next.handle();
  }
}
