// COPY ... FROM STDIN (text format) with backpressure: rows are encoded and written in chunks.
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

/** One COPY text-format field: NULL as \N; backslash, tab, newline and CR escaped. */
export function copyField(value: string | null): string {
  if (value === null) return '\\N';
  return /[\\\t\n\r]/.test(value) ? value.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r')) : value;
}

const CHUNK_CHARS = 256 * 1024;

export class CopyWriter {
  private readonly stream: ReturnType<typeof copyFrom>;
  private buffer = '';
  private failure: Error | null = null;
  private readonly finished: Promise<void>;
  rows = 0;

  constructor(client: PoolClient, sql: string) {
    this.stream = client.query(copyFrom(sql));
    this.finished = new Promise((resolve, reject) => {
      this.stream.on('finish', () => resolve());
      this.stream.on('error', (e: Error) => {
        this.failure = e;
        reject(e);
      });
    });
    this.finished.catch(() => undefined);
  }

  /** Adds one row; answers a promise only when the chunk went out and the server is behind (await it). */
  write(fields: Array<string | null>): Promise<void> | undefined {
    if (this.failure) throw this.failure;
    let line = '';
    for (let i = 0; i < fields.length; i++) line += (i === 0 ? '' : '\t') + copyField(fields[i]!);
    this.buffer += `${line}\n`;
    this.rows += 1;
    return this.buffer.length >= CHUNK_CHARS ? this.flush() : undefined;
  }

  private async flush(): Promise<void> {
    if (this.buffer === '') return;
    const ok = this.stream.write(this.buffer);
    this.buffer = '';
    if (!ok) await new Promise<void>((resolve, reject) => {
      const onDrain = () => { this.stream.off('error', onError); resolve(); };
      const onError = (e: Error) => { this.stream.off('drain', onDrain); reject(e); };
      this.stream.once('drain', onDrain);
      this.stream.once('error', onError);
    });
  }

  async end(): Promise<number> {
    await this.flush();
    this.stream.end();
    await this.finished;
    return this.rows;
  }
}
