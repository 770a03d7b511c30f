import { Inject, Injectable } from '@nestjs/common';
import { ThrottlerStorage, ThrottlerStorageService } from '@nestjs/throttler';
import type { AppConfig } from '@quotaflow/config';
import { ApiError } from '../common/api-error';
import { APP_CONFIG } from '../config.token';

const WINDOW_MS = 60_000;

/**
 * Failed authentications (401) counted per client IP in the throttler's storage: past
 * AUTH_FAILURES_PER_MINUTE the IP gets 429 `AUTH.TOO_MANY_FAILURES` for a minute, before its
 * tokens are even looked at (guessing tokens or replaying stolen expired ones gets slow).
 */
@Injectable()
export class AuthFailureLimiter {
  constructor(
    @Inject(ThrottlerStorage) private readonly storage: ThrottlerStorage,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private key(ip: string): string {
    return `auth-failures:${ip}`;
  }

  /** Throws 429 while the IP is blocked. */
  assertAllowed(ip: string): void {
    if (!(this.storage instanceof ThrottlerStorageService)) return;
    const record = this.storage.storage.get(this.key(ip));
    if (record?.isBlocked && record.blockExpiresAt > Date.now()) throw tooMany(Math.ceil((record.blockExpiresAt - Date.now()) / 1000));
  }

  /** Counts one failure; the error to answer (the 401, or 429 once the limit is passed). */
  async failed(ip: string, error: ApiError): Promise<ApiError> {
    const record = await this.storage.increment(this.key(ip), WINDOW_MS, this.config.http.authFailuresPerMinute, WINDOW_MS, 'auth-failures');
    return record.isBlocked ? tooMany(Math.ceil(record.timeToBlockExpire)) : error;
  }
}

function tooMany(retryAfterSeconds: number): ApiError {
  return new ApiError(429, 'AUTH.TOO_MANY_FAILURES', 'Too many failed authentications from this address; try again later.', { retryAfterSeconds });
}
