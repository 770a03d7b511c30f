// Emails of quota sign-off beyond the kernel's: what finance weighs, the rep's own quota,
// a set returned to ops, a set locked.
import { day, names, type Message, whereToRead } from './message';

export interface QuotaSetFacts {
  quotaSetId: string;
  periodId: string;
  periodStart: string;
  periodEnd: string;
  version: number;
  baseUrl: string;
}

export function quotaSummary(f: QuotaSetFacts): string {
  return `Quota set ${f.periodId} (${day(f.periodStart)} to ${day(f.periodEnd)}), version ${f.version}`;
}

/** What finance weighs, in one paragraph. */
export function financeDetail(r: { total: string; target: string; shortfall?: string; changed: number; changePercent: string }): string {
  const short = r.shortfall ? ` It is short of the company target by ${r.shortfall}.` : ' It meets the company target.';
  const changed =
    r.changed > 0 ? ` ${r.changed} rep quota${r.changed === 1 ? '' : 's'} moved more than ${r.changePercent}% from last period.` : '';
  return `The rep quotas add up to ${r.total} against a company target of ${r.target}.${short}${changed}`;
}

export function acknowledgementDetail(f: QuotaSetFacts & { amount: string }): string {
  return `Your quota for ${f.periodId} (${day(f.periodStart)} to ${day(f.periodEnd)}) is ${f.amount}. Please acknowledge it.`;
}

export function quotaReturned(f: QuotaSetFacts & { recipientName: string; rejectedBy: string; stageLabel: string; comment?: string }): Message {
  return {
    subject: `Quota set ${f.periodId} returned to you`,
    paragraphs: [
      `Hello ${f.recipientName},`,
      `${f.rejectedBy} rejected version ${f.version} of the quota set ${f.periodId} at "${f.stageLabel}"${f.comment ? `: "${f.comment}"` : ''}.`,
      `Revise it to send a new version through sign-off: POST ${f.baseUrl}/api/v1/quota-sets/${f.quotaSetId}/revisions (with your personal access token; there is no web portal yet).`,
    ],
  };
}

export function quotaLockedForRequester(f: QuotaSetFacts & { recipientName: string; flaggedCount: number }): Message {
  const flag = f.flaggedCount > 0 ? ` ${f.flaggedCount} rep${f.flaggedCount === 1 ? '' : 's'} did not acknowledge by the deadline, so the set is flagged.` : '';
  return {
    subject: `Quota set ${f.periodId} locked${f.flaggedCount > 0 ? ' (flagged)' : ''}`,
    paragraphs: [
      `Hello ${f.recipientName},`,
      `version ${f.version} of the quota set ${f.periodId} is locked and in force from ${day(f.periodStart)} to ${day(f.periodEnd)}.${flag}`,
      whereToRead(f.baseUrl, `/api/v1/quota-sets/${f.quotaSetId}`),
    ],
  };
}

export function quotaLockedForRep(f: QuotaSetFacts & { recipientName: string; amount: string }): Message {
  return {
    subject: `Your quota for ${f.periodId} is locked: ${f.amount}`,
    paragraphs: [
      `Hello ${f.recipientName},`,
      `your quota for ${f.periodId} (${day(f.periodStart)} to ${day(f.periodEnd)}) is locked at ${f.amount}. Commission for the period is calculated against it.`,
      whereToRead(f.baseUrl, '/api/v1/me/quotas'),
    ],
  };
}

export { names };
