/**
 * Entry points: `calculate` for a whole document, `calculateBatch` for a slice of
 * participants read from a database (same engine, same cents), and
 * `writeCalculation`, which writes the output document as JSON text chunk by chunk
 * (period by period), so a result larger than one string can be written at all.
 *
 * Each entry compiles its document once; callers that validate first (the `calc`
 * command, the preview endpoint) compile with `compileCalculation` and pass the
 * compiled document on.
 */
import { DomainError } from '../errors';
import type { CompiledPlan } from './compiled-plan';
import { type BatchDocument, type CompileOptions, type CompiledDocument, compileBatch, compilePlanDocument, isTooLarge } from './document.compiler';
import type { DecimalInput } from './exact-decimal';
import { FastLineRenderer } from './fast-line.renderer';
import { TOO_LARGE } from './limits';
import { type EngineOptions, ParticipantRun } from './payout.engine';
import type { CalculationOutput, ParticipantInput, ParticipantPeriodOutput, ParticipantStateOutput, PeriodInput, PlanInput, ValidationIssue, ValidationResult } from './plan-language.types';

export class InvalidPlanDocumentError extends DomainError {
  readonly errors: ValidationIssue[];
  constructor(errors: ValidationIssue[]) {
    super('CALC.INVALID_DOCUMENT', `invalid plan document: ${errors.length} problem(s); first: ${errors[0]?.path}: ${errors[0]?.message}`, { errors });
    this.errors = errors;
  }
}

/** A sound document that asks for more than the limits allow (`CALC.TOO_LARGE`: 413 at the API). */
export class CalculationTooLargeError extends DomainError {
  readonly errors: ValidationIssue[];
  constructor(errors: ValidationIssue[]) {
    const first = errors.find((e) => e.code === TOO_LARGE) ?? errors[0];
    super(TOO_LARGE, `the document is too large to calculate: ${first?.path}: ${first?.message}`, { errors });
    this.errors = errors;
  }
}

export type CalculationOptions = EngineOptions & CompileOptions;

/** The compiled document, or the error to throw (every problem; too large when only bounds were crossed). */
export function compiledOrThrow(result: ValidationResult<CompiledDocument>): CompiledDocument {
  if (result.ok) return result.value;
  if (isTooLarge(result.errors)) throw new CalculationTooLargeError(result.errors);
  throw new InvalidPlanDocumentError(result.errors);
}

/** Compile a document once (validation included) for `calculateCompiled` or `writeCalculation`. */
export function compileCalculation(doc: unknown, options: CompileOptions = {}): ValidationResult<CompiledDocument> {
  return compilePlanDocument(doc, options);
}

/**
 * Every participant's run over the periods, period by period: `each(k, p, figures)` in
 * output order. Nothing is kept between calls: a caller that streams (or only counts)
 * holds one participant's period at a time.
 */
export function forEachParticipantPeriod(compiled: CompiledDocument, options: EngineOptions, each: (k: number, p: number, out: ParticipantPeriodOutput) => void): ParticipantRun[] {
  const { periods, plans, participants, credits, adjustments } = compiled;
  const renderer = options.lines === 'none' ? null : new FastLineRenderer();
  const runs = participants.map(
    (participant, i) =>
      new ParticipantRun(
        periods,
        { participant, plan: plans.get(participant.planId) as CompiledPlan, store: credits, slot: i, adjustments: adjustments.get(participant.id) ?? [] },
        options,
        renderer,
      ),
  );
  for (let k = 0; k < periods.length; k++) {
    for (let p = 0; p < runs.length; p++) each(k, p, runs[p].next());
  }
  return runs;
}

/** Calculate a compiled document (spec §6 output). */
export function calculateCompiled(compiled: CompiledDocument, options: EngineOptions = {}): CalculationOutput {
  const periods = compiled.periods.map((p) => ({ id: p.id, participants: [] as ParticipantPeriodOutput[] }));
  const runs = forEachParticipantPeriod(compiled, options, (k, _p, out) => periods[k].participants.push(out));
  const state: Record<string, ParticipantStateOutput> = {};
  runs.forEach((run, i) => Object.defineProperty(state, compiled.participants[i].id, { value: run.state(), enumerable: true, writable: true, configurable: true }));
  return { currency: compiled.currency, periods, state };
}

