import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { estimatedEntropyBits, REPOSITORY_EXAMPLE_SECRETS, secretWeakness } from './secret-strength';

const ROOT = resolve(__dirname, '../../..');
const SKIP = new Set(['node_modules', 'dist', '.data', '.tools', '.git']);

function files(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (SKIP.has(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) files(path, out);
    else if (/\.(ts|js|mjs|md|ya?ml|json|sh)$/.test(name) && !name.endsWith('package-lock.json') && !path.includes('__histories__')) out.push(path);
  }
  return out;
}

/** Quoted literals of 32+ characters, without spaces, on lines that speak of a secret or key. */
function secretLikeLiterals(): Array<{ file: string; literal: string }> {
  const found: Array<{ file: string; literal: string }> = [];
  for (const file of files(ROOT)) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (!/secret|jwt|hmac|codec_keys|password/i.test(line)) continue;
      for (const match of line.matchAll(/['"`]([^'"`\s$]{32,200})['"`]/g)) {
        const literal = match[1]!;
        // codec key lists: check each key's text
        for (const part of literal.split(',')) found.push({ file: relative(ROOT, file), literal: part.replace(/^[A-Za-z0-9._-]{1,64}:(?=[A-Za-z0-9+/_-]{40,}={0,2}$)/, '') });
      }
    }
  }
  return found;
}

describe('secretWeakness (production refuses guessable secrets)', () => {
  it('every secret-like literal in the repository is refused in production', () => {
    const literals = secretLikeLiterals();
    expect(literals.length).toBeGreaterThan(3);
    expect(literals.filter(({ literal }) => secretWeakness(literal) === undefined && looksLikeSecret(literal))).toEqual([]);
  });

  it.each(REPOSITORY_EXAMPLE_SECRETS)('refuses the example secret %s', (secret) => {
    expect(secretWeakness(secret)).toBe('it appears in the Quotaflow repository (an example or test secret)');
  });

  it('accepts random secrets as `openssl rand -base64 48` makes them', () => {
    // generated here, never written down: a literal would be a repository secret
    for (let i = 0; i < 20; i++) expect(secretWeakness(randomBytes(48).toString('base64'))).toBeUndefined();
    expect(estimatedEntropyBits('ab'.repeat(20))).toBe(40);
  });
});

/** Identifiers and paths are not secrets; a literal with a digit or mixed case and no path shape may be. */
function looksLikeSecret(literal: string): boolean {
  if (/^[a-z]+([._/-][a-z]+)*$/.test(literal)) return false; // words, paths, dotted names
  if (/^(https?|postgres|smtp):\/\//.test(literal)) return false;
  if (/[<>…]|\$\{|\$\(/.test(literal)) return false; // placeholders and shell substitutions in docs
  return true;
}
