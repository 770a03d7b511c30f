/**
 * How much one document may ask of the engine. A document is small; what it asks for
 * can be large: every credit is evaluated against every component of its
 * participant's plan and explained tier by tier, and every participant appears in
 * every period. Beyond these bounds the document is refused with `CALC.TOO_LARGE`
 * (and the figure that is too large) before anything is calculated.
 */
export interface CalculationLimits {
  maxPeriods: number;
  maxPlans: number;
  maxComponentsPerPlan: number;
  maxTiersPerTable: number;
  maxParticipants: number;
  maxTransactions: number;
  maxCreditsPerTransaction: number;
  maxCredits: number;
  maxAdjustments: number;
  /**
   * Work units: Σ over credits of Σ over the components of the credited participant's
   * plan of (1 + tiers of its table + tiers of its multiplier), plus participants ×
   * periods × (components + 1). One unit is one tier looked at or one figure written.
   */
  maxWork: number;
}

export const DEFAULT_LIMITS: Readonly<CalculationLimits> = Object.freeze({
  maxPeriods: 240,
  maxPlans: 1_000,
  maxComponentsPerPlan: 100,
  maxTiersPerTable: 1_000,
  maxParticipants: 1_000_000,
  maxTransactions: 5_000_000,
  maxCreditsPerTransaction: 1_000,
  maxCredits: 10_000_000,
  maxAdjustments: 1_000_000,
  maxWork: 250_000_000,
});

/** The code of an issue that is a bound, not a mistake: the API answers 413, `calc` exits 2. */
export const TOO_LARGE = 'CALC.TOO_LARGE';

export function withLimits(overrides: Partial<CalculationLimits> | undefined): CalculationLimits {
  return overrides === undefined ? { ...DEFAULT_LIMITS } : { ...DEFAULT_LIMITS, ...overrides };
}

export function formatCount(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
