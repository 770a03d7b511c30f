// What the close's validation finds in the frozen inputs. Blocking exceptions stop the close
// before anything is calculated; warnings are listed for finance and the close goes on.

export type CloseExceptionCode =
  | 'DEAL.UNKNOWN_PERSON'
  | 'DEAL.FOREIGN_CURRENCY'
  | 'DEAL.NO_CREDIT'
  | 'DEAL.INACTIVE_PERSON'
  | 'REP.NO_ACCEPTED_PLAN'
  | 'REP.NO_LOCKED_QUOTA';

export type CloseExceptionSeverity = 'blocking' | 'warning';

/** The default severity of each exception; configuration (`CLOSE_EXCEPTION_SEVERITY`) may change any of them. */
export const CLOSE_EXCEPTION_SEVERITY: Readonly<Record<CloseExceptionCode, CloseExceptionSeverity>> = {
  'DEAL.UNKNOWN_PERSON': 'blocking',
  'DEAL.FOREIGN_CURRENCY': 'blocking',
  'DEAL.NO_CREDIT': 'warning',
  'DEAL.INACTIVE_PERSON': 'warning',
  'REP.NO_ACCEPTED_PLAN': 'warning',
  'REP.NO_LOCKED_QUOTA': 'warning',
};

export const CLOSE_EXCEPTION_CODES = Object.keys(CLOSE_EXCEPTION_SEVERITY) as CloseExceptionCode[];

export type CloseExceptionSeverities = Readonly<Record<CloseExceptionCode, CloseExceptionSeverity>>;

/** Today's defaults with the configured overrides on top (the configuration checked the codes). */
export function closeExceptionSeverities(overrides: Readonly<Partial<Record<string, CloseExceptionSeverity>>> = {}): CloseExceptionSeverities {
  const out = { ...CLOSE_EXCEPTION_SEVERITY };
  for (const code of CLOSE_EXCEPTION_CODES) {
    const severity = overrides[code];
    if (severity === 'blocking' || severity === 'warning') out[code] = severity;
  }
  return out;
}

/** Whether a plan keys anything on attainment, so that a rep on it cannot be calculated without a quota. */
export function planNeedsQuota(plan: { components: ReadonlyArray<{ basis?: string; multiplier?: { basis?: string } }> }): boolean {
  return plan.components.some((c) => c.basis === 'attainment' || c.multiplier?.basis === 'attainment');
}

export interface CloseExceptionView {
  code: CloseExceptionCode;
  severity: CloseExceptionSeverity;
  message: string;
  personId?: string;
  dealId?: string;
}

/** An exception with its configured severity (`blocking` forces it: a rep on an attainment plan without a quota cannot be calculated). */
export function closeException(
  code: CloseExceptionCode,
  message: string,
  about: { personId?: string; dealId?: string; blocking?: boolean } = {},
  severities: CloseExceptionSeverities = CLOSE_EXCEPTION_SEVERITY,
): CloseExceptionView {
  const { blocking, ...rest } = about;
  return { code, severity: blocking ? 'blocking' : severities[code], message, ...rest };
}
