/**
 * Issue 8, item 5: every Temporal payload between the API and the worker is encrypted and
 * authenticated. A decision sent straight to Temporal with the CLI (no codec) is refused and
 * records nothing; the server's history holds no readable pay or personal data; the Web UI's
 * codec endpoint decodes for ops/admin only.
 */
import { execFile } from 'node:child_process';
import type { Payload } from '@temporalio/common';
import { AcceptanceEntity, ApprovalDecisionEntity } from '@quotaflow/persistence';
import { resolveTemporalCli } from '@quotaflow/devstack';
import { AesGcmPayloadCodec, ENCRYPTED_ENCODING } from '@quotaflow/temporal-codec';
import { eventually, type Harness, publishPlanTo, startHarness } from './harness';
import { connectDevServer, testDataConverter, type DevServerConnection } from '../support/temporal';

jest.setTimeout(180_000);

const QUOTA = '1234567.89';

function run(command: string, args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: 60_000, encoding: 'utf8' }, (error, stdout, stderr) => {
      resolve({ status: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** Every byte string and string of a protobuf object, in order (payload data and metadata included). */
function texts(value: unknown, out: string[] = []): string[] {
  if (value instanceof Uint8Array) out.push(Buffer.from(value).toString('utf8'));
  else if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) value.forEach((v) => texts(v, out));
  else if (value && typeof value === 'object') Object.values(value).forEach((v) => texts(v, out));
  return out;
}

function payloadsOf(value: unknown, out: Payload[] = []): Payload[] {
  if (value && typeof value === 'object' && !(value instanceof Uint8Array)) {
    const v = value as Record<string, unknown>;
    if (v.metadata && typeof v.metadata === 'object' && 'data' in v) out.push(v as Payload);
    else Object.values(v).forEach((child) => (Array.isArray(child) ? child.forEach((c) => payloadsOf(c, out)) : payloadsOf(child, out)));
  }
  return out;
}

describe('Temporal payloads are encrypted and authenticated', () => {
  let h: Harness;
  let raw: DevServerConnection;
  let assignmentId: string;
  let workflowId: string;

  beforeAll(async () => {
    h = await startHarness('temporal-codec');
    raw = await connectDevServer('default', { codec: false });
    ({ assignmentId, workflowId } = await publishPlanTo(h, h.org.rep, QUOTA));
  });
  afterAll(async () => {
    await raw?.close();
    await h?.close();
  });

  it('refuses a decision sent with the temporal CLI and records nothing', async () => {
    const forged = JSON.stringify({ actorId: h.org.rep.id, actorRoles: ['rep'], decision: 'accept', ip: '203.0.113.9', userAgent: 'temporal-cli' });
    // asynchronously: the worker runs in this process and must answer meanwhile
    const cli = await run(resolveTemporalCli(), [
      'workflow', 'update', 'execute', '--address', process.env.TEMPORAL_ADDRESS!, '--namespace', 'default',
      '--workflow-id', workflowId, '--name', 'decide', '--input', forged, '--update-id', 'forged-0001',
    ]);
    expect(cli.status).not.toBe(0);
    expect(`${cli.stdout}${cli.stderr}`).toMatch(/Unknown encoding: quotaflow\/refused \(payload refused: not encrypted \(encoding json\/plain\)/);
    // nothing recorded, and the rep's own decision through the API still works
    expect(await h.db.getRepository(AcceptanceEntity).findOneBy({ assignmentId })).toBeNull();
    expect(await h.db.getRepository(ApprovalDecisionEntity).findOneBy({ idempotencyKey: 'forged-0001' })).toBeNull();
    expect((await h.http('GET', `/api/v1/plan-assignments/${assignmentId}`, { as: h.org.rep })).body.status).toBe('pending_rep');
    const accepted = await h.http('POST', `/api/v1/plan-assignments/${assignmentId}/accept`, { as: h.org.rep, body: {}, headers: { 'Idempotency-Key': 'accept-codec-0001' } });
    expect(accepted.status).toBe(200);
    expect(accepted.body.status).toBe('accepted');
    const acceptance = await eventually(() => h.db.getRepository(AcceptanceEntity).findOneBy({ assignmentId }), 'the acceptance');
    expect(acceptance.userAgent).not.toBe('temporal-cli');
  });

  it('leaves no readable pay or personal data in the server\'s history', async () => {
    const { rep } = h.org;
    const history = await raw.client.workflow.getHandle(workflowId).fetchHistory();
    const all = texts(history).join('\n');
    for (const secret of [rep.name, rep.email, QUOTA, '1,234,567.89', 'Account Executive 2026', 'Mia Manager', 'e2e.test']) expect(all).not.toContain(secret);
    // Every payload is ciphertext, except what the SDK's core writes itself: for `patched()` the
    // patch marker and the TemporalChangeVersion search attribute (patch names only), and a local
    // activity's marker details (its sequence number, attempt, type and times; its result is ours,
    // encrypted).
    const plain = history.events!.flatMap((e) => payloadsOf(e).filter((p) => Buffer.from(p.metadata!.encoding!).toString() !== ENCRYPTED_ENCODING)
      .map((p) => ({ marker: Boolean(e.markerRecordedEventAttributes || e.upsertWorkflowSearchAttributesEventAttributes), data: Buffer.from(p.data!).toString() })));
    const patchData = /^(\{"id":"[a-z-]+","deprecated":(true|false)\}|\["[a-z-]+"(,"[a-z-]+")*\])$/;
    const localActivityData = /^\{"seq":\d+,"attempt":\d+,"activity_id":"\d+","activity_type":"[A-Za-z]+","complete_time":\{"seconds":\d+,"nanos":\d+\},"backoff":null,"original_schedule_time":\{"seconds":\d+,"nanos":\d+\}\}$/;
    expect(plain.filter((p) => !p.marker || !(patchData.test(p.data) || localActivityData.test(p.data)))).toEqual([]);
    expect(plain.filter((p) => localActivityData.test(p.data)).map((p) => (JSON.parse(p.data) as { activity_type: string }).activity_type)).toEqual(['preparePlanAcceptance', 'openApprovalStep']);
    const payloads = payloadsOf(history).filter((p) => Buffer.from(p.metadata!.encoding!).toString() === ENCRYPTED_ENCODING);
    expect(payloads.length).toBeGreaterThan(5);
    // the control: with the codec the same history is readable (the check above can fail)
    const [codec] = testDataConverter().payloadCodecs as [AesGcmPayloadCodec];
    const decoded = texts(await codec.decode(payloads)).join('\n');
    expect(decoded).toContain(rep.id);
  });

  it('decodes for the Web UI: ops and admin only, CORS for the configured origin', async () => {
    const history = await raw.client.workflow.getHandle(workflowId).fetchHistory();
    const payloads = payloadsOf(history).slice(0, 3);
    const body = { payloads: payloads.map((p) => ({ metadata: Object.fromEntries(Object.entries(p.metadata!).map(([k, v]) => [k, Buffer.from(v!).toString('base64')])), data: Buffer.from(p.data!).toString('base64') })) };
    const plain = { metadata: { encoding: Buffer.from('json/plain').toString('base64') }, data: Buffer.from('"not ours"').toString('base64') };

    const decoded = await h.http('POST', '/api/v1/temporal-codec/decode', { as: h.org.ops, body: { payloads: [...body.payloads, plain] } });
    expect(decoded.status).toBe(200);
    expect(decoded.body.payloads).toHaveLength(4);
    expect(Buffer.from(decoded.body.payloads[0].metadata.encoding, 'base64').toString()).toBe('json/plain');
    expect(decoded.body.payloads[3]).toEqual(plain); // not ours: unchanged
    for (const who of [h.org.rep, h.org.manager, h.org.finance, h.org.auditor]) {
      expect((await h.http('POST', '/api/v1/temporal-codec/decode', { as: who, body })).status).toBe(403);
    }
    expect((await h.http('POST', '/api/v1/temporal-codec/decode', { body })).status).toBe(401);

    // encode: admin only, and audited
    expect((await h.http('POST', '/api/v1/temporal-codec/encode', { as: h.org.ops, body: { payloads: [plain] } })).status).toBe(403);
    const encoded = await h.http('POST', '/api/v1/temporal-codec/encode', { as: h.org.admin, body: { payloads: [plain] } });
    expect(encoded.status).toBe(200);
    expect(Buffer.from(encoded.body.payloads[0].metadata['encryption-key-id'], 'base64').toString()).toBe('test-2');
    const audited = await h.http('GET', `/api/v1/audit?subject=person:${h.org.admin.id}`, { as: h.org.auditor });
    expect(audited.body.events.map((e: { action: string }) => e.action)).toEqual(['temporal-codec.encoded']);

    const preflight = await fetch(`${h.baseUrl}/api/v1/temporal-codec/decode`, { method: 'OPTIONS', headers: { origin: 'http://localhost:8233', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type,x-namespace' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('http://localhost:8233');
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
    const evil = await fetch(`${h.baseUrl}/api/v1/temporal-codec/decode`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    expect(evil.status).toBe(403);
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
    // other routes answer no CORS at all
    const other = await fetch(`${h.baseUrl}/health`, { headers: { origin: 'http://localhost:8233' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('decrypts payloads of a rotated-out key and refuses tampered ones', () => {
    const [current] = testDataConverter().payloadCodecs as [AesGcmPayloadCodec];
    const keys = (k: string) => ({ id: k, key: Buffer.from(`test-codec-key-${k === 'test-1' ? 1 : 2}-0123456789abcde`) });
    const old = new AesGcmPayloadCodec([keys('test-1')]);
    const payload = { metadata: { encoding: new TextEncoder().encode('json/plain') }, data: new TextEncoder().encode('{"quota":"1.00"}') };
    const fromOldKey = old.encrypt(payload);
    expect(Buffer.from(current.decrypt(fromOldKey).data!).toString()).toBe('{"quota":"1.00"}');
    const tampered = { ...fromOldKey, data: Uint8Array.from(fromOldKey.data!, (b, i) => (i === 20 ? b ^ 1 : b)) };
    expect(() => current.decrypt(tampered)).toThrow('payload refused: authentication failed');
    const relabelled = { ...fromOldKey, metadata: { ...fromOldKey.metadata, 'encryption-key-id': new TextEncoder().encode('test-2') } };
    expect(() => current.decrypt(relabelled)).toThrow('payload refused: authentication failed');
    expect(() => new AesGcmPayloadCodec([{ id: 'other', key: Buffer.alloc(32, 9) }]).decrypt(fromOldKey)).toThrow('payload refused: unknown key id "test-1"');
  });
});
