import { HttpException } from '@nestjs/common';

/** The body of every error the API returns. `code` is stable; `message` is for people. */
export interface ApiErrorBody {
  code: string;
  message: string;
  details?: unknown;
}

/** An error raised at the HTTP edge (validation, auth) that already knows its status. */
export class ApiError extends HttpException {
  constructor(
    status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super({ code, message, details } satisfies ApiErrorBody, status);
  }
}

/** Maps a stable error code to an HTTP status. Rules go from specific to general. */
export function statusForCode(code: string): number {
  if (code === 'AUTH.UNAUTHENTICATED') return 401;
  if (code === 'AUTH.TOO_MANY_FAILURES' || code === 'RATE_LIMIT.EXCEEDED' || code === 'STATEMENT.RESEND_TOO_SOON') return 429;
  if (code === 'REQUEST.TOO_LARGE' || code === 'CALC.TOO_LARGE' || code === 'CALC.TIME_BUDGET_EXCEEDED') return 413;
  if (code === 'REQUEST.UNSUPPORTED_CHARSET') return 415;
  if (code.startsWith('REQUEST.')) return 400;
  if (code === 'CALC.INVALID_DOCUMENT' || code === 'PLAN.INVALID_DOCUMENT') return 422;
  if (code.endsWith('.NOT_FOUND')) return 404;
  if (code.startsWith('AUTH.') || code === 'APPROVAL.NOT_AN_APPROVER') return 403;
  if (code.startsWith('VALIDATION.')) return 400;
  if (code === 'PERIOD.NOT_CLOSED') return 409;
  if (code.startsWith('CLOSE.')) return 409;
  if (/\.(ALREADY_[A-Z_]+|CONFLICT|NOT_PENDING|LOCKED|SUPERSEDED|WRONG_STAGE)$/.test(code)) return 409;
  if (code === 'TEMPORAL.UNAVAILABLE' || code === 'SERVICE.UNAVAILABLE' || code === 'SERVICE.BUSY') return 503;
  return 422;
}
