// One rule for every piece of text a person sends: what PostgreSQL (UTF-8, no NUL) can store
// and a person can read. Refused: NUL and the other C0/C1 control characters except tab, line
// feed and carriage return, lone surrogates (not UTF-16 text at all), and the noncharacters
// U+FFFE / U+FFFF (byte-order-mark mix-ups). Everything else Unicode allows is text.

export interface TextProblem {
  /** Index (UTF-16 code unit) of the first offending character. */
  index: number;
  /** e.g. `U+0000`. */
  codePoint: string;
  reason: string;
}

function hex(code: number): string {
  return `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** The first character that is not acceptable text, or undefined. */
export function findInvalidCharacter(value: string): TextProblem | undefined {
  for (let i = 0; i < value.length; i += 1) {
    const code = value.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i += 1;
        continue;
      }
      return { index: i, codePoint: hex(code), reason: 'a lone surrogate is not text' };
    }
    if (code >= 0xdc00 && code <= 0xdfff) return { index: i, codePoint: hex(code), reason: 'a lone surrogate is not text' };
    if (code === 0) return { index: i, codePoint: hex(code), reason: 'NUL is not allowed in text' };
    if ((code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) || (code >= 0x7f && code <= 0x9f)) {
      return { index: i, codePoint: hex(code), reason: 'control characters are not allowed in text' };
    }
    if (code === 0xfffe || code === 0xffff) return { index: i, codePoint: hex(code), reason: 'noncharacters are not allowed in text' };
  }
  return undefined;
}

export interface InvalidTextAt extends TextProblem {
  /** Where in the value: `comment`, `quotas[3].personId`, `document.components[0].id`. */
  path: string;
}

/**
 * Walks a parsed JSON value (iteratively: no recursion, any depth) and names the first string —
 * key or value — that is not acceptable text. Stops after `maxNodes` nodes (undefined: unbounded).
 */
export function findInvalidTextIn(value: unknown, root = '', maxNodes = Number.POSITIVE_INFINITY): InvalidTextAt | undefined {
  const stack: [unknown, string][] = [[value, root]];
  let visited = 0;
  while (stack.length > 0) {
    const [node, path] = stack.pop()!;
    visited += 1;
    if (visited > maxNodes) return undefined;
    if (typeof node === 'string') {
      const problem = findInvalidCharacter(node);
      if (problem) return { ...problem, path: path || '(body)' };
    } else if (Array.isArray(node)) {
      for (let i = node.length - 1; i >= 0; i -= 1) stack.push([node[i], `${path}[${i}]`]);
    } else if (node !== null && typeof node === 'object') {
      const entries = Object.entries(node as Record<string, unknown>);
      for (let i = entries.length - 1; i >= 0; i -= 1) {
        const [key, child] = entries[i]!;
        const childPath = path ? `${path}.${key}` : key;
        const problem = findInvalidCharacter(key);
        if (problem) return { ...problem, path: childPath };
        stack.push([child, childPath]);
      }
    }
  }
  return undefined;
}
