import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerLimitDetail } from '@nestjs/throttler';
import { createHash } from 'node:crypto';
import { ApiError } from '../common/api-error';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * One budget per identity across all routes: the token's subject when the request carries a
 * bearer token (read without verifying: a forged one fails authentication and counts against its
 * IP in AuthFailureLimiter), else the client IP. Answers 429 `RATE_LIMIT.EXCEEDED` with Retry-After.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  protected override async getTracker(req: Record<string, unknown>): Promise<string> {
    const headers = req.headers as Record<string, string | undefined> | undefined;
    const token = /^Bearer\s+([^.\s]+)\.([^.\s]+)\.[^.\s]*$/i.exec(headers?.authorization ?? '');
    if (token) {
      try {
        const sub = (JSON.parse(Buffer.from(token[2]!, 'base64url').toString('utf8')) as { sub?: unknown }).sub;
        if (typeof sub === 'string' && UUID.test(sub)) return `person:${sub.toLowerCase()}`;
      } catch {
        // not JSON: fall back to the IP
      }
    }
    return `ip:${await super.getTracker(req)}`;
  }

  protected override generateKey(_context: ExecutionContext, tracker: string, name: string): string {
    return createHash('sha256').update(`${name}-${tracker}`).digest('hex');
  }

  protected override async throwThrottlingException(_context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    throw new ApiError(429, 'RATE_LIMIT.EXCEEDED', `More than ${detail.limit} requests per minute; try again later.`, { retryAfterSeconds: Math.ceil(detail.timeToBlockExpire || detail.timeToExpire) });
  }
}