/** Calculate a whole document (spec §2 → §6). Throws CALC.INVALID_DOCUMENT with every problem, or CALC.TOO_LARGE. */
export function calculate(doc: unknown, options: CalculationOptions = {}): CalculationOutput {
  return calculateCompiled(compiledOrThrow(compilePlanDocument(doc, options)), options);
}

export interface WriteOptions extends EngineOptions {
  /** characters per chunk, roughly (default 64 KiB) */
  chunkSize?: number;
}

/**
 * The output document as JSON text, in chunks: the frame indented, each participant's
 * period on one line. The text is never one string, so its size is bounded by the
 * writer's destination only; lines are rendered period by period and dropped once written.
 */
export function* writeCalculation(compiled: CompiledDocument, options: WriteOptions = {}): Generator<string> {
  const chunkSize = options.chunkSize ?? 1 << 16;
  let parts: string[] = [];
  let size = 0;
  const emit = (text: string): boolean => {
    parts.push(text);
    size += text.length;
    return size >= chunkSize;
  };
  const take = (): string => {
    const chunk = parts.join('');
    parts = [];
    size = 0;
    return chunk;
  };
  const { periods, participants } = compiled;
  const { plans, credits, adjustments } = compiled;
  const renderer = options.lines === 'none' ? null : new FastLineRenderer();
  const runs = participants.map(
    (participant, i) =>
      new ParticipantRun(periods, { participant, plan: plans.get(participant.planId) as CompiledPlan, store: credits, slot: i, adjustments: adjustments.get(participant.id) ?? [] }, options, renderer),
  );
  emit(`{\n  "currency": ${JSON.stringify(compiled.currency)},\n  "periods": [`);
  for (let k = 0; k < periods.length; k++) {
    emit(`${k > 0 ? ',' : ''}\n    {\n      "id": ${JSON.stringify(periods[k].id)},\n      "participants": [`);
    for (let p = 0; p < runs.length; p++) {
      if (emit(`${p > 0 ? ',' : ''}\n        ${JSON.stringify(runs[p].next())}`)) yield take();
    }
    emit(`${runs.length > 0 ? '\n      ' : ''}]\n    }`);
  }
  emit(`\n  ],\n  "state": {`);
  for (let p = 0; p < runs.length; p++) {
    if (emit(`${p > 0 ? ',' : ''}\n    ${JSON.stringify(participants[p].id)}: ${JSON.stringify(runs[p].state())}`)) yield take();
  }
  emit(`${runs.length > 0 ? '\n  ' : ''}}\n}\n`);
  yield take();
}

/**
 * One credit row as a close reads it from the database: a participant's share of a
 * transaction. A reversal row carries the reversed transaction's id and amount, and
 * the original's share, type and product.
 */
export interface CreditRow {
  participantId: string;
  transactionId: string;
  /** document/import order: breaks ties between equal dates */
  seq: number;
  date: string;
  amount: DecimalInput;
  share: DecimalInput;
  type?: string | null;
  product?: string | null;
  reverses?: string | null;
  reversedAmount?: DecimalInput | null;
}

export interface BatchInput {
  currency: string;
  periods: PeriodInput[];
  plans: PlanInput[];
  /** the participants of this batch, with the state carried in from the last close */
  participants: ParticipantInput[];
  /** every credit row of these participants in the periods */
  credits: CreditRow[];
  adjustments?: { participantId: string; periodId: string; amount: DecimalInput; reason?: string }[];
}

/**
 * Calculate a batch of participants. The rows go through the same transaction pass
 * and engine as `calculate`, so a close computed in batches gives exactly the cents
 * of one whole-document run.
 */
export function calculateBatch(input: BatchInput, options: CalculationOptions = {}): CalculationOutput {
  return calculateCompiled(compiledOrThrow(compileBatch(input as BatchDocument, options)), options);
}
