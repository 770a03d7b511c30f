import { Controller, Get, Headers, Param, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
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
    const trace = await this.traces.trace(subject);
    if (format === 'csv' || (format === undefined && /text\/csv/.test(accept ?? ''))) {
      res.setHeader('Content-Type', 'text/csv; charset=utf-8');
      res.setHeader('Content-Disposition', `attachment; filename="trace-${subject.replace(/[^A-Za-z0-9-]/g, '_')}.csv"`);
      res.send(this.traces.toCsv(trace.events));
      return;
    }
    res.json(trace);
  }

  @Get()
  @Roles('auditor', 'finance', 'admin')
  @ApiOperation({ summary: 'The append-only audit trail of one subject (or a subject type), oldest first, with each event’s hash chain' })
  async list(@Query() q: AuditQuery) {
    if (!q.subject && !q.subjectPrefix) {
      throw new ApiError(400, 'VALIDATION.FAILED', 'Give subject or subjectPrefix.', [{ field: 'subject', problems: ['subject or subjectPrefix is required'] }]);
    }
    const events = await this.audit.list({ subject: q.subject, subjectPrefix: q.subjectPrefix, limit: q.limit ?? 100, offset: q.offset ?? 0 });
    return { subject: q.subject ?? null, subjectPrefix: q.subjectPrefix ?? null, count: events.length, events };
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
