import { Inject, Injectable, Logger } from '@nestjs/common';
import { Client, WorkflowIdReusePolicy } from '@temporalio/client';
import type { AppConfig } from '@quotaflow/config';
import { DomainError, IMPORT_KINDS, textProblem, type ImportKind, type ImportProfile } from '@quotaflow/domain';
import {
  AuditLog, ImportEntity, ImportQueries, Importer, PersonEntity, type ImportIssue, type ImportOptions, type ImportOutcome, type JsonRows,
} from '@quotaflow/persistence';
import { importWorkflowId } from '@quotaflow/workflows';
import Busboy from 'busboy';
import type { Request } from 'express';
import type { Readable } from 'node:stream';
import { DataSource, In } from 'typeorm';
import type { Principal } from '../auth/principal';
import { ApiError } from '../common/api-error';
import { APP_CONFIG } from '../config.token';
/** The global prefix (app.factory.ts); links in answers are absolute paths. */
const API_PREFIX = 'api/v1';
import type { ImportDetailDto, ImportListDto, ImportListQueryDto, ImportQueryDto, ImportRecordDto, ImportResultDto, StoredProfileDto } from './imports.dto';

/** The JSON variant holds its rows in memory (the body parser's 10 MB): CSV streams. */
export const MAX_JSON_ROWS = 50_000;

function invalid(field: string, message: string): ApiError {
  return new ApiError(400, 'VALIDATION.FAILED', `${field}: ${message}`, [{ field, problems: [message] }]);
}

export function parseKind(kind: string): ImportKind {
  if (!(IMPORT_KINDS as readonly string[]).includes(kind)) throw invalid('kind', `must be one of ${IMPORT_KINDS.join(', ')}`);
  return kind as ImportKind;
}

function jsonRows(body: unknown): JsonRows {
  const rows = (body as { rows?: unknown } | null)?.rows;
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw invalid('body', 'must be {"rows": [ {column: value, ...}, ... ]}');
  const unknown = Object.keys(body).find((k) => k !== 'rows');
  if (unknown !== undefined) throw invalid(unknown, 'is not a field: send {"rows": [ {column: value, ...}, ... ]}');
  if (!Array.isArray(rows)) throw invalid('rows', 'must be an array of objects');
  if (rows.length > MAX_JSON_ROWS) throw invalid('rows', `at most ${MAX_JSON_ROWS} rows as JSON; send larger files as text/csv`);
  rows.forEach((row: unknown, i) => {
    if (!row || typeof row !== 'object' || Array.isArray(row)) throw invalid(`rows[${i}]`, 'must be an object of column → text');
    for (const [key, value] of Object.entries(row)) {
      if (key.length > 200) throw invalid(`rows[${i}]`, 'column names are at most 200 characters');
      if (value !== null && typeof value !== 'string') throw invalid(`rows[${i}].${key}`, 'must be text or null (money as "1234.50", never a JSON number)');
    }
  });
  return rows as JsonRows;
}

const dateOrNull = (d: Date | null) => d;

@Injectable()
export class ImportsService {
  private readonly logger = new Logger(ImportsService.name);
  readonly importer: Importer;
  private readonly queries: ImportQueries;

  constructor(
    private readonly dataSource: DataSource,
    private readonly temporal: Client,
    private readonly audit: AuditLog,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.importer = new Importer(dataSource, audit, config.organisation);
    this.queries = new ImportQueries(dataSource);
  }

  private options(actor: Principal, kind: ImportKind, q: ImportQueryDto, fileName: string | null): ImportOptions {
    if (q.deactivateMissing === 'true' && kind !== 'people') throw invalid('deactivateMissing', 'is for people imports only');
    if (q.currency && kind !== 'deals') throw invalid('currency', 'is for deal imports only');
    return {
      kind, profileKey: q.profile ?? 'quotaflow', dryRun: q.dryRun === 'true', skipBadRows: q.skipBadRows === 'true', deactivateMissing: q.deactivateMissing === 'true',
      ...(q.currency ? { currency: q.currency } : {}),
      actor: { id: actor.id, role: actor.roles.includes('ops') ? 'ops' : 'admin', via: 'api' }, fileName,
    };
  }

