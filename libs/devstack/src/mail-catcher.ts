import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SMTPServer } from 'smtp-server';

export interface MailCatcher {
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  stop(): Promise<void>;
}

/** File name: sortable timestamp + Message-ID made safe for any file system. */
export function emlFileName(receivedAt: Date, messageId: string | undefined, seq: number): string {
  const stamp = receivedAt.toISOString().replace(/[:.]/g, '-');
  const id = (messageId ?? `no-id-${seq}`).replace(/^<|>$/g, '').replace(/[^A-Za-z0-9@._-]/g, '_').slice(0, 120);
  return `${stamp}_${id}.eml`;
}

function messageIdOf(raw: Buffer): string | undefined {
  const headerEnd = raw.indexOf('\r\n\r\n');
  const headers = raw.subarray(0, headerEnd >= 0 ? headerEnd : raw.length).toString('utf8').replace(/\r?\n[ \t]+/g, ' ');
  return /^message-id:\s*(.+)$/im.exec(headers)?.[1]?.trim();
}

/** A local SMTP catcher (no auth, no TLS) that saves each message as a raw .eml. */
export async function startMailCatcher(options: { dir: string; port: number; host?: string }): Promise<MailCatcher> {
  const dir = resolve(options.dir);
  const host = options.host ?? '127.0.0.1';
  mkdirSync(dir, { recursive: true });
  let seq = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', callback);
      stream.on('end', () => {
        try {
          const raw = Buffer.concat(chunks);
          seq += 1;
          writeFileSync(join(dir, emlFileName(new Date(), messageIdOf(raw), seq)), raw);
          callback();
        } catch (error) {
          callback(error as Error);
        }
      });
    },
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(options.port, host, () => {
      server.off('error', fail);
      ok();
    });
  });
  server.on('error', (error) => process.stderr.write(`[mail] ${error.message}\n`));
  return {
    url: `smtp://${host}:${options.port}`,
    port: options.port,
    dir,
    stop: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}
