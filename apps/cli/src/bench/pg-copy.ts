/**
 * `COPY ... FROM STDIN` through node-postgres without pg-copy-streams: a minimal
 * Submittable that answers the server's CopyInResponse with our chunks.
 */
import type { Client } from 'pg';

interface PgConnection {
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
}

class CopyIn {
  private rows = 0;
  private error: Error | null = null;

  constructor(
    private readonly text: string,
    private readonly chunks: Iterable<Buffer>,
    private readonly done: (err: Error | null, rows: number) => void,
  ) {}

  submit(connection: PgConnection): void {
    connection.query(this.text);
  }

  handleCopyInResponse(connection: PgConnection): void {
    for (const chunk of this.chunks) connection.sendCopyFromChunk(chunk);
    connection.endCopyFrom();
  }

  handleCommandComplete(msg: { text?: string }): void {
    const m = /COPY (\d+)/.exec(msg.text ?? '');
    if (m) this.rows = Number(m[1]);
  }

  handleError(err: Error): void {
    this.error = err;
  }

  handleReadyForQuery(): void {
    this.done(this.error, this.rows);
  }

  // the client may forward these for any query; COPY FROM has none of them
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}
  handleCopyData(): void {}
}

/** Run a COPY FROM STDIN (text format) with the given chunks; resolves to the row count. */
export function copyFrom(client: Client, text: string, chunks: Iterable<Buffer>): Promise<number> {
  return new Promise((resolve, reject) => {
    const submittable = new CopyIn(text, chunks, (err, rows) => (err ? reject(err) : resolve(rows)));
    void client.query(submittable as unknown as Parameters<Client['query']>[0]);
  });
}
