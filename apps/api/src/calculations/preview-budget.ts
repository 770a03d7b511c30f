/**
 * What one preview may cost, by role. A rep or manager previews their own figures (a
 * few hundred deals); finance and operations model whole teams. Budgets bound the
 * body, the work the document asks for (CalculationLimits.maxWork: credits × tiers
 * and participants × periods × components) and the wall time; anything above the
 * inline size runs in a worker thread, so the request thread never waits on it.
 */
import type { Role } from '@quotaflow/domain';

export interface PreviewBudget {
  /** largest request body */
  maxBytes: number;
  /** work units (see CalculationLimits.maxWork) */
  maxWork: number;
  /** wall time of the calculation in the worker, from when it starts */
  timeoutMs: number;
}

const KiB = 1024;
const MiB = 1024 * KiB;

export const PREVIEW_BUDGETS: Readonly<Record<'own' | 'organisation', PreviewBudget>> = Object.freeze({
  /** rep, manager */
  own: { maxBytes: 256 * KiB, maxWork: 2_000_000, timeoutMs: 2_000 },
  /** finance, ops, admin (the body limit of the API is 10 MiB) */
  organisation: { maxBytes: 10 * MiB, maxWork: 50_000_000, timeoutMs: 20_000 },
});

/** Bodies up to this size are calculated on the request thread (a few milliseconds). */
export const INLINE_PREVIEW_BYTES = 32 * KiB;

export function budgetFor(roles: readonly Role[]): PreviewBudget {
  return roles.some((r) => r === 'finance' || r === 'ops' || r === 'admin') ? PREVIEW_BUDGETS.organisation : PREVIEW_BUDGETS.own;
}
