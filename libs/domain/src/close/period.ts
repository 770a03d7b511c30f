// Monthly commission periods: "2026-01" → 2026-01-01 … 2026-01-31 (calendar dates, no clock).
import { DomainError } from '../errors';

export interface PeriodDates {
  key: string;
  start: string;
  end: string;
}

const KEY = /^([0-9]{4})-(0[1-9]|1[0-2])$/;

export function monthPeriod(key: string): PeriodDates {
  const m = KEY.exec(key);
  if (!m) throw new DomainError('VALIDATION.FAILED', 'key is a month, YYYY-MM (e.g. 2026-01)', { field: 'key', value: key });
  const year = Number(m[1]);
  const month = Number(m[2]);
  const days = [31, year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
  return { key, start: `${m[1]}-${m[2]}-01`, end: `${m[1]}-${m[2]}-${String(days).padStart(2, '0')}` };
}

/** The pay date of a period's payroll: the 15th of the month after it. */
export function payDateOf(period: PeriodDates): string {
  const [y, mo] = period.key.split('-').map(Number) as [number, number];
  const next = mo === 12 ? `${y + 1}-01` : `${y}-${String(mo + 1).padStart(2, '0')}`;
  return `${next}-15`;
}
