import { connect, type Socket } from 'node:net';
import { createTransport, type Transporter } from 'nodemailer';
import { parseConnectionUrl } from 'nodemailer/lib/shared';
import type SMTPPool from 'nodemailer/lib/smtp-pool';

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

/** How long the worker waits for an SMTP server to accept a connection. */
const CONNECT_TIMEOUT_MS = 30_000;

/**
 * The worker's SMTP transport for `smtpUrl`: pooled (pooledSmtpUrl), and with Nagle's algorithm
 * off on its sockets: SMTP is a dialogue of small writes, and with it on, every command waits for
 * the peer's delayed ACK (about 40 ms a message on loopback: a bare pooled send took 44 ms, 1 ms
 * without). The socket is connected here; nodemailer upgrades it for smtps and STARTTLS.
 */
export function smtpTransport(smtpUrl: string): Transporter {
  const options = parseConnectionUrl(pooledSmtpUrl(smtpUrl)) as SMTPPool.Options;
  return createTransport({
    ...options,
    getSocket: (target: SMTPPool.Options, done: (error: Error | null, socket?: { connection: Socket }) => void) => {
      const port = Number(target.port) || (target.secure ? 465 : 587);
      const socket = connect({ host: target.host ?? 'localhost', port, noDelay: true });
      const timer = setTimeout(() => socket.destroy(new Error(`SMTP connection to ${target.host ?? 'localhost'}:${port} timed out`)), CONNECT_TIMEOUT_MS);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        done(null, { connection: socket });
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        done(error);
      });
    },
  } as SMTPPool.Options);
}
