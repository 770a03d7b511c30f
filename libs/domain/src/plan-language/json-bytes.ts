/**
 * The bytes of a plan-language document, before JSON sees them: encoding and
 * byte-order marks, each refused with a message that says what the file is and what
 * to do. Shared by `calc` and the API (a JSON text is UTF-8 without a BOM, RFC 8259
 * §8.1). `TextDecoder` is the platform's (a web standard, no Node module).
 */

export type DecodedText = { ok: true; text: string } | { ok: false; problem: string };

/** The input as text, or why it is not UTF-8 JSON text. */
export function decodeJsonBytes(bytes: Uint8Array, what = 'the file'): DecodedText {
  const b = bytes;
  const it = what;
  if (b.length >= 4 && b[0] === 0x00 && b[1] === 0x00 && b[2] === 0xfe && b[3] === 0xff) return { ok: false, problem: `${it} is UTF-32 big-endian (it starts with the byte-order mark 00 00 FE FF); save it as UTF-8` };
  if (b.length >= 4 && b[0] === 0xff && b[1] === 0xfe && b[2] === 0x00 && b[3] === 0x00) return { ok: false, problem: `${it} is UTF-32 little-endian (it starts with the byte-order mark FF FE 00 00); save it as UTF-8` };
  if (b.length >= 2 && b[0] === 0xff && b[1] === 0xfe) return { ok: false, problem: `${it} is UTF-16 little-endian (it starts with the byte-order mark FF FE); save it as UTF-8` };
  if (b.length >= 2 && b[0] === 0xfe && b[1] === 0xff) return { ok: false, problem: `${it} is UTF-16 big-endian (it starts with the byte-order mark FE FF); save it as UTF-8` };
  if (b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return { ok: false, problem: `${it} starts with a UTF-8 byte-order mark (EF BB BF), which JSON does not allow; save it as UTF-8 without a BOM` };
  // JSON text starts with ASCII: a zero byte beside it is UTF-16 without a mark
  if (b.length >= 2 && b[0] !== 0 && b[1] === 0) return { ok: false, problem: `${it} looks like UTF-16 little-endian without a byte-order mark (every other byte is zero); save it as UTF-8` };
  if (b.length >= 2 && b[0] === 0 && b[1] !== 0) return { ok: false, problem: `${it} looks like UTF-16 big-endian without a byte-order mark (every other byte is zero); save it as UTF-8` };
  try {
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(b) };
  } catch {
    const at = firstInvalidUtf8(b);
    const { line, column } = lineAndColumn(b, at);
    const byte = at < b.length ? `0x${b[at].toString(16).toUpperCase().padStart(2, '0')}` : 'the end of the file';
    return { ok: false, problem: `${it} is not UTF-8: byte ${at} (line ${line}, column ${column}) is ${byte}, which starts no UTF-8 character there; save it as UTF-8` };
  }
}

/** Offset of the first byte that breaks UTF-8 (only called once the input is known to be invalid). */
export function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i];
    let n: number;
    let min: number;
    if (c < 0x80) {
      i++;
      continue;
    } else if (c >= 0xc2 && c <= 0xdf) {
      n = 1;
      min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
      n = 2;
      min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 3;
      min = 0x10000;
    } else return i;
    if (i + n >= b.length) return i;
    let cp = c & (0x3f >> n);
    for (let k = 1; k <= n; k++) {
      const x = b[i + k];
      if (x === undefined || (x & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (x & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += n + 1;
  }
  return b.length;
}

function lineAndColumn(b: Uint8Array, at: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < at; i++) {
    if (b[i] === 10) {
      line++;
      start = i + 1;
    }
  }
  return { line, column: at - start + 1 };
}

/** Line and column of a character offset in a text (for JSON syntax errors). */
export function textPosition(text: string, at: number): string {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < at; i = text.indexOf('\n', i + 1)) {
    line++;
    start = i + 1;
  }
  return `line ${line}, column ${at - start + 1}`;
}

