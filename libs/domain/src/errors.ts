/**
 * A business rejection with a stable code (`AREA.REASON`). The API maps codes to
 * HTTP statuses at the edge; workflows carry the code as `ApplicationFailure.type`.
 */
export class DomainError extends Error {
  readonly code: string;
  readonly details?: unknown;

  constructor(code: string, message: string, details?: unknown) {
    super(message);
    this.name = 'DomainError';
    this.code = code;
    this.details = details;
  }
}

export function isDomainError(value: unknown): value is DomainError {
  return value instanceof DomainError;
}
