import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { findInvalidTextIn } from '@quotaflow/domain';
import { ApiError } from './api-error';

export interface FieldError { field: string; problems: string[] }

function flatten(errors: ValidationError[], prefix = ''): FieldError[] {
  return errors.flatMap((e) => {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    const own = e.constraints ? [{ field, problems: Object.values(e.constraints) }] : [];
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

/** Nodes of one request value the text rule looks at (a 10 MB body holds far fewer). */
const MAX_NODES = 5_000_000;

/**
 * Validates every body, param and query: first the one text rule for every field (no NUL, no
 * control characters, no lone surrogates — what the database and the workflows could not
 * store), then the DTO's own rules; unknown fields are refused, not silently dropped.
 */
class QuotaflowValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type !== 'custom') {
      const root = metadata.type === 'body' ? '' : (metadata.data ?? '');
      const bad = findInvalidTextIn(value, root, MAX_NODES);
      if (bad) {
        throw new ApiError(400, 'VALIDATION.FAILED', `${bad.path}: ${bad.reason} (${bad.codePoint} at position ${bad.index})`, [
          { field: bad.path, problems: [`${bad.reason} (${bad.codePoint})`] },
        ]);
      }
    }
    return super.transform(value, metadata);
  }
}

export function createValidationPipe(): ValidationPipe {
  return new QuotaflowValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors) => {
      const details = flatten(errors);
      const first = details[0];
      return new ApiError(400, 'VALIDATION.FAILED', first ? `${first.field}: ${first.problems.join('; ')}` : 'Invalid request.', details);
    },
  });
}
