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

/** The default severity of each exception (configuration may later make a warning blocking). */
export const CLOSE_EXCEPTION_SEVERITY: Readonly<Record<CloseExceptionCode, CloseExceptionSeverity>> = {
  'DEAL.UNKNOWN_PERSON': 'blocking',
  'DEAL.FOREIGN_CURRENCY': 'blocking',
  'DEAL.NO_CREDIT': 'warning',
  'DEAL.INACTIVE_PERSON': 'warning',
  'REP.NO_ACCEPTED_PLAN': 'warning',
  'REP.NO_LOCKED_QUOTA': 'warning',
};

export interface CloseExceptionView {
  code: CloseExceptionCode;
  severity: CloseExceptionSeverity;
  message: string;
  personId?: string;
  dealId?: string;
}

export function closeException(code: CloseExceptionCode, message: string, about: { personId?: string; dealId?: string } = {}): CloseExceptionView {
  return { code, severity: CLOSE_EXCEPTION_SEVERITY[code], message, ...about };
}
