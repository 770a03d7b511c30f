import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { freePort } from '@quotaflow/devstack';

export interface SmtpSink {
  url: string;
  port: number;
  /** Every message received, parsed, in arrival order. */
  messages: ParsedMail[];
  /** SMTP connections opened so far (a health check opens one without sending). */
  readonly connections: number;
  /** Resolves with the first message (already received or arriving) matching `predicate`. */
  waitFor(predicate: (mail: ParsedMail) => boolean, timeoutMs?: number): Promise<ParsedMail>;
  /** Stops listening (the port refuses connections: an SMTP server that is down), keeping what it received. */
  pause(): Promise<void>;
  /** Listens again on the same port. */
  resume(): Promise<void>;
  stop(): Promise<void>;
}

/** A real SMTP server on a free port that keeps what it receives, for assertions. */
export async function startSmtpSink(): Promise<SmtpSink> {
  const messages: ParsedMail[] = [];
  const waiters = new Set<{ predicate: (mail: ParsedMail) => boolean; resolve: (mail: ParsedMail) => void }>();
  let connections = 0;
  let stopped: Promise<void> | undefined;
  const makeServer = () => new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onConnect(_session, callback) {
      connections += 1;
      callback();
    },
    onData(stream, _session, callback) {
      simpleParser(stream).then(
        (mail) => {
          messages.push(mail);
          for (const waiter of [...waiters]) {
            if (waiter.predicate(mail)) {
              waiters.delete(waiter);
              waiter.resolve(mail);
            }
          }
          callback();
        },
        (error: Error) => callback(error),
      );
    },
  });
  const port = await freePort();
  const listen = (server: SMTPServer) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        // A client that dies mid-connection (a SIGKILLed worker's pooled connections) resets its
        // socket: a real SMTP server logs that and goes on, and so does this one.
        server.on('error', () => undefined);
        resolve();
      });
    });
  const close = (server: SMTPServer) => new Promise<void>((resolve) => server.close(() => resolve()));
  let server = makeServer();
  await listen(server);
  let paused = false;

  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    messages,
    get connections() {
      return connections;
    },
    waitFor(predicate, timeoutMs = 30_000) {
      const found = messages.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise<ParsedMail>((resolve, reject) => {
        const waiter = {
          predicate,
          resolve: (mail: ParsedMail) => {
            clearTimeout(timer);
            resolve(mail);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`no matching email within ${timeoutMs} ms (received ${messages.length}: ${messages.map((m) => m.subject).join(' | ')})`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    async pause() {
      if (paused) return;
      paused = true;
      await close(server);
    },
    async resume() {
      if (!paused) return;
      server = makeServer();
      await listen(server);
      paused = false;
    },
    stop: () => (stopped ??= paused ? Promise.resolve() : close(server)),
  };
}
