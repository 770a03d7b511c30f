import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AppConfig } from '@quotaflow/config';
import { AuditLog } from '@quotaflow/persistence';
import { AesGcmPayloadCodec } from '@quotaflow/temporal-codec';
import type { Payload } from '@temporalio/common';
import { CurrentUser, Roles } from '../auth/roles.decorator';
import type { Principal } from '../auth/principal';
import { ApiError } from '../common/api-error';
import { APP_CONFIG } from '../config.token';

/** The Temporal Web UI's codec-server body: payloads in protobuf JSON (metadata values and data base64). */
interface JsonPayload { metadata?: Record<string, string>; data?: string }
interface PayloadsBody { payloads?: unknown }

const MAX_PAYLOADS = 1000;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function parse(body: PayloadsBody): Payload[] {
  const unknown = body && typeof body === 'object' ? Object.keys(body).filter((k) => k !== 'payloads') : [];
  if (unknown.length > 0) {
    throw new ApiError(400, 'VALIDATION.FAILED', `${unknown[0]}: not a field of the codec request`, [{ field: unknown[0]!, problems: ['should not exist'] }]);
  }
  if (!body || !Array.isArray(body.payloads) || body.payloads.length > MAX_PAYLOADS) {
    throw new ApiError(400, 'VALIDATION.FAILED', `Send {"payloads": [...]} with at most ${MAX_PAYLOADS} payloads.`, [{ field: 'payloads', problems: ['must be an array of payloads'] }]);
  }
  return (body.payloads as unknown[]).map((raw, index) => {
    const p = raw as JsonPayload;
    const bad = () => new ApiError(400, 'VALIDATION.FAILED', `payloads[${index}] is not a payload.`, [{ field: `payloads[${index}]`, problems: ['metadata must map names to base64, data must be base64'] }]);
    if (!p || typeof p !== 'object' || Array.isArray(p)) throw bad();
    if (p.metadata !== undefined && (p.metadata === null || typeof p.metadata !== 'object' || Array.isArray(p.metadata))) throw bad();
    const metadata: Record<string, Uint8Array> = {};
    for (const [k, v] of Object.entries(p.metadata ?? {})) {
      if (typeof v !== 'string' || !BASE64.test(v)) throw bad();
      metadata[k] = new Uint8Array(Buffer.from(v, 'base64'));
    }
    if (p.data !== undefined && (typeof p.data !== 'string' || !BASE64.test(p.data))) throw bad();
    return { metadata, data: p.data === undefined ? undefined : new Uint8Array(Buffer.from(p.data, 'base64')) };
  });
}

function toJson(payloads: Payload[]): { payloads: JsonPayload[] } {
  return {
    payloads: payloads.map((p) => ({
      metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).filter(([, v]) => v).map(([k, v]) => [k, Buffer.from(v!).toString('base64')])),
      ...(p.data ? { data: Buffer.from(p.data).toString('base64') } : {}),
    })),
  };
}

/**
 * The codec server of the Temporal Web UI (Settings → Codec Server: `<API>/api/v1/temporal-codec`,
 * with "pass the user access token" so the UI sends a Quotaflow bearer token). Decoding shows pay
 * and personal data, so it is for ops and admins; payloads that are not ours come back unchanged.
 * Encoding creates payloads the worker accepts — speaking for people — so it is admin only and
 * every call is written to the audit trail.
 */
@ApiTags('temporal-codec')
@ApiBearerAuth()
@Controller('temporal-codec')
export class CodecController {
  private readonly codec: AesGcmPayloadCodec;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly audit: AuditLog,
  ) {
    this.codec = new AesGcmPayloadCodec(config.temporal.codecKeys);
  }

  @Post('decode')
  @HttpCode(200)
  @Roles('ops', 'admin')
  @ApiOperation({ summary: 'Temporal Web UI codec server: decrypt payloads (ours; any other comes back unchanged)' })
  @ApiOkResponse({ description: '{"payloads": [...]} in the same shape' })
  decode(@Body() body: PayloadsBody) {
    return toJson(parse(body).map((p) => this.codec.tryDecrypt(p)));
  }

  @Post('encode')
  @HttpCode(200)
  @Roles('admin')
  @ApiOperation({ summary: 'Temporal Web UI codec server: encrypt payloads with the active key (admin; audited)' })
  async encode(@CurrentUser() actor: Principal, @Body() body: PayloadsBody) {
    const payloads = parse(body);
    await this.audit.append({ action: 'temporal-codec.encoded', subject: `person:${actor.id}`, actorId: actor.id, actorRole: 'admin', data: { payloads: payloads.length, keyId: this.codec.activeKeyId } });
    return toJson(payloads.map((p) => this.codec.encrypt(p)));
  }
}