/**
 * Where JSON text first breaks the grammar, and what was expected there, or null.
 * Only called once JSON.parse has failed (its messages name no place in V8 11, and
 * quote the text around it, newlines included). Iterative: any depth is safe.
 */
export function findJsonSyntaxError(text: string): { at: number; expected: string } | null {
  const len = text.length;
  const stack: number[] = [];
  let i = 0;
  // 0: a value, 1: after a value, 2: a key
  let state = 0;
  const ws = (): void => {
    while (i < len) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 9 || c === 10 || c === 13) i++;
      else break;
    }
  };
  const string = (): string | null => {
    i++;
    while (i < len) {
      const c = text.charCodeAt(i);
      if (c === 34) {
        i++;
        return null;
      }
      if (c < 0x20) return 'no control character inside a string (write it as an escape such as \\n)';
      if (c === 92) {
        const e = text[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) return 'four hex digits after \\u';
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else return 'a valid escape (\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)';
      } else i++;
    }
    return 'the closing quote of the string';
  };
  for (;;) {
    ws();
    if (state === 0) {
      if (i >= len) return { at: i, expected: 'a value' };
      const c = text[i];
      if (c === '{' || c === '[') {
        stack.push(c === '{' ? 125 : 93);
        i++;
        ws();
        if (text.charCodeAt(i) === stack[stack.length - 1]) {
          stack.pop();
          i++;
          state = 1;
        } else state = c === '{' ? 2 : 0;
        continue;
      }
      if (c === '"') {
        const bad = string();
        if (bad !== null) return { at: i, expected: bad };
        state = 1;
        continue;
      }
      const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
      if (m && m[0].length > 0 && (c === '-' || (c >= '0' && c <= '9'))) {
        i += m[0].length;
        state = 1;
        continue;
      }
      const word = /^(true|false|null)/.exec(text.slice(i, i + 5));
      if (word) {
        i += word[0].length;
        state = 1;
        continue;
      }
      return { at: i, expected: 'a value (an object, a list, a string in double quotes, a number, true, false or null)' };
    }
    if (state === 2) {
      if (text[i] !== '"') return { at: i, expected: 'a key in double quotes' };
      const bad = string();
      if (bad !== null) return { at: i, expected: bad };
      ws();
      if (text[i] !== ':') return { at: i, expected: '":" after the key' };
      i++;
      state = 0;
      continue;
    }
    // after a value
    if (stack.length === 0) return i < len ? { at: i, expected: 'nothing after the end of the document' } : null;
    const close = stack[stack.length - 1];
    const c = text.charCodeAt(i);
    if (c === 44) {
      i++;
      ws();
      if (text.charCodeAt(i) === close) return { at: i, expected: 'another item after the comma (a trailing comma is not JSON)' };
      state = close === 125 ? 2 : 0;
    } else if (c === close) {
      stack.pop();
      i++;
    } else return { at: i, expected: close === 125 ? '"," or "}"' : '"," or "]"' };
  }
}

/** JSON.parse's complaint in one line, with the line and column where the text breaks. */
export function describeJsonError(text: string, error: unknown): string {
  const found = findJsonSyntaxError(text);
  if (found !== null) {
    const got = found.at < text.length ? `found ${JSON.stringify(text.slice(found.at, found.at + 12))}` : 'found the end of the text';
    return `not valid JSON at ${textPosition(text, found.at)}: expected ${found.expected}, ${got}`;
  }
  const message = error instanceof Error ? error.message : String(error);
  return `not valid JSON: ${JSON.stringify(message.slice(0, 200)).slice(1, -1)}`;
}

/**
 * Offset of the first `{` or `[` that opens a level deeper than `maxDepth` in JSON
 * bytes (or text code units), or −1. Strings are skipped; nothing is parsed, nothing
 * recursed: a guard that runs before anything walks the value.
 */
export function jsonDepthExceeded(bytes: ArrayLike<number>, maxDepth: number): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > maxDepth) return i;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return -1;
}