  /** The upload as a byte stream: text/csv (the body itself) or the `file` part of multipart/form-data. */
  private async upload(req: Request): Promise<{ stream: AsyncIterable<Buffer>; fileName: string | null }> {
    const type = (req.headers['content-type'] ?? '').toLowerCase();
    if (type.startsWith('multipart/form-data')) {
      return new Promise((resolve, reject) => {
        let bb: Busboy.Busboy;
        try {
          bb = Busboy({ headers: req.headers, limits: { files: 1, fields: 0, parts: 2 } });
        } catch (e) {
          reject(invalid('body', `not a valid multipart body: ${(e as Error).message}`));
          return;
        }
        let found = false;
        bb.on('file', (name: string, file: Readable, info: { filename?: string }) => {
          if (name !== 'file' || found) {
            file.resume();
            return;
          }
          found = true;
          const fileName = info.filename ? info.filename.replace(/^.*[\\/]/, '') : null;
          if (fileName !== null && (textProblem(fileName) || /[\u0000-\u001f]/.test(fileName) || fileName.length > 255)) {
            file.resume();
            reject(invalid('file', 'the file name must be plain text of at most 255 characters'));
            return;
          }
          resolve({ stream: file, fileName });
        });
        bb.on('error', (e: Error) => reject(invalid('body', `not a valid multipart body: ${e.message}`)));
        bb.on('close', () => { if (!found) reject(invalid('file', 'the multipart body has no "file" part')); });
        req.pipe(bb);
      });
    }
    if (type.startsWith('text/csv') || type.startsWith('application/octet-stream')) return { stream: req, fileName: null };
    throw new ApiError(415, 'REQUEST.UNSUPPORTED_MEDIA_TYPE', 'Send the file as text/csv, as the "file" part of multipart/form-data, or rows as application/json {"rows": [...]}.');
  }

  async start(actor: Principal, kind: ImportKind, q: ImportQueryDto, req: Request): Promise<{ status: number; body: ImportResultDto | ImportRecordDto }> {
    const type = (req.headers['content-type'] ?? '').toLowerCase();
    if (type.startsWith('application/json')) {
      const outcome = await this.importer.run(this.options(actor, kind, q, q.fileName ?? null), { type: 'json', rows: jsonRows(req.body) });
      return this.answer(outcome);
    }
    const length = Number(req.headers['content-length'] ?? NaN);
    const { stream, fileName } = await this.upload(req);
    const options = this.options(actor, kind, q, fileName ?? q.fileName ?? null);
    if (!options.dryRun && Number.isFinite(length) && length > this.config.imports.backgroundBytes) {
      const queued = await this.importer.enqueue(options, stream);
      const workflowId = importWorkflowId(queued.importId);
      try {
        await this.dataSource.query(`UPDATE imports SET workflow_id = $2 WHERE id = $1`, [queued.importId, workflowId]);
        await this.temporal.workflow.start('importWorkflow', {
          taskQueue: this.config.temporal.taskQueue, workflowId, args: [{ importId: queued.importId }], workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        });
      } catch (e) {
        await this.importer.discard(queued.importId);
        this.logger.error(`import: could not start the workflow: ${(e as Error).message}`);
        throw new DomainError('TEMPORAL.UNAVAILABLE', 'The workflow service is unavailable; nothing was imported. Try again.', { cause: (e as Error).message });
      }
      return { status: 202, body: { ...(await this.record(await this.queries.get(queued.importId))), statusUrl: `/${API_PREFIX}/imports/${queued.importId}` } as ImportRecordDto };
    }
    return this.answer(await this.importer.run(options, { type: 'csv', stream }));
  }

  private answer(outcome: ImportOutcome): { status: number; body: ImportResultDto } {
    const body = this.result(outcome);
    if (!outcome.dryRun && outcome.status === 'rejected') {
      const why = outcome.fileError ? outcome.fileError.message : `${outcome.counts.rowsInvalid} of ${outcome.counts.rowsRead} rows have errors`;
      throw new DomainError('IMPORT.REJECTED', `${why}; nothing was written (see the report, or import with skipBadRows=true).`, body);
    }
    return { status: 200, body };
  }

  private result(o: ImportOutcome): ImportResultDto {
    return {
      id: o.importId, kind: o.kind, status: o.status, dryRun: o.dryRun, profile: o.profile.key, counts: o.counts, issues: o.issues.map(issueDto),
      issuesTruncated: o.issuesTruncated, fileHash: o.fileHash, fileBytes: o.fileBytes, ignoredColumns: o.ignoredColumns, fileError: o.fileError,
      ...(o.importId ? { reportUrl: `/${API_PREFIX}/imports/${o.importId}/report` } : {}),
    };
  }

  private async names(ids: Array<string | null>): Promise<Map<string, string>> {
    const wanted = [...new Set(ids.filter((x): x is string => !!x))];
    const people = wanted.length ? await this.dataSource.getRepository(PersonEntity).findBy({ id: In(wanted) }) : [];
    return new Map(people.map((p) => [p.id, p.name]));
  }

