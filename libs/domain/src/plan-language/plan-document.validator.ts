/**
 * Validation and compilation of plan documents (spec §7), in three rooms:
 * - `plan.compiler.ts` — a Plan (components, tables, draw), also on its own (`validatePlan`);
 * - `document.compiler.ts` — a whole document: periods, plans, participants, adjustments;
 * - `transaction.pass.ts` — transactions (or a batch's database rows) into credit columns.
 * This module keeps the names other code imports.
 */
export { type CompileOptions, type CompiledDocument, ValidationIssues, compileBatch, compilePlanDocument, isTooLarge, validatePlanDocument } from './document.compiler';
export { validatePlan } from './plan.compiler';
export { isIsoDate } from './transaction.pass';
