/** The part of a nodemailer transport the worker uses (tests may provide their own). */
export interface MailTransport {
  sendMail(message: {
    from: string;
    to: string;
    subject: string;
    text: string;
    html?: string;
    messageId: string;
    attachments?: { filename: string; content: Buffer; contentType: string }[];
  }): Promise<unknown>;
}

/** SMTP connections the worker keeps open, shared by every activity that sends. */
export const SMTP_POOL_CONNECTIONS = 5;

/**
 * The SMTP URL as the worker connects: pooled (a connection is opened once and reused for many
 * messages, instead of a TCP and EHLO round per message) unless the URL says `pool=false`, and
 * any pool setting given in the URL wins.
 */
export function pooledSmtpUrl(smtpUrl: string): string {
  const url = new URL(smtpUrl);
  if (!url.searchParams.has('pool')) url.searchParams.set('pool', 'true');
  if (url.searchParams.get('pool') === 'true' && !url.searchParams.has('maxConnections')) url.searchParams.set('maxConnections', String(SMTP_POOL_CONNECTIONS));
  return url.toString();
}
