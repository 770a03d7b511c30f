import { canonicalJson, sha256Hex } from './canonical-json';

/** A Plan of the plan language (/work/shared/spec/plan-language.md §2 "Plan"). */
export interface PlanDocument {
  id: string;
  components: unknown[];
  draw?: unknown;
  clawbackReducesAttainment?: boolean;
  [key: string]: unknown;
}

/** Stable code shared with the API's error mapping (`CALC.INVALID_DOCUMENT` → 422). */
export class InvalidPlanDocumentError extends Error {
  readonly code = 'CALC.INVALID_DOCUMENT';
  constructor(readonly field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'InvalidPlanDocumentError';
  }
}

/**
 * Validates a plan version's document and returns its documentHash (sha256 of canonical JSON).
 * The one place where persistence defers to the calculation engine.
 */
export function preparePlanDocument(document: unknown): string {
  // TODO(plan-language): replace this structural check by `validatePlan` from @quotaflow/domain
  // once libs/domain/src/plan-language exports it.
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    throw new InvalidPlanDocumentError('document', 'must be a Plan object');
  }
  const plan = document as Partial<PlanDocument>;
  if (typeof plan.id !== 'string' || plan.id === '') throw new InvalidPlanDocumentError('document.id', 'required');
  if (!Array.isArray(plan.components) || plan.components.length === 0) {
    throw new InvalidPlanDocumentError('document.components', 'must be a non-empty array');
  }
  return sha256Hex(canonicalJson(document));
}
