import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { ApiError } from './api-error';
import { type ServerTiming, timingOf } from './server-timing';

export interface RequestContext {
  idempotencyKey?: string;
  ip?: string;
  userAgent?: string;
  /** The request's Server-Timing phases. */
  timing?: ServerTiming;
}

const KEY = /^[A-Za-z0-9._:-]{8,128}$/;

/** Idempotency-Key, client IP and user agent: recorded with every decision (the e-signature's "from where"). */
export const Ctx = createParamDecorator((_data: unknown, ctx: ExecutionContext): RequestContext => {
  const req = ctx.switchToHttp().getRequest<Request>();
  const key = req.header('idempotency-key');
  if (key !== undefined && !KEY.test(key)) {
    throw new ApiError(400, 'VALIDATION.FAILED', 'Idempotency-Key: 8-128 characters of letters, digits, ".", "_", ":" or "-"', [{ field: 'Idempotency-Key', problems: ['invalid format'] }]);
  }
  return { idempotencyKey: key, ip: req.ip, userAgent: req.header('user-agent') ?? undefined, timing: timingOf(req) };
});

/** `work`'s time as phase `name` of the request's Server-Timing (nothing without a request). */
export function timed<T>(ctx: RequestContext, name: string, work: Promise<T>): Promise<T> {
  return ctx.timing ? ctx.timing.measure(name, work) : work;
}
