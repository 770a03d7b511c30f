// The payroll file of a close: one row per rep paid a positive amount. A zero or negative payout
// is never exported as pay: it is carried forward as a balance the engine recovers next period.
import { csvLine } from '../csv';
import { decCmp } from '../quota/decimal';

export type PayrollLayout = 'generic';

export interface PayrollInput {
  personId: string;
  employeeId: string | null;
  personName: string;
  /** Exact decimal, 2 places. */
  payout: string;
  currency: string;
}

export interface PayrollFile {
  csv: string;
  exported: number;
  /** Reps whose payout is zero or negative: not paid, carried forward. */
  carriedForward: { personId: string; payout: string }[];
}

export const GENERIC_PAYROLL_COLUMNS = ['employee_id', 'person', 'amount', 'currency', 'period', 'pay_date', 'earning_code'] as const;

/** The generic layout: `employee_id,person,amount,currency,period,pay_date,earning_code`, rows in the given order. */
export function payrollCsv(rows: readonly PayrollInput[], facts: { periodKey: string; payDate: string; earningCode: string }): PayrollFile {
  let csv = csvLine([...GENERIC_PAYROLL_COLUMNS]);
  let exported = 0;
  const carriedForward: PayrollFile['carriedForward'] = [];
  for (const row of rows) {
    if (decCmp(row.payout, '0') <= 0) {
      carriedForward.push({ personId: row.personId, payout: row.payout });
      continue;
    }
    csv += csvLine([row.employeeId ?? row.personId, row.personName, row.payout, row.currency, facts.periodKey, facts.payDate, facts.earningCode]);
    exported += 1;
  }
  return { csv, exported, carriedForward };
}
