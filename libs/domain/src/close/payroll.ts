// The payroll file of a close: one row per rep paid a positive amount, in the column layout the
// organisation's payroll system imports (docs/payroll-layouts.md). A zero or negative payout is
// never exported as pay: it is carried forward as a balance the engine recovers next period.
// Every cell goes through csvCell (formula-safe: a name like "=cmd()" cannot run in a spreadsheet).
import { csvLine } from '../csv';
import { decCmp } from '../quota/decimal';

export const PAYROLL_LAYOUTS = ['generic', 'adp', 'gusto'] as const;
export type PayrollLayout = (typeof PAYROLL_LAYOUTS)[number];

/** The earning code each layout writes unless configuration names another. */
export const DEFAULT_EARNING_CODES: Readonly<Record<PayrollLayout, string>> = { generic: 'COMMISSION', adp: 'C', gusto: 'Commission' };

export interface PayrollInput {
  personId: string;
  employeeId: string | null;
  personName: string;
  /** Exact decimal, 2 places. */
  payout: string;
  currency: string;
}

export interface PayrollFacts {
  periodKey: string;
  /** YYYY-MM-DD */
  payDate: string;
  earningCode: string;
  /** The period's first and last day (ADP's and Gusto's layouts carry them); default: from the key. */
  periodStart?: string;
  periodEnd?: string;
  /** ADP's company code (Co Code). */
  companyCode?: string;
}

export interface PayrollFile {
  csv: string;
  exported: number;
  /** Reps whose payout is zero or negative: not paid, carried forward. */
  carriedForward: { personId: string; payout: string }[];
}

export const GENERIC_PAYROLL_COLUMNS = ['employee_id', 'person', 'amount', 'currency', 'period', 'pay_date', 'earning_code'] as const;
export const ADP_PAYROLL_COLUMNS = ['Co Code', 'Batch ID', 'File #', 'Employee Name', 'Earnings 3 Code', 'Earnings 3 Amount', 'Currency', 'Pay Period', 'Pay Date'] as const;
export const GUSTO_PAYROLL_COLUMNS = ['Employee ID', 'Last Name', 'First Name', 'Earning Type', 'Amount', 'Currency', 'Pay Period Start', 'Pay Period End', 'Check Date'] as const;

/** 2026-02-15 → 02/15/2026 (ADP's dates). */
const usDate = (iso: string): string => `${iso.slice(5, 7)}/${iso.slice(8, 10)}/${iso.slice(0, 4)}`;

/** "Ana María de la Cruz" → last "Cruz", first "Ana María de la": the last word is the last name (a one-word name is the last name). */
export function splitName(name: string): { first: string; last: string } {
  const words = name.trim().split(/\s+/);
  const last = words.pop() ?? '';
  return { first: words.join(' '), last };
}

type Row = (r: PayrollInput, f: Required<Pick<PayrollFacts, 'periodKey' | 'payDate' | 'earningCode'>> & PayrollFacts) => (string | null)[];

const LAYOUTS: Readonly<Record<PayrollLayout, { columns: readonly string[]; row: Row }>> = {
  generic: {
    columns: GENERIC_PAYROLL_COLUMNS,
    row: (r, f) => [r.employeeId ?? r.personId, r.personName, r.payout, r.currency, f.periodKey, f.payDate, f.earningCode],
  },
  adp: {
    columns: ADP_PAYROLL_COLUMNS,
    row: (r, f) => [f.companyCode ?? '', `QF${f.periodKey.replace('-', '')}`, r.employeeId ?? r.personId, r.personName, f.earningCode, r.payout, r.currency, f.periodKey, usDate(f.payDate)],
  },
  gusto: {
    columns: GUSTO_PAYROLL_COLUMNS,
    row: (r, f) => {
      const { first, last } = splitName(r.personName);
      return [r.employeeId ?? r.personId, last, first, f.earningCode, r.payout, r.currency, f.periodStart ?? `${f.periodKey}-01`, f.periodEnd ?? '', f.payDate];
    },
  },
};

/** The payroll CSV in a layout (default generic), rows in the given order, CRLF line ends. */
export function payrollCsv(rows: readonly PayrollInput[], facts: PayrollFacts, layout: PayrollLayout = 'generic'): PayrollFile {
  const shape = LAYOUTS[layout];
  let csv = csvLine([...shape.columns]);
  let exported = 0;
  const carriedForward: PayrollFile['carriedForward'] = [];
  for (const row of rows) {
    if (decCmp(row.payout, '0') <= 0) {
      carriedForward.push({ personId: row.personId, payout: row.payout });
      continue;
    }
    csv += csvLine(shape.row(row, facts));
    exported += 1;
  }
  return { csv, exported, carriedForward };
}
