// Streaming CSV: bytes → (UTF-8 check, SHA-256, size) → csv-parse → records with their line number.
// Nothing holds the file: memory is one chunk plus one record.
import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { CsvError, parse } from 'csv-parse';

/** A problem with the file as a whole (not one row): the import cannot read on. */
export class ImportFileError extends Error {
  constructor(readonly code: string, message: string, readonly line: number | null = null) {
    super(message);
    this.name = 'ImportFileError';
  }
}

/** One record as read: cells as written and the file line it starts on (the header is line 1). */
export interface CsvRecord {
  line: number;
  cells: string[];
}

export interface FileFacts {
  bytes: number;
  sha256: string;
}

/** Largest record accepted (a runaway quote otherwise reads the whole file into one field). */
export const MAX_RECORD_BYTES = 1024 * 1024;

/** Checks UTF-8 chunk by chunk (a character split across chunks is carried over) and hashes the bytes. */
class Utf8Guard extends Transform {
  private carry: Buffer = Buffer.alloc(0);
  bytes = 0;
  private newlines = 0;

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    const data = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    // Up to 3 bytes of an unfinished character wait for the next chunk.
    let end = data.length;
    for (let back = 1; back <= Math.min(3, data.length); back++) {
      const b = data[data.length - back]!;
      if ((b & 0xc0) === 0x80) continue; // continuation byte
      const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
      if (need > back) end = data.length - back;
      break;
    }
    const complete = data.subarray(0, end);
    this.carry = Buffer.from(data.subarray(end));
    if (!isUtf8(complete)) {
      done(this.notUtf8(complete));
      return;
    }
    this.newlines += count(complete, 0x0a);
    done(null, complete);
  }

  override _flush(done: TransformCallback): void {
    if (this.carry.length > 0) {
      done(this.notUtf8(this.carry));
      return;
    }
    done();
  }

  private notUtf8(data: Buffer): ImportFileError {
    const lo = firstInvalidByte(data);
    const line = this.newlines + count(data.subarray(0, lo), 0x0a) + 1;
    const utf16 = this.bytes <= data.length + 2 && ((data[0] === 0xff && data[1] === 0xfe) || (data[0] === 0xfe && data[1] === 0xff));
    return new ImportFileError('FILE.NOT_UTF8', utf16
      ? 'The file is UTF-16, not UTF-8: save it as "CSV UTF-8" and import it again.'
      : `The file is not valid UTF-8 (first bad byte near line ${line}): save it as "CSV UTF-8" and import it again.`, line);
  }

}

/** Offset of the first byte that does not belong to a valid UTF-8 sequence (error path only). */
function firstInvalidByte(buf: Buffer): number {
  let i = 0;
  while (i < buf.length) {
    const b = buf[i]!;
    const need = b < 0x80 ? 1 : b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 && b < 0xf5 ? 4 : 0;
    if (need === 0 || i + need > buf.length || !isUtf8(buf.subarray(i, i + need))) return i;
    i += need;
  }
  return buf.length;
}

function count(buf: Buffer, byte: number): number {
  let n = 0;
  for (let i = buf.indexOf(byte); i !== -1; i = buf.indexOf(byte, i + 1)) n++;
  return n;
}

export interface CsvReader {
  records: AsyncGenerator<CsvRecord>;
  /** Size and hash of every byte read so far (all of them once `records` is done or `drain` resolved). */
  facts(): FileFacts;
  /** Reads (and hashes) the rest of the source after an early stop, so the hash is the whole file's. */
  drain(): Promise<void>;
}

/**
 * Reads CSV from a byte stream: RFC 4180 quoting, CRLF or LF, a UTF-8 BOM, embedded newlines;
 * anything that is not UTF-8 or not well-formed CSV is an `ImportFileError` naming the line.
 */
export function readCsv(source: AsyncIterable<Buffer | string>): CsvReader {
  const hash = createHash('sha256');
  let bytes = 0;
  const iterator = source[Symbol.asyncIterator]();
  let inflight: Promise<IteratorResult<Buffer | string>> | null = null;
  let ended = false;
  const pull = async (): Promise<IteratorResult<Buffer>> => {
    const r = await iterator.next();
    if (r.done) {
      ended = true;
      return { done: true, value: undefined };
    }
    const chunk = typeof r.value === 'string' ? Buffer.from(r.value) : r.value;
    hash.update(chunk);
    bytes += chunk.length;
    return { done: false, value: chunk };
  };
  async function* tapped(): AsyncGenerator<Buffer> {
    for (;;) {
      inflight = pull();
      const r = await inflight;
      inflight = null;
      if (r.done) return;
      yield r.value as Buffer;
    }
  }
  const guard = new Utf8Guard();
  const parser = parse({ bom: true, relax_column_count: true, skip_empty_lines: false, max_record_size: MAX_RECORD_BYTES });
  const input = Readable.from(tapped());
  // Errors reach the reader through the parser's iterator; the listeners only pass them on (an
  // 'error' event without a listener would crash the process after the iterator has stopped).
  input.on('error', (e) => guard.destroy(e));
  guard.on('error', (e) => parser.destroy(e));
  parser.on('error', () => undefined);
  input.pipe(guard).pipe(parser);
  let digest: string | null = null;
  async function* records(): AsyncGenerator<CsvRecord> {
    let next = 1;
    try {
      for await (const cells of parser as AsyncIterable<string[]>) {
        const line = next;
        next += 1;
        for (let i = 0; i < cells.length; i++) {
          const c = cells[i]!;
          if (c.length > 0 && c.indexOf('\n') !== -1) next += c.split('\n').length - 1;
        }
        // An empty line is no record.
        if (cells.length === 1 && cells[0] === '') continue;
        yield { line, cells };
      }
    } catch (e) {
      if (e instanceof ImportFileError) throw e;
      if (e instanceof CsvError) {
        const at = (e as CsvError & { lines?: number }).lines;
        throw new ImportFileError('FILE.MALFORMED_CSV', `The file is not well-formed CSV${at ? ` at line ${at}` : ''}: ${e.message.replace(/^Invalid/, 'invalid')}`, at ?? null);
      }
      throw e;
    } finally {
      if (!parser.destroyed) parser.destroy();
      if (ended) digest ??= hash.digest('hex');
    }
  }
  return {
    records: records(),
    facts: () => ({ bytes, sha256: digest ?? (ended ? (digest = hash.digest('hex')) : '') }),
    async drain() {
      if (inflight) await inflight;
      while (!ended) await pull();
    },
  };
}
