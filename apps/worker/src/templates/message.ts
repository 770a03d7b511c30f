// Every email Quotaflow sends is written by a template in this folder: workflows pass facts
// (who, which stage, which deadline), never words. One message per person.

export interface Message {
  subject: string;
  /** Paragraphs; the last line "— Quotaflow" is added. */
  paragraphs: string[];
}

export interface RenderedMessage {
  subject: string;
  text: string;
  html: string;
}

export function render(message: Message): RenderedMessage {
  return {
    subject: message.subject,
    text: `${message.paragraphs.join('\n\n')}\n\n— Quotaflow\n`,
    html: `<!doctype html><html><body>${message.paragraphs.map((p) => `<p>${escapeHtml(p).replace(/\n/g, '<br>')}</p>`).join('')}<p>— Quotaflow</p></body></html>`,
  };
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A date for people: 2026-03-14 (UTC). */
export function day(iso: string | Date): string {
  return (typeof iso === 'string' ? iso : iso.toISOString()).slice(0, 10);
}

/**
 * What a person does with a task while there is no web portal: the API speaks for them with
 * their own access token. A link in a browser would only answer 401, so say it plainly.
 */
export function howToDecide(baseUrl: string, taskId: string, decisions: readonly string[]): string {
  const choices = decisions.map((d) => `"${d}"`).join(' or ');
  return [
    'How to decide: Quotaflow has no web portal yet, so decisions go through its API with your personal access token (sales operations can issue you one).',
    `Send POST ${baseUrl}/api/v1/approvals/${taskId}/decisions with {"decision": ${choices}, "comment": "…"}.`,
    `Everything waiting for you: GET ${baseUrl}/api/v1/me/approvals.`,
  ].join('\n');
}

/** Where to read more, for people who are told something (no decision expected). */
export function whereToRead(baseUrl: string, path: string): string {
  return `Details (with your personal access token, until the web portal exists): GET ${baseUrl}${path}`;
}

/** A list of names for a sentence: "Ann", "Ann and Bo", "Ann, Bo and Cy". */
export function names(list: readonly string[]): string {
  if (list.length <= 1) return list[0] ?? 'nobody';
  return `${list.slice(0, -1).join(', ')} and ${list[list.length - 1]}`;
}
