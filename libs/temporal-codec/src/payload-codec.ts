import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { DefaultFailureConverter, type FailureConverter, type Payload, type PayloadCodec } from '@temporalio/common';

/*
 * Every Temporal payload the API and the worker exchange (workflow inputs, Update and Signal
 * arguments, activity inputs and results, query answers, failure messages) is encrypted and
 * authenticated with AES-256-GCM. The Temporal server stores only ciphertext, and a payload that
 * was not produced with one of our keys — e.g. `temporal workflow update execute --input …` from
 * the CLI — never reaches a validator or handler: only the API speaks for a person. The key id
 * travels in the payload's metadata, so keys rotate: the first configured key encrypts, every
 * configured key decrypts (docs/key-rotation.md).
 *
 * Such a payload decodes to a *refused* payload whose encoding no payload converter knows,
 * rather than throwing in the codec: the SDK then rejects an Update (its arguments fail to
 * convert, before it is accepted, so nothing enters history) instead of failing the whole
 * workflow task.
 */

export interface CodecKey { id: string; key: Buffer }

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
export const CIPHER_METADATA = 'encryption-cipher';
/** The encoding of a refused payload: the converter's error then reads "Unknown encoding: quotaflow/refused …". */
export const REFUSED_ENCODING_PREFIX = 'quotaflow/refused';
const CIPHER = 'AES-256-GCM';
const IV_BYTES = 12;
const TAG_BYTES = 16;

const utf8 = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array | null | undefined) => (b ? Buffer.from(b).toString('utf8') : undefined);

export class PayloadRefusedError extends Error {
  constructor(reason: string) {
    super(`payload refused: ${reason} (only the Quotaflow API and worker may send payloads)`);
    this.name = 'PayloadRefusedError';
  }
}

/** The additional authenticated data: the ciphertext is bound to its key id and format. */
const aad = (keyId: string) => Buffer.from(`quotaflow-temporal-payload-v1\n${keyId}`, 'utf8');

/** The inner payload as bytes: JSON with base64 fields (no protobuf dependency, exact round trip). */
function serialise(payload: Payload): Buffer {
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(payload.metadata ?? {})) if (v) metadata[k] = Buffer.from(v).toString('base64');
  return Buffer.from(JSON.stringify({ m: metadata, d: payload.data ? Buffer.from(payload.data).toString('base64') : null }), 'utf8');
}

function deserialise(bytes: Buffer): Payload {
  const inner = JSON.parse(bytes.toString('utf8')) as { m: Record<string, string>; d: string | null };
  const metadata: Record<string, Uint8Array> = {};
  for (const [k, v] of Object.entries(inner.m)) metadata[k] = new Uint8Array(Buffer.from(v, 'base64'));
  return { metadata, data: inner.d === null ? undefined : new Uint8Array(Buffer.from(inner.d, 'base64')) };
}

export class AesGcmPayloadCodec implements PayloadCodec {
  private readonly byId: Map<string, Buffer>;
  private readonly active: CodecKey;

  constructor(keys: readonly CodecKey[]) {
    if (keys.length === 0) throw new TypeError('the payload codec needs at least one key (TEMPORAL_CODEC_KEYS)');
    for (const k of keys) if (k.key.length !== 32) throw new TypeError(`codec key "${k.id}" must be 32 bytes`);
    this.active = keys[0]!;
    this.byId = new Map(keys.map((k) => [k.id, k.key]));
  }

  get activeKeyId(): string {
    return this.active.id;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.encrypt(payload));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      try {
        return this.decrypt(payload);
      } catch (error) {
        if (!(error instanceof PayloadRefusedError)) throw error;
        return { metadata: { encoding: utf8(`${REFUSED_ENCODING_PREFIX} (${error.message})`) }, data: new Uint8Array() };
      }
    });
  }

  encrypt(payload: Payload): Payload {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.active.key, iv);
    cipher.setAAD(aad(this.active.id));
    const body = Buffer.concat([cipher.update(serialise(payload)), cipher.final()]);
    return {
      metadata: { encoding: utf8(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: utf8(this.active.id), [CIPHER_METADATA]: utf8(CIPHER) },
      data: new Uint8Array(Buffer.concat([iv, body, cipher.getAuthTag()])),
    };
  }

  /** Throws PayloadRefusedError for anything not encrypted with one of our keys, or altered. */
  decrypt(payload: Payload): Payload {
    const encoding = text(payload.metadata?.encoding);
    if (encoding !== ENCRYPTED_ENCODING) throw new PayloadRefusedError(`not encrypted (encoding ${encoding ?? 'none'})`);
    const keyId = text(payload.metadata?.[KEY_ID_METADATA]) ?? '';
    const key = this.byId.get(keyId);
    if (!key) throw new PayloadRefusedError(`unknown key id "${keyId}"`);
    const data = Buffer.from(payload.data ?? new Uint8Array());
    if (data.length < IV_BYTES + TAG_BYTES) throw new PayloadRefusedError('too short');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
      decipher.setAAD(aad(keyId));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      return deserialise(Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]));
    } catch {
      throw new PayloadRefusedError('authentication failed (altered, or encrypted with another key)');
    }
  }

  /** For the Web UI's codec server: decrypts what is ours and leaves anything else as it is. */
  tryDecrypt(payload: Payload): Payload {
    try {
      return this.decrypt(payload);
    } catch {
      return payload;
    }
  }
}

/**
 * The data converter pieces the API's client and the worker share: the codec, and a failure
 * converter that moves failure messages and stack traces into an (encrypted) payload too.
 */
export interface QuotaflowDataConverter {
  payloadCodecs: PayloadCodec[];
  failureConverter: FailureConverter;
}

export function quotaflowDataConverter(keys: readonly CodecKey[]): QuotaflowDataConverter {
  return { payloadCodecs: [new AesGcmPayloadCodec(keys)], failureConverter: new DefaultFailureConverter({ encodeCommonAttributes: true }) };
}
