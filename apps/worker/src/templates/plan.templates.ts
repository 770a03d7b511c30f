// Emails of plan acceptance: the invite with the plan PDF, reminders, escalations, and what
// ops and the manager hear when a rep declines, a manager rejects, or the acceptance expires.
import { day, type Message, whereToRead } from './message';

export type PlanEmailTemplate =
  | 'plan-invite'
  | 'plan-reminder'
  | 'plan-escalation'
  | 'manager-preapproval'
  | 'manager-reminder'
  | 'manager-escalation'
  | 'plan-declined'
  | 'plan-rejected-by-manager'
  | 'plan-expired';

export interface PlanEmailFacts {
  /** Whom the message greets. */
  recipientName: string;
  repName: string;
  planName: string;
  version: number;
  periodLabel: string;
  periodStart: string;
  periodEnd: string;
  companyName: string;
  /** The quota as people read it, e.g. `USD 1,400,000.00`; absent when the plan sets none. */
  quota?: string;
  assignmentId: string;
  baseUrl: string;
  deadline?: string;
  reminder?: number;
  reason?: string;
  comment?: string;
  /** The manager's pre-approval task (its decision route). */
  taskId?: string;
}

function repDecisionHelp(f: PlanEmailFacts): string {
  return [
    'How to answer: Quotaflow has no web portal yet, so you answer through its API with your personal access token (sales operations can issue you one).',
    `Accept: POST ${f.baseUrl}/api/v1/plan-assignments/${f.assignmentId}/accept`,
    `Decline: POST ${f.baseUrl}/api/v1/plan-assignments/${f.assignmentId}/decline with {"reason": "…"}`,
  ].join('\n');
}

function managerDecisionHelp(f: PlanEmailFacts): string {
  return [
    'How to decide: Quotaflow has no web portal yet, so decisions go through its API with your personal access token (sales operations can issue you one).',
    `Approve or reject: POST ${f.baseUrl}/api/v1/plan-assignments/${f.assignmentId}/pre-approval with {"decision": "approve"} or {"decision": "reject", "comment": "…"}.`,
  ].join('\n');
}

export function planEmail(template: PlanEmailTemplate, f: PlanEmailFacts): Message {
  const plan = `${f.planName} (version ${f.version}, ${f.periodLabel})`;
  const period = `${f.periodLabel}, ${day(f.periodStart)} to ${day(f.periodEnd)}`;
  const by = f.deadline ? ` by ${day(f.deadline)}` : '';
  const quota = f.quota ? `Your quota for the period: ${f.quota}.` : 'This plan sets no quota for you.';
  const reminder = f.reminder !== undefined ? `Reminder ${f.reminder}` : 'Reminder';
  const details = whereToRead(f.baseUrl, `/api/v1/plan-assignments/${f.assignmentId}`);
  switch (template) {
    case 'plan-invite':
      return {
        subject: `Your compensation plan: ${plan}`,
        paragraphs: [
          `Hello ${f.recipientName},`,
          `${f.companyName} has published your compensation plan ${f.planName} (version ${f.version}) for ${period}. The plan document is attached as a PDF.`,
          quota,
          `Please read it and accept or decline it${by}.`,
          repDecisionHelp(f),
          'If you decline, say why; your manager and sales operations will follow up.',
        ],
      };
    case 'plan-reminder':
      return {
        subject: `${reminder}: please accept or decline ${f.planName}`,
        paragraphs: [`Hello ${f.recipientName},`, `your compensation plan ${plan} still waits for your answer${by}.`, repDecisionHelp(f)],
      };
    case 'plan-escalation':
      return {
        subject: `${f.repName} has not yet accepted ${f.planName}`,
        paragraphs: [`Hello ${f.recipientName},`, `${f.repName} has not accepted or declined the compensation plan ${plan} yet${f.deadline ? `; it expires on ${day(f.deadline)}` : ''}.`, 'Please follow up.', details],
      };
    case 'manager-preapproval':
      return {
        subject: `Pre-approval needed: ${f.planName} for ${f.repName}`,
        paragraphs: [
          `Hello ${f.recipientName},`,
          `The compensation plan ${plan} has been published to ${f.repName} and needs your pre-approval${by} before ${f.repName} sees it.`,
          f.quota ? `${f.repName}'s quota for the period: ${f.quota}.` : `The plan sets no quota for ${f.repName}.`,
          managerDecisionHelp(f),
        ],
      };
    case 'manager-reminder':
      return {
        subject: `${reminder}: pre-approval of ${f.planName} for ${f.repName}`,
        paragraphs: [`Hello ${f.recipientName},`, `the compensation plan ${plan} for ${f.repName} still awaits your pre-approval${by}.`, managerDecisionHelp(f)],
      };
    case 'manager-escalation':
      return {
        subject: `Pre-approval overdue: ${f.planName} for ${f.repName}`,
        paragraphs: [`Hello ${f.recipientName},`, `the manager has not pre-approved the compensation plan ${plan} for ${f.repName} yet.`, details],
      };
    case 'plan-declined':
      return {
        subject: `${f.repName} declined ${f.planName}`,
        paragraphs: [`Hello ${f.recipientName},`, `${f.repName} declined the compensation plan ${plan}.`, `Reason given: ${f.reason ?? '(none)'}`, details],
      };
    case 'plan-rejected-by-manager':
      return {
        subject: `Manager rejected ${f.planName} for ${f.repName}`,
        paragraphs: [
          `Hello ${f.recipientName},`,
          `the manager rejected the compensation plan ${plan} for ${f.repName}; it was not sent to ${f.repName}.`,
          `Comment: ${f.comment ?? '(none)'}`,
          details,
        ],
      };
    case 'plan-expired':
      return {
        subject: `Plan acceptance expired: ${f.planName} for ${f.repName}`,
        paragraphs: [
          `Hello ${f.recipientName},`,
          `${f.repName} did not accept or decline the compensation plan ${plan} in time; the request has expired.`,
          'Publish the plan again to restart it.',
          details,
        ],
      };
  }
}
