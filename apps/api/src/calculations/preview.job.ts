/**
 * One preview, from the request's JSON text to the output document's JSON text:
 * checked (number precision, escapes, repeated keys), compiled once within the
 * caller's limits, calculated and written. Runs on the request thread for small
 * documents and in a worker thread for the rest (preview.worker.ts), with the same code.
 */
import { type CalculationLimits, type ValidationIssue, compileCalculation, isTooLarge, scanJsonText, writeCalculation } from '@quotaflow/domain';

export interface PreviewJob {
  text: string;
  limits: Partial<CalculationLimits>;
}

export type PreviewOutcome = { ok: true; json: string } | { ok: false; code: string; message: string; details: unknown };

export function runPreview(job: PreviewJob): PreviewOutcome {
  const scanned = scanJsonText(job.text);
  if (scanned.length > 0) return invalid(scanned);
  let document: unknown;
  try {
    document = JSON.parse(job.text);
  } catch (e) {
    // an empty body reaches here (body-parser reads it as {}); any other text that is not JSON too
    return invalid([{ path: '$', message: `document must be a JSON object (${e instanceof Error ? e.message : 'not JSON'})`, value: null }]);
  }
  const compiled = compileCalculation(document, { limits: job.limits });
  if (!compiled.ok) {
    if (isTooLarge(compiled.errors)) {
      const first = compiled.errors.find((e) => e.code === 'CALC.TOO_LARGE') ?? compiled.errors[0];
      return { ok: false, code: 'CALC.TOO_LARGE', message: `The document is too large for your preview budget: ${first.path} ${first.message}.`, details: compiled.errors };
    }
    return invalid(compiled.errors);
  }
  let json = '';
  for (const chunk of writeCalculation(compiled.value)) json += chunk;
  return { ok: true, json };
}

function invalid(errors: ValidationIssue[]): PreviewOutcome {
  return { ok: false, code: 'CALC.INVALID_DOCUMENT', message: `The document is invalid: ${errors.length} problem(s); first: ${errors[0].path}: ${errors[0].message}`, details: errors };
}
