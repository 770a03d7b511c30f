/**
 * Production refuses secrets that are guessable: the repository's own example and test secrets
 * (anyone can read them), repeated characters or patterns, dictionary words, and strings whose
 * character statistics give less than 128 bits. Generate one with `openssl rand -base64 48`.
 */

/**
 * Every secret-like literal the repository ships (tests, docs, benchmarks). A test scans the
 * repository and fails when it finds one that production would accept, so a new example secret
 * must be added here.
 */
export const REPOSITORY_EXAMPLE_SECRETS: readonly string[] = [
  'e2e-secret-which-is-long-enough-0123456789',
  'another-secret-which-is-long-enough-123456',
  'bench-secret-which-is-long-enough-0123456789',
  // test/support/secrets.ts
  'test-audit-hmac-key-7Qm2vX9pL4sR8tW1yZ6bN3cF5hJ0kD',
  'dGVzdC1jb2RlYy1rZXktMS0wMTIzNDU2Nzg5YWJjZGU=',
  'dGVzdC1jb2RlYy1rZXktMi0wMTIzNDU2Nzg5YWJjZGU=',
  'test-app-login-password',
  // libs/persistence/src/services/audit-log.service.spec.ts
  'a-key-the-attacker-guessed-0123456789abcdef',
];

const WORDS = ['secret', 'password', 'passwd', 'changeme', 'example', 'quotaflow', 'default', 'letmein', 'qwerty', 'admin'];
export const MIN_SECRET_ENTROPY_BITS = 128;

/** Why `secret` is too weak for production, or undefined when it is acceptable. */
export function secretWeakness(secret: string): string | undefined {
  if (REPOSITORY_EXAMPLE_SECRETS.includes(secret)) return 'it appears in the Quotaflow repository (an example or test secret)';
  if (/(.)\1{4,}/su.test(secret)) return 'it repeats a character 5 or more times in a row';
  for (let period = 1; period <= secret.length / 2; period += 1) {
    if (secret.length % period === 0 && secret.slice(0, period).repeat(secret.length / period) === secret) return 'it repeats one pattern';
  }
  const lower = secret.toLowerCase();
  const word = WORDS.find((w) => lower.includes(w));
  if (word) return `it contains the word "${word}"`;
  const bits = estimatedEntropyBits(secret);
  if (bits < MIN_SECRET_ENTROPY_BITS) return `low entropy (about ${Math.floor(bits)} bits, needs ${MIN_SECRET_ENTROPY_BITS}; use e.g. \`openssl rand -base64 48\`)`;
  return undefined;
}

/** Length × Shannon entropy of the string's own character frequencies (an upper bound for people's choices). */
export function estimatedEntropyBits(secret: string): number {
  const chars = [...secret];
  const counts = new Map<string, number>();
  for (const c of chars) counts.set(c, (counts.get(c) ?? 0) + 1);
  let perChar = 0;
  for (const n of counts.values()) {
    const p = n / chars.length;
    perChar -= p * Math.log2(p);
  }
  return perChar * chars.length;
}
