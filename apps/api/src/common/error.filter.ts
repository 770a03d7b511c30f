import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { DomainError } from '@quotaflow/domain';
import type { Response } from 'express';
import { ApiErrorBody, statusForCode } from './api-error';

interface BodyParserError { type?: string; status?: number; expose?: boolean }

/**
 * Turns every failure into `{code, message, details}`. Domain errors carry their code;
 * framework errors get one here, so clients never see an uncoded error.
 */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const { status, body } = this.toBody(exception);
    if (status >= 500) this.logger.error(exception instanceof Error ? exception.stack ?? exception.message : String(exception));
    const retryAfter = (body.details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
    if (status === 429 && typeof retryAfter === 'number') res.setHeader('Retry-After', String(Math.max(1, retryAfter)));
    res.status(status).json(body);
  }

  private toBody(exception: unknown): { status: number; body: ApiErrorBody } {
    if (exception instanceof DomainError) {
      return { status: statusForCode(exception.code), body: { code: exception.code, message: exception.message, details: exception.details } };
    }
    const bp = exception as BodyParserError;
    if (bp && typeof bp === 'object' && bp.type === 'entity.too.large') {
      return { status: 413, body: { code: 'REQUEST.TOO_LARGE', message: 'The request body is larger than the limit.' } };
    }
    if (bp && typeof bp === 'object' && bp.type === 'entity.parse.failed') {
      return { status: 400, body: { code: 'VALIDATION.MALFORMED_JSON', message: 'The request body is not valid JSON.' } };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      if (typeof response === 'object' && response !== null && 'code' in response) {
        return { status, body: response as ApiErrorBody };
      }
      const cause = (exception as { cause?: BodyParserError }).cause;
      if (status === HttpStatus.BAD_REQUEST && (cause?.type === 'entity.parse.failed' || /JSON/.test(exception.message))) {
        return { status, body: { code: 'VALIDATION.MALFORMED_JSON', message: 'The request body is not valid JSON.' } };
      }
      // A path segment that is not percent-encoded UTF-8 (`%ED%A0%80`, a lone surrogate): the router could not decode it.
      if (status === HttpStatus.BAD_REQUEST && /^Failed to decode param/.test(exception.message)) {
        return { status, body: { code: 'VALIDATION.FAILED', message: 'A path parameter is not valid percent-encoded UTF-8.', details: [{ field: 'path', problems: ['not valid percent-encoded UTF-8'] }] } };
      }
      if (status === HttpStatus.PAYLOAD_TOO_LARGE) {
        return { status, body: { code: 'REQUEST.TOO_LARGE', message: 'The request body is larger than the limit.' } };
      }
      const code = status === 404 ? 'ROUTE.NOT_FOUND' : status === 401 ? 'AUTH.UNAUTHENTICATED' : status === 403 ? 'AUTH.FORBIDDEN' : `HTTP.${status}`;
      return { status, body: { code, message: exception.message } };
    }
    return { status: 500, body: { code: 'INTERNAL.ERROR', message: 'An unexpected error occurred.' } };
  }
}
