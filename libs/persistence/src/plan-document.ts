import { DomainError, validatePlan, type ValidationIssue } from '@quotaflow/domain';
import { canonicalJson, sha256Hex } from './canonical-json';

/** A Plan of the plan language (the calculation contract, spec/plan-language.md §2 "Plan"), as stored in jsonb. */
export interface PlanDocument {
  id: string;
  components: unknown[];
  draw?: unknown;
  clawbackReducesAttainment?: boolean;
  [key: string]: unknown;
}

/** `CALC.INVALID_DOCUMENT` (→ 422 at the API), with every issue the engine found. */
export class InvalidPlanDocumentError extends DomainError {
  constructor(readonly issues: readonly ValidationIssue[]) {
    super('CALC.INVALID_DOCUMENT', `invalid plan document: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, { issues });
    this.name = 'InvalidPlanDocumentError';
  }
}

/**
 * Validates a plan version's document with the calculation engine's own rules and returns its
 * documentHash (sha256 of canonical JSON), so nothing is stored that the engine would refuse.
 */
export function preparePlanDocument(document: unknown): string {
  const result = validatePlan(document);
  if (!result.ok) throw new InvalidPlanDocumentError(result.errors);
  return sha256Hex(canonicalJson(document));
}
