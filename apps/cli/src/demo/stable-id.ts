import { createHash } from 'node:crypto';

/** Namespace of every demo id: re-running the seed yields the same ids (RFC 4122 version 5). */
export const DEMO_NAMESPACE = 'b1f2c3d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d';

export function uuidV5(namespace: string, name: string): string {
  const hash = createHash('sha1').update(Buffer.from(namespace.replace(/-/g, ''), 'hex')).update(name, 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export const demoId = (kind: string, key: string): string => uuidV5(DEMO_NAMESPACE, `${kind}:${key}`);
