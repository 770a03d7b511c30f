import { Body, Controller, Get, Headers, HttpCode, Param, Put, Post, Query, Req, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiBody, ApiConsumes, ApiOkResponse, ApiOperation, ApiParam, ApiProduces, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { IMPORT_KINDS } from '@quotaflow/domain';
import type { Request, Response } from 'express';
import { CurrentUser, Roles } from '../auth/roles.decorator';
import type { Principal } from '../auth/principal';
import { ApiError } from '../common/api-error';
import { UuidPipe } from '../common/uuid.pipe';
import {
  ImportDetailDto, ImportListDto, ImportListQueryDto, ImportProfileDto, ImportQueryDto, ImportQueuedDto, ImportResultDto, ProfileListDto, ReportQueryDto, StoredProfileDto,
} from './imports.dto';
import { ImportsService, parseKind } from './imports.service';

/** Who reads imports: the people who run them, finance, and the auditor (who reads everything). */
const READERS = ['ops', 'admin', 'finance', 'auditor'] as const;

async function stream(res: Response, chunks: AsyncIterable<string>): Promise<void> {
  for await (const chunk of chunks) {
    if (!res.write(chunk)) await new Promise<void>((resolve) => res.once('drain', () => resolve()));
  }
  res.end();
}

@ApiTags('imports')
@ApiBearerAuth()
@Controller()
export class ImportsController {
  constructor(private readonly imports: ImportsService) {}

  @Post('imports/:kind')
  @Roles('ops', 'admin')
  @ApiOperation({
    summary: 'Import teams, people, territories, accounts, products or CRM deals',
    description: 'The file as `text/csv` (streamed), as the `file` part of `multipart/form-data`, or rows as `application/json` `{"rows": [{column: value}]}`. '
      + 'Validated row by row; a file with any bad row writes nothing unless skipBadRows=true; dryRun=true answers the report and the counts and writes nothing. '
      + 'Files larger than IMPORT_BACKGROUND_BYTES answer 202 at once and run as the workflow import:<id> (progress at GET /imports/{id}).',
  })
  @ApiParam({ name: 'kind', enum: IMPORT_KINDS })
  @ApiConsumes('text/csv', 'multipart/form-data', 'application/json')
  @ApiOkResponse({ type: ImportResultDto, description: 'Imported (or, for a dry run, what would be).' })
  @ApiAcceptedResponse({ type: ImportQueuedDto, description: 'A large file: queued as the workflow import:<id>.' })
  @ApiUnprocessableEntityResponse({ description: '`IMPORT.REJECTED`: bad rows or a bad file; nothing written; `details` is the ImportResult with the report.' })
  async start(@CurrentUser() actor: Principal, @Param('kind') kind: string, @Query() q: ImportQueryDto, @Req() req: Request, @Res() res: Response): Promise<void> {
    const { status, body } = await this.imports.start(actor, parseKind(kind), q, req);
    res.status(status).json(body);
  }

  @Get('imports')
  @Roles(...READERS)
  @ApiOperation({ summary: 'Past imports, newest first: who, when, file hash, counts, report' })
  @ApiOkResponse({ type: ImportListDto })
  list(@Query() q: ImportListQueryDto) {
    return this.imports.list(q);
  }

  @Get('imports/:id')
  @Roles(...READERS)
  @ApiOperation({ summary: 'One import: status, progress (rows read, valid, written), counts and the first issues' })
  @ApiOkResponse({ type: ImportDetailDto })
  get(@Param('id', UuidPipe) id: string) {
    return this.imports.get(id);
  }

  @Get('imports/:id/report')
  @Roles(...READERS)
  @ApiOperation({ summary: 'The whole report of an import: every issue with line, column, value, code and reason — JSON, or a formula-safe CSV with ?format=csv or Accept: text/csv' })
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({ description: 'JSON `{importId, issues: ImportIssue[]}` or CSV with the columns line, column, field, value, code, severity, message, suggestion.' })
  async report(@Param('id', UuidPipe) id: string, @Query() q: ReportQueryDto, @Headers('accept') accept: string | undefined, @Res() res: Response): Promise<void> {
    await this.imports.assertExists(id);
    if (q.format === 'csv' || (q.format === undefined && /text\/csv/.test(accept ?? ''))) {
      res.setHeader('Content-Type', 'text/csv; charset=utf-8');
      res.setHeader('Content-Disposition', `attachment; filename="import-${id}-report.csv"`);
      await stream(res, this.imports.reportCsv(id));
      return;
    }
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    await stream(res, this.imports.reportJson(id));
  }

  @Get('import-profiles')
  @Roles(...READERS)
  @ApiOperation({ summary: 'Import profiles: the shipped ones (quotaflow, salesforce, hubspot) and those saved by ops' })
  @ApiOkResponse({ type: ProfileListDto })
  profiles(@Query('kind') kind?: string) {
    return this.imports.profiles(kind);
  }

  @Get('import-profiles/:key')
  @Roles(...READERS)
  @ApiOkResponse({ type: StoredProfileDto })
  profile(@Param('key') key: string) {
    if (!/^[a-z0-9][a-z0-9-]{1,62}$/.test(key)) throw new ApiError(400, 'VALIDATION.FAILED', 'key: must be a profile key', [{ field: 'key', problems: ['must be a profile key'] }]);
    return this.imports.profile(key);
  }

  @Put('import-profiles/:key')
  @HttpCode(200)
  @Roles('ops', 'admin')
  @ApiOperation({ summary: 'Save a profile (column, stage, type and value mappings), e.g. {"extends": "salesforce", "values": {"product": {"Edge-Plus": "EDGE-PLUS"}}}' })
  @ApiBody({ type: ImportProfileDto })
  @ApiOkResponse({ type: StoredProfileDto })
  saveProfile(@CurrentUser() actor: Principal, @Param('key') key: string, @Body() body: Record<string, unknown>) {
    if (!/^[a-z0-9][a-z0-9-]{1,62}$/.test(key)) throw new ApiError(400, 'VALIDATION.FAILED', 'key: must be 2-63 lower-case letters, digits or "-"', [{ field: 'key', problems: ['must be a profile key'] }]);
    return this.imports.saveProfile(actor, key, body);
  }
}
