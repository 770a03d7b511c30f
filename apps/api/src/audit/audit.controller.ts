import { Controller, Get, Headers, Param, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { AuditCheckpoints, AuditLog } from '@quotaflow/persistence';
import type { Response } from 'express';
import { Roles } from '../auth/roles.decorator';
import { ApiError } from '../common/api-error';
import { TraceService } from './trace.service';

const SUBJECT = /^[a-z][a-z-]*:[A-Za-z0-9._:-]+$/;

export class AuditQuery {
  @ApiPropertyOptional({ example: 'plan-assignment:5f0c…' })
  @IsOptional() @Matches(SUBJECT, { message: 'subject must look like "<type>:<id>"' })
  subject?: string;

  @ApiPropertyOptional({ example: 'plan-assignment:' })
  @IsOptional() @Matches(/^[a-z][a-z-]*:[A-Za-z0-9._:-]*$/, { message: 'subjectPrefix must look like "<type>:"' })
  subjectPrefix?: string;

  @ApiPropertyOptional({ default: 100 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000)
  limit?: number;

  @ApiPropertyOptional({ default: 0 }) @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(1_000_000_000)
  offset?: number;

  @ApiPropertyOptional({ description: 'The `next` of the previous page: the events after it (use instead of offset on long trails).' })
  @IsOptional() @IsString() @MaxLength(200)
  cursor?: string;
}

/** The audit cursor: base64url of `{"a":"<last event id>"}`, exactly; anything else is 400 naming `cursor`. */
export function encodeAuditCursor(lastId: string): string {
  return Buffer.from(JSON.stringify({ a: lastId })).toString('base64url');
}

export function decodeAuditCursor(value: string): string {
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(value)) throw new Error('characters');
    const c = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as { a?: unknown };
    if (!c || typeof c !== 'object' || Array.isArray(c) || Object.keys(c).join() !== 'a') throw new Error('shape');
    if (typeof c.a !== 'string' || !/^[1-9][0-9]{0,17}$/.test(c.a)) throw new Error('id');
    return c.a;
  } catch {
    throw new ApiError(400, 'VALIDATION.FAILED', 'cursor: not a cursor this API returned.', [{ field: 'cursor', problems: ['not a cursor this API returned'] }]);
  }
}

@ApiTags('audit')
@ApiBearerAuth()
@Controller('audit')
export class AuditController {
  constructor(private readonly traces: TraceService, private readonly audit: AuditLog, private readonly checkpoints: AuditCheckpoints) {}

  @Get('trace/:subject')
  @Roles('auditor', 'finance', 'admin')
  @ApiOperation({ summary: 'The whole history of one subject (quota-set:<id>, territory-change:<id>, plan-assignment:<id>): every event, stage and decision with actor, role, time, comment, workflow and run id — JSON, or CSV with ?format=csv or Accept: text/csv' })
  async trace(@Param('subject') subject: string, @Query('format') format: string | undefined, @Headers('accept') accept: string | undefined, @Res() res: Response): Promise<void> {
    if (!SUBJECT.test(subject)) {
      throw new ApiError(400, 'VALIDATION.FAILED', 'subject must look like "<type>:<id>"', [{ field: 'subject', problems: ['must look like "<type>:<id>"'] }]);
    }
    if (format !== undefined && format !== 'csv' && format !== 'json') {
      throw new ApiError(400, 'VALIDATION.FAILED', 'format must be csv or json', [{ field: 'format', problems: ['must be csv or json'] }]);
    }
    // Either form is streamed a page at a time: a trail of any length, never whole in memory.
    const csv = format === 'csv' || (format === undefined && /text\/csv/.test(accept ?? ''));
    if (csv) {
      res.setHeader('Content-Type', 'text/csv; charset=utf-8');
      res.setHeader('Content-Disposition', `attachment; filename="trace-${subject.replace(/[^A-Za-z0-9-]/g, '_')}.csv"`);
    } else {
      res.setHeader('Content-Type', 'application/json; charset=utf-8');
    }
    for await (const chunk of csv ? this.traces.csvChunks(subject) : this.traces.jsonChunks(subject)) {
      if (!res.write(chunk)) await new Promise((resolve) => res.once('drain', resolve));
    }
    res.end();
  }

  @Get()
  @Roles('auditor', 'finance', 'admin')
  @ApiOperation({ summary: 'The append-only audit trail of one subject (or a subject type), oldest first, with each event’s hash chain' })
  async list(@Query() q: AuditQuery) {
    if (!q.subject && !q.subjectPrefix) {
      throw new ApiError(400, 'VALIDATION.FAILED', 'Give subject or subjectPrefix.', [{ field: 'subject', problems: ['subject or subjectPrefix is required'] }]);
    }
    if (q.cursor !== undefined && q.offset !== undefined) {
      throw new ApiError(400, 'VALIDATION.FAILED', 'Give cursor or offset, not both.', [{ field: 'offset', problems: ['not together with cursor'] }]);
    }
    const afterId = q.cursor !== undefined ? decodeAuditCursor(q.cursor) : undefined;
    const limit = q.limit ?? 100;
    const events = await this.audit.list({ subject: q.subject, subjectPrefix: q.subjectPrefix, limit, offset: q.offset ?? 0, ...(afterId ? { afterId } : {}) });
    // A full page may have more after it: its last id is the next cursor (an empty page ends the walk).
    const next = events.length === limit ? encodeAuditCursor(events[events.length - 1]!.id) : undefined;
    const filter = q.subject !== undefined ? `subject=${encodeURIComponent(q.subject)}` : `subjectPrefix=${encodeURIComponent(q.subjectPrefix!)}`;
    return {
      subject: q.subject ?? null, subjectPrefix: q.subjectPrefix ?? null, count: events.length, events,
      ...(next ? { next, links: { next: `/api/v1/audit?${filter}&limit=${limit}&cursor=${next}` } } : {}),
    };
  }

  @Get('verify')
  @Roles('auditor', 'finance', 'admin')
  @ApiOperation({ summary: 'Walk the whole HMAC chain against the signed checkpoints and name the first missing, altered or forged event, if any' })
  async verify() {
    const { checkpoints, unreadable } = this.checkpoints.list();
    const result = await this.audit.verify({ checkpoints });
    if (result.ok && unreadable.length > 0) {
      return { ...result, ok: false, reason: `the checkpoint file has unreadable lines: ${unreadable.join(', ')}` };
    }
    return result;
  }

  @Get('checkpoints')
  @Roles('auditor', 'finance', 'admin')
  @ApiOperation({ summary: 'The signed checkpoints of the audit chain (last id, head hash, count, time, HMAC signature), oldest first: keep a copy outside this system' })
  listCheckpoints() {
    const { checkpoints, unreadable } = this.checkpoints.list();
    return { file: 'checkpoints.jsonl', count: checkpoints.length, unreadableLines: unreadable, checkpoints };
  }
}
