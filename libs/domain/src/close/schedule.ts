// When the close of a month starts by itself: on business day N after the month's end (Monday to
// Friday; public holidays are not modelled), at a configured hour, UTC. Calendar dates only.
import { DomainError } from '../errors';
import { monthPeriod } from './period';

/** The largest business day a schedule may name: the close of a month starts within its next month. */
export const MAX_CLOSE_BUSINESS_DAY = 15;

/** The uuid a schedule-started close carries as its requester: nobody, so no real finance person is barred by separation of duties. */
export const SYSTEM_CLOSE_REQUESTER_ID = '00000000-0000-4000-8000-00000000c105';

const DAY_MS = 24 * 60 * 60 * 1000;

const isoDate = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const dayMs = (date: string): number => Date.parse(`${date}T00:00:00.000Z`);

/** Monday to Friday. */
export function isBusinessDay(date: string): boolean {
  const weekday = new Date(dayMs(date)).getUTCDay();
  return weekday !== 0 && weekday !== 6;
}

/** The month after `key` ("2026-12" → "2027-01"). */
export function nextMonthKey(key: string): string {
  const { start } = monthPeriod(key);
  const [y, m] = start.split('-').map(Number) as [number, number];
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
}

/** The month before the one `date` (YYYY-MM-DD) falls in: the month that has just ended. */
export function monthEndedBefore(date: string): string {
  const [y, m] = date.split('-').map(Number) as [number, number];
  const key = m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
  monthPeriod(key); // validates
  return key;
}

/** Business day `n` (1 = the first weekday) after the end of month `key`, as YYYY-MM-DD. */
export function closeBusinessDay(key: string, n: number): string {
  if (!Number.isInteger(n) || n < 1 || n > MAX_CLOSE_BUSINESS_DAY) {
    throw new DomainError('VALIDATION.FAILED', `the business day is an integer 1..${MAX_CLOSE_BUSINESS_DAY}`, { field: 'businessDay', value: n });
  }
  let at = dayMs(monthPeriod(key).end);
  for (let counted = 0; counted < n; ) {
    at += DAY_MS;
    if (isBusinessDay(isoDate(at))) counted += 1;
  }
  return isoDate(at);
}

export interface CloseRun {
  /** The month whose close starts. */
  periodKey: string;
  /** The day it starts (UTC). */
  date: string;
}

/**
 * The next `count` automatic close starts from `today` on (today's own included when it is one):
 * the schedule's calendar, recomputed whenever the worker starts.
 */
export function upcomingCloseRuns(today: string, n: number, count: number): CloseRun[] {
  const runs: CloseRun[] = [];
  // The month that ended before today's may still be due this month (today ≤ its business day N).
  let key = monthEndedBefore(today);
  while (runs.length < count) {
    const date = closeBusinessDay(key, n);
    if (date >= today) runs.push({ periodKey: key, date });
    key = nextMonthKey(key);
  }
  return runs;
}
