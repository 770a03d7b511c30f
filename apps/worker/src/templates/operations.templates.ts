// Emails to sales operations about the system itself.
import type { Message } from './message';

export function workflowFailed(f: { personName: string; subject: string; workflowId: string; code: string; reason: string; reference: string }): Message {
  return {
    subject: `Action needed: ${f.subject} failed`,
    paragraphs: [
      `Hello ${f.personName},`,
      `the workflow ${f.workflowId} for ${f.subject} stopped for good: ${f.code} — ${f.reason}`,
      'Nothing more will happen on it by itself. Check the data it names, then start the request again (publish, submit or request anew); the audit trail has every step taken so far.',
      f.reference,
    ],
  };
}
