// FROZEN: generation 1 activities, for workflows started before the approval kernel (libs/workflows/src/legacy/gen1).
// Plain-text and simple HTML for the plan-acceptance emails.
import type { PlanEmailTemplate } from '@quotaflow/workflows/legacy/gen1/plan-acceptance.activities';

export interface EmailFacts {
  repName: string;
  planName: string;
  version: number;
  periodLabel: string;
  link: string;
  deadline?: string;
  reminder?: number;
  reason?: string;
  comment?: string;
}

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

export function renderEmail(template: PlanEmailTemplate, f: EmailFacts): RenderedEmail {
  const plan = `${f.planName} (version ${f.version}, ${f.periodLabel})`;
  const by = f.deadline ? ` by ${f.deadline.slice(0, 10)}` : '';
  const reminder = f.reminder !== undefined ? `Reminder ${f.reminder}` : 'Reminder';
  const paragraphs = ((): [string, string[]] => {
    switch (template) {
      case 'plan-invite':
        return [`Your compensation plan: ${plan}`, [
          `Hello ${f.repName},`,
          `your compensation plan ${plan} is attached as a PDF. Please read it and accept or decline it${by}.`,
          `Accept or decline here: ${f.link}`,
          'If you decline, tell us why; your manager and sales operations will follow up.',
        ]];
      case 'plan-reminder':
        return [`${reminder}: please accept or decline ${f.planName}`, [
          `Hello ${f.repName},`,
          `your compensation plan ${plan} is still waiting for your decision.`,
          `Accept or decline here: ${f.link}`,
        ]];
      case 'plan-escalation':
        return [`${f.repName} has not yet accepted ${f.planName}`, [
          `${f.repName} has not accepted or declined the compensation plan ${plan} yet.`,
          `Please follow up. Details: ${f.link}`,
        ]];
      case 'manager-preapproval':
        return [`Pre-approval needed: ${f.planName} for ${f.repName}`, [
          `The compensation plan ${plan} has been published to ${f.repName} and needs your pre-approval before ${f.repName} sees it.`,
          `Approve or reject here: ${f.link}`,
        ]];
      case 'manager-reminder':
        return [`${reminder}: pre-approval of ${f.planName} for ${f.repName}`, [
          `The compensation plan ${plan} for ${f.repName} still awaits your pre-approval.`,
          `Approve or reject here: ${f.link}`,
        ]];
      case 'manager-escalation':
        return [`Pre-approval overdue: ${f.planName} for ${f.repName}`, [
          `The manager has not pre-approved the compensation plan ${plan} for ${f.repName} yet.`,
          `Details: ${f.link}`,
        ]];
      case 'plan-declined':
        return [`${f.repName} declined ${f.planName}`, [
          `${f.repName} declined the compensation plan ${plan}.`,
          `Reason given: ${f.reason ?? '(none)'}`,
          `Details: ${f.link}`,
        ]];
      case 'plan-rejected-by-manager':
        return [`Manager rejected ${f.planName} for ${f.repName}`, [
          `The manager rejected the compensation plan ${plan} for ${f.repName}; it was not sent to ${f.repName}.`,
          `Comment: ${f.comment ?? '(none)'}`,
          `Details: ${f.link}`,
        ]];
      case 'plan-expired':
        return [`Plan acceptance expired: ${f.planName} for ${f.repName}`, [
          `${f.repName} did not accept or decline the compensation plan ${plan} in time; the request has expired.`,
          'Publish the plan again to restart it.',
          `Details: ${f.link}`,
        ]];
    }
  })();
  const [subject, lines] = paragraphs;
  return {
    subject,
    text: `${lines.join('\n\n')}\n\n— Quotaflow\n`,
    html: `<!doctype html><html><body>${lines.map((l) => `<p>${escapeHtml(l)}</p>`).join('')}<p>— Quotaflow</p></body></html>`,
  };
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
