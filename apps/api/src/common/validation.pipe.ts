import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { findInvalidTextIn } from '@quotaflow/domain';
import { ApiError } from './api-error';
import { findShapeProblem } from './json-shape';

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
 * Validates every body, param and query: first its shape (an object for a body, at most 32 levels
 * deep, no `__proto__`/`constructor`/`prototype` key — looked at iteratively, before anything
 * recurses over it), then the one text rule for every field (no NUL, no control characters, no
 * lone surrogates — what the database and the workflows could not store), then the DTO's own
 * rules; unknown fields are refused, not silently dropped.
 */
class QuotaflowValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type !== 'custom') {
      const root = metadata.type === 'body' ? '' : (metadata.data ?? '');
      if (metadata.type === 'body' && value !== undefined && (value === null || typeof value !== 'object' || Array.isArray(value))) {
        throw new ApiError(400, 'VALIDATION.FAILED', 'The body must be a JSON object.', [{ field: '(body)', problems: ['must be a JSON object'] }]);
      }
      const shape = findShapeProblem(value, root);
      if (shape) throw new ApiError(400, shape.code, `${shape.path}: ${shape.problem}`, [{ field: shape.path, problems: [shape.problem] }]);
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
