// Emails of the monthly close beyond the kernel's: what a reviewer weighs, a close sent back to
// calculation, the rep's statement.
import { type Message, whereToRead } from './message';

export interface CloseFacts {
  periodId: string;
  periodKey: string;
  version: number;
  baseUrl: string;
}

export function closeSummary(f: CloseFacts): string {
  return `Commission close ${f.periodKey}, calculation version ${f.version}`;
}

export function teamReviewDetail(r: { teamName: string; reps: number; total: string }): string {
  return `The payouts of ${r.teamName} add up to ${r.total} for ${r.reps} rep${r.reps === 1 ? '' : 's'}. Approve them, ask for an adjustment or a hold of one of your reps (only they are recalculated), or reject with a comment to send the close back to calculation.`;
}

export function financeReviewDetail(r: { reps: number; total: string; negative: number; held?: number }): string {
  const negative = r.negative > 0
    ? ` ${r.negative} payout${r.negative === 1 ? ' is' : 's are'} negative: carried forward, never deducted from pay; acknowledge each one before you approve.`
    : '';
  const held = r.held ? ` ${r.held} payout${r.held === 1 ? ' is' : 's are'} held by their manager and carried to the next period.` : '';
  return `The payouts add up to ${r.total} for ${r.reps} rep${r.reps === 1 ? '' : 's'}.${negative}${held} A reject (with comments) makes a new calculation version and voids every approval of this one.`;
}

export function payrollReviewDetail(f: CloseFacts): string {
  return `Approve the payroll export of ${f.periodKey}; the file is at GET ${f.baseUrl}/api/v1/periods/${f.periodId}/payroll.`;
}

export function statementMessage(f: CloseFacts & { recipientName: string; payout: string }): Message {
  return {
    subject: `Your commission statement for ${f.periodKey}`,
    paragraphs: [
      `Hello ${f.recipientName},`,
      `Your commission statement for ${f.periodKey} is attached: your payout is ${f.payout}.${f.payout.includes('-') ? ' A negative payout is not deducted from your pay: nothing is paid this period, and the balance is recovered from your next earnings.' : ''} It explains every figure, deal by deal.`,
      whereToRead(f.baseUrl, '/api/v1/me/statements'),
    ],
  };
}

export function statementResendMessage(f: CloseFacts & { recipientName: string; payout: string; sequence: number }): Message {
  return {
    subject: `Your commission statement for ${f.periodKey} (sent again)`,
    paragraphs: [
      `Hello ${f.recipientName},`,
      `As requested, here is your commission statement for ${f.periodKey} again: the same statement as before (calculation version ${f.version}), your payout ${f.payout}. Nothing in it has changed.`,
      whereToRead(f.baseUrl, '/api/v1/me/statements'),
    ],
  };
}