  private async record(r: ImportEntity, names?: Map<string, string>): Promise<ImportRecordDto> {
    const who = names ?? (await this.names([r.requestedById]));
    return {
      id: r.id, kind: r.kind, status: r.status, profile: r.profileKey, skipBadRows: r.skipBadRows, deactivateMissing: r.deactivateMissing, background: r.background,
      workflowId: r.workflowId, fileName: r.fileName, fileHash: r.fileHash, fileBytes: r.fileBytes === null ? null : Number(r.fileBytes),
      requestedById: r.requestedById, requestedByName: r.requestedById ? (who.get(r.requestedById) ?? null) : null, requestedVia: r.requestedVia,
      counts: {
        rowsRead: r.rowsRead, rowsValid: r.rowsValid, rowsInvalid: r.rowsInvalid, rowsWritten: r.rowsWritten, created: r.createdCount, updated: r.updatedCount,
        unchanged: r.unchangedCount, deactivated: r.deactivatedCount, skipped: r.skippedCount, warnings: r.warningsCount, issues: r.issuesCount,
      },
      ignoredColumns: r.ignoredColumns, error: r.error ? { code: r.error.code, message: r.error.message } : null,
      createdAt: r.createdAt, startedAt: dateOrNull(r.startedAt), finishedAt: dateOrNull(r.finishedAt), progressAt: dateOrNull(r.progressAt),
      reportUrl: `/${API_PREFIX}/imports/${r.id}/report`,
    };
  }

  async list(q: ImportListQueryDto): Promise<ImportListDto> {
    const { imports, total } = await this.queries.list(q);
    const names = await this.names(imports.map((i) => i.requestedById));
    return { total, imports: await Promise.all(imports.map((i) => this.record(i, names))) };
  }

  async get(id: string): Promise<ImportDetailDto> {
    const record = await this.queries.get(id);
    const issues = await this.queries.issues(id, 200);
    return {
      ...(await this.record(record)),
      issues: issues.map((i) => issueDto({ line: i.line, column: i.columnName, field: i.field, value: i.value, code: i.code, message: i.message, ...(i.suggestion ? { suggestion: i.suggestion } : {}), severity: i.severity })),
    };
  }

  async assertExists(id: string): Promise<void> {
    await this.queries.get(id);
  }

  reportCsv(id: string): AsyncGenerator<string> {
    return this.queries.reportCsv(id);
  }

  async *reportJson(id: string): AsyncGenerator<string> {
    yield `{"importId":${JSON.stringify(id)},"issues":[`;
    let after = { line: -1, id: '0' };
    let first = true;
    for (;;) {
      const page = await this.queries.issues(id, 2000, after);
      for (const i of page) {
        yield `${first ? '' : ','}${JSON.stringify(issueDto({ line: i.line, column: i.columnName, field: i.field, value: i.value, code: i.code, message: i.message, ...(i.suggestion ? { suggestion: i.suggestion } : {}), severity: i.severity }))}`;
        first = false;
      }
      if (page.length < 2000) break;
      const last = page[page.length - 1]!;
      after = { line: last.line, id: last.id };
    }
    yield ']}';
  }

  async profiles(kind?: string): Promise<{ profiles: StoredProfileDto[] }> {
    const stored = await this.importer.profiles.list(kind ? parseKind(kind) : undefined);
    return { profiles: stored.map((s) => ({ profile: s.profile as StoredProfileDto['profile'], builtin: s.builtin, updatedAt: s.updatedAt })) };
  }

  async profile(key: string): Promise<StoredProfileDto> {
    const s = await this.importer.profiles.get(key);
    return { profile: s.profile as StoredProfileDto['profile'], builtin: s.builtin, updatedAt: s.updatedAt };
  }

  async saveProfile(actor: Principal, key: string, body: unknown): Promise<StoredProfileDto> {
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw invalid('body', 'must be an import profile object');
    const allowed = ['key', 'name', 'kind', 'description', 'extends', 'columns', 'stages', 'otherStages', 'types', 'defaultType', 'values', 'dateFormat'];
    const unknown = Object.keys(body).filter((k) => !allowed.includes(k));
    if (unknown.length > 0) throw invalid(unknown[0]!, `is not a profile setting (${allowed.join(', ')})`);
    const profile = { ...(body as ImportProfile), key };
    if ((body as { key?: unknown }).key !== undefined && (body as { key?: unknown }).key !== key) throw invalid('key', 'must match the key in the path');
    const text = JSON.stringify(profile);
    if (text.length > 200_000) throw invalid('body', 'a profile is at most 200,000 characters');
    // JSON.stringify writes NUL and lone surrogates as escapes (a pair stays literal): jsonb refuses both.
    if (/\\u(0000|d[89a-f][0-9a-f]{2})/i.test(text)) throw invalid('body', 'contains a NUL character or an invalid code point');
    const { stored } = await this.importer.profiles.save(profile, actor.id, (m, saved) =>
      this.audit.append({
        action: 'import-profile.saved', subject: `import-profile:${key}`, actorId: actor.id, actorRole: actor.roles.includes('ops') ? 'ops' : 'admin',
        before: saved.before, after: saved.stored.profile,
      }, m),
    );
    return { profile: stored.profile as StoredProfileDto['profile'], builtin: false, updatedAt: stored.updatedAt };
  }
}

function issueDto(i: ImportIssue) {
  return { line: i.line, column: i.column, field: i.field, value: i.value, code: i.code, message: i.message, ...(i.suggestion ? { suggestion: i.suggestion } : {}), severity: i.severity };
}
