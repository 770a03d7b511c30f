// One import, from bytes to rows written: read (streaming), validate, stage, check across rows,
// write — all in one transaction, so a bad file, a dry run or a crash leaves nothing half-written.
import { createHash } from 'node:crypto';
import {
  dealReferences, DomainError, isFooterRow, resolveColumns, textProblem, validateDealRow,
  type ColumnLayout, type ImportProfile, type RawRow,
} from '@quotaflow/domain';
import type { PoolClient } from 'pg';
import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { ImportEntity, ImportIssueEntity } from '../entities/import.entity';
import { AuditLog } from '../services/audit-log.service';
import { ImportFileError, readCsv, type CsvRecord, type FileFacts } from './csv-reader';
import { createDealStaging, crossRowChecks, dealFields, mergeDeals, openDealCopy } from './deal-import';
import {
  zeroCounts, type ImportCounts, type ImportHooks, type ImportIssue, type ImportOptions, type ImportOutcome, type ImportSource, type JsonRows,
} from './import-types';
import { IssueCollector } from './issue-collector';
import { ProfileStore } from './profile-store';
import { importReference, type ReferenceKind } from './reference-import';

/** Reference files (teams … products) are planned as a whole: at most this many rows. */
export const MAX_REFERENCE_ROWS = 200_000;
/** Issues kept in memory for the answer (all of them are in import_issues for a real import). */
export const ANSWER_ISSUES = 200;
/** A dry run keeps (and answers) this many issues; the count of the rest is exact. */
export const DRY_RUN_ISSUES = 10_000;
const FILE_CHUNK_BYTES = 1024 * 1024;
const PROGRESS_EVERY_ROWS = 1000;
const PROGRESS_EVERY_MS = 1000;

interface OpenedSource {
  headerLine: number;
  headers: () => Promise<string[] | null>;
  rows: AsyncIterator<CsvRecord>;
  facts(): FileFacts;
  drain(): Promise<void>;
}

function openJson(rows: JsonRows): OpenedSource {
  const headers: string[] = [];
  const seen = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r)) if (!seen.has(k)) { seen.add(k); headers.push(k); }
  const text = JSON.stringify(rows);
  const facts = { bytes: Buffer.byteLength(text), sha256: createHash('sha256').update(text).digest('hex') };
  async function* records(): AsyncGenerator<CsvRecord> {
    for (let i = 0; i < rows.length; i++) yield { line: i + 1, cells: headers.map((h) => rows[i]![h] ?? '') };
  }
  return { headerLine: 0, headers: async () => headers, rows: records(), facts: () => facts, drain: async () => undefined };
}

function openCsv(stream: AsyncIterable<Buffer | string>): OpenedSource {
  const reader = readCsv(stream);
  const it = reader.records;
  return {
    headerLine: 1,
    headers: async () => {
      const first = await it.next();
      return first.done ? null : first.value.cells;
    },
    rows: it,
    facts: reader.facts,
    drain: reader.drain,
  };
}

function rawRow(rec: CsvRecord, layout: ColumnLayout): RawRow {
  const attributes: Record<string, string> = {};
  for (const [key, i] of layout.attributes) attributes[key] = (rec.cells[i] ?? '').trim();
  return {
    line: rec.line,
    get: (field) => {
      const i = layout.index.get(field);
      return i === undefined ? '' : (rec.cells[i] ?? '').trim();
    },
    column: (field) => {
      const i = layout.index.get(field);
      return i === undefined ? (field.startsWith('attr:') ? field : null) : layout.headers[i]!;
    },
    ...(layout.attributes.size > 0 ? { attributes } : {}),
  };
}

const today = (): string => new Date().toISOString().slice(0, 10);

/** Runs imports. One instance per process (API, worker, CLI); it holds no state between imports. */
export class Importer {
  readonly profiles: ProfileStore;

  /**
   * `organisation.currency` is the organisation's one currency (`ORGANISATION_CURRENCY`): a deal in
   * any other is a bad row. `audit` is the keyed audit log of the process.
   */
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditLog,
    private readonly organisation: { currency: string },
  ) {
    this.profiles = new ProfileStore(dataSource);
  }

  /** An import in this call (the API below the size threshold, the CLI, dry runs). */
  async run(options: ImportOptions, source: ImportSource, hooks: ImportHooks = {}): Promise<ImportOutcome> {
    const profile = await this.profiles.resolve(options.profileKey, options.kind);
    const record = options.dryRun ? null : await this.createRecord(options, profile, 'running', false);
    return this.execute(record, options, profile, source.type === 'csv' ? openCsv(source.stream) : openJson(source.rows), hooks);
  }

  /** Stores a large file for a background import; the caller starts the workflow `import:<id>`. */
  async enqueue(options: ImportOptions, stream: AsyncIterable<Buffer | string>): Promise<{ importId: string; fileBytes: number; fileHash: string }> {
    if (options.dryRun) throw new DomainError('VALIDATION.FAILED', 'a dry run is answered in the request, never queued', [{ field: 'dryRun', problems: ['not for background imports'] }]);
    const profile = await this.profiles.resolve(options.profileKey, options.kind);
    const record = await this.createRecord(options, profile, 'queued', true);
    const hash = createHash('sha256');
    let bytes = 0;
    let seq = 0;
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    const flush = async () => {
      if (pendingBytes === 0) return;
      await this.dataSource.query(`INSERT INTO import_files (import_id, seq, data) VALUES ($1, $2, $3)`, [record.id, seq++, Buffer.concat(pending)]);
      pending = [];
      pendingBytes = 0;
    };
    try {
      for await (const raw of stream) {
        const chunk = typeof raw === 'string' ? Buffer.from(raw) : raw;
        hash.update(chunk);
        bytes += chunk.length;
        pending.push(chunk);
        pendingBytes += chunk.length;
        if (pendingBytes >= FILE_CHUNK_BYTES) await flush();
      }
      await flush();
    } catch (e) {
      await this.dataSource.query(`DELETE FROM imports WHERE id = $1`, [record.id]);
      throw e;
    }
    const fileHash = hash.digest('hex');
    await this.dataSource.query(`UPDATE imports SET file_bytes = $2, file_hash = $3 WHERE id = $1`, [record.id, bytes, fileHash]);
    return { importId: record.id, fileBytes: bytes, fileHash };
  }

  /** Forgets a queued import whose workflow could not start. */
  async discard(importId: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM imports WHERE id = $1 AND status = 'queued'`, [importId]);
  }

  /**
   * Runs a queued import from its stored file (the workflow's activity). Idempotent: a finished
   * import answers its stored outcome; an attempt cut short (worker killed) left nothing written
   * (one transaction) and starts over, its partial report removed first.
   */
  async runQueued(importId: string, hooks: ImportHooks = {}): Promise<ImportOutcome> {
    const claimed = (await this.dataSource.query(
      `UPDATE imports SET status = 'running', started_at = COALESCE(started_at, now()), error = NULL WHERE id = $1 AND status IN ('queued', 'running', 'failed') RETURNING id`,
      [importId],
    )) as unknown;
    const claimedRows = (Array.isArray(claimed) && Array.isArray(claimed[0]) ? claimed[0] : claimed) as Array<{ id: string }>;
    const record = await this.dataSource.getRepository(ImportEntity).findOne({ where: { id: importId } });
    if (!record) throw new DomainError('IMPORT.NOT_FOUND', `No import ${importId}.`, { field: 'id', value: importId });
    if (claimedRows.length === 0) return this.outcomeOf(record);
    await this.dataSource.query(`DELETE FROM import_issues WHERE import_id = $1`, [importId]);
    const options: ImportOptions = {
      kind: record.kind, profileKey: record.profileKey, dryRun: false, skipBadRows: record.skipBadRows, deactivateMissing: record.deactivateMissing,
      ...(typeof record.options.currency === 'string' ? { currency: record.options.currency } : {}),
      actor: { id: record.requestedById, role: typeof record.options.actorRole === 'string' ? record.options.actorRole : null, via: record.requestedVia === 'cli' ? 'cli' : 'api' },
      fileName: record.fileName,
    };
    const profile = record.profile as unknown as ImportProfile;
    return this.execute(record, options, profile, openCsv(this.storedFile(importId)), hooks);
  }

  private async *storedFile(importId: string): AsyncGenerator<Buffer> {
    for (let seq = 0; ; seq++) {
      const rows = (await this.dataSource.query(`SELECT data FROM import_files WHERE import_id = $1 AND seq = $2`, [importId, seq])) as Array<{ data: Buffer }>;
      if (rows.length === 0) return;
      yield rows[0]!.data;
    }
  }

  /** The outcome of a finished import, as stored. */
  async outcomeOf(record: ImportEntity): Promise<ImportOutcome> {
    const issues = await this.dataSource.getRepository(ImportIssueEntity).find({ where: { importId: record.id }, order: { line: 'ASC', id: 'ASC' }, take: ANSWER_ISSUES });
    return {
      importId: record.id, kind: record.kind, status: record.status === 'completed' ? 'completed' : 'rejected', dryRun: false,
      profile: record.profile as unknown as ImportProfile,
      counts: {
        rowsRead: record.rowsRead, rowsValid: record.rowsValid, rowsInvalid: record.rowsInvalid, rowsWritten: record.rowsWritten, created: record.createdCount,
        updated: record.updatedCount, unchanged: record.unchangedCount, deactivated: record.deactivatedCount, skipped: record.skippedCount,
        warnings: record.warningsCount, issues: record.issuesCount,
      },
      issues: issues.map((i) => ({ line: i.line, column: i.columnName, field: i.field, value: i.value, code: i.code, message: i.message, ...(i.suggestion ? { suggestion: i.suggestion } : {}), severity: i.severity })),
      issuesTruncated: record.issuesCount > issues.length,
      fileHash: record.fileHash, fileBytes: Number(record.fileBytes ?? 0), ignoredColumns: record.ignoredColumns,
      fileError: record.error ? { code: record.error.code, message: record.error.message } : null,
      timings: { read: 0, check: 0, write: 0, finish: 0 },
    };
  }

  private async createRecord(options: ImportOptions, profile: ImportProfile, status: 'running' | 'queued', background: boolean): Promise<ImportEntity> {
    const repo = this.dataSource.getRepository(ImportEntity);
    return repo.save(repo.create({
      kind: options.kind, status, skipBadRows: options.skipBadRows, deactivateMissing: options.deactivateMissing, background,
      profileKey: options.profileKey, profile: profile as unknown as Record<string, unknown>,
      options: { ...(options.currency ? { currency: options.currency } : {}), ...(options.actor.role ? { actorRole: options.actor.role } : {}) },
      fileName: options.fileName ?? null, requestedById: options.actor.id, requestedVia: options.actor.via,
      startedAt: status === 'running' ? new Date() : null,
    }));
  }

  private async execute(record: ImportEntity | null, options: ImportOptions, profile: ImportProfile, source: OpenedSource, hooks: ImportHooks): Promise<ImportOutcome> {
    const importId = record?.id ?? null;
    const issues = new IssueCollector(this.dataSource, importId, options.dryRun ? DRY_RUN_ISSUES : ANSWER_ISSUES);
    const counts = zeroCounts();
    const timings = { read: 0, check: 0, write: 0, finish: 0 };
    let phaseAt = Date.now();
    const phase = (name: keyof typeof timings) => {
      const now = Date.now();
      timings[name] += now - phaseAt;
      phaseAt = now;
    };
    let ignoredColumns: string[] = [];
    let fileError: { code: string; message: string } | null = null;
    // The first progress is written at once (so a reader sees the import started), then every second.
    let progressAt = 0;
    let progressWrite: Promise<unknown> = Promise.resolve();
    const progress = (phase: 'reading' | 'checking' | 'writing', force = false) => {
      hooks.onProgress?.({ rowsRead: counts.rowsRead, rowsValid: counts.rowsRead - counts.rowsInvalid, rowsInvalid: counts.rowsInvalid, phase });
      if (!importId || (!force && Date.now() - progressAt < PROGRESS_EVERY_MS)) return;
      progressAt = Date.now();
      const [read, invalid] = [counts.rowsRead, counts.rowsInvalid];
      progressWrite = progressWrite.then(() => this.dataSource.query(
        `UPDATE imports SET rows_read = $2::int, rows_invalid = $3::int, rows_valid = $2::int - $3::int, progress_at = now() WHERE id = $1 AND status = 'running'`,
        [importId, read, invalid],
      )).catch(() => undefined);
    };
    const fail = async (code: string, message: string, line: number | null, where: { column?: string | null; field?: string } = {}) => {
      fileError = { code, message };
      await issues.add({ line: line ?? 0, column: where.column ?? null, field: where.field ?? null, value: null, code, message, severity: 'error' });
    };

    const qr: QueryRunner = this.dataSource.createQueryRunner();
    await qr.connect();
    let committed = false;
    try {
      await qr.startTransaction();
      const m = qr.manager;
      // Imports of one kind run one at a time (the counts and the checks see a stable table).
      await m.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`quotaflow:import:${options.kind}`]);
      await m.query(`SET LOCAL work_mem = '128MB'`);

      let layout: ColumnLayout | null = null;
      try {
        const headers = await source.headers();
        const badHeader = headers?.findIndex((h) => textProblem(h) !== null || h.length > 200) ?? -1;
        if (headers === null) await fail('FILE.EMPTY', 'The file is empty: it has no header row.', source.headerLine);
        else if (badHeader >= 0) await fail('FILE.BAD_HEADER', `Column ${badHeader + 1} of the header ${textProblem(headers[badHeader]!)?.message ?? 'is longer than 200 characters'}.`, source.headerLine);
        else {
          const resolved = resolveColumns(options.kind, profile, headers);
          ignoredColumns = resolved.layout.ignored;
          for (const p of resolved.problems) await fail(p.code, p.message, source.headerLine, { column: p.column, ...(p.field ? { field: p.field } : {}) });
          if (resolved.problems.length === 0) layout = resolved.layout;
        }
      } catch (e) {
        if (!(e instanceof ImportFileError)) throw e;
        await fail(e.code, e.message, e.line);
      }

      let written = 0;
      if (layout && options.kind === 'deals') {
        await this.readDeals(qr, m, layout, profile, options, source, issues, counts, progress, fail, () => fileError !== null, phase);
        if (!fileError) {
          counts.rowsValid = counts.rowsRead - counts.rowsInvalid;
          const rejected = counts.rowsInvalid > 0 && !options.skipBadRows;
          if (!rejected || options.dryRun) {
            progress('writing', true);
            const merged = await mergeDeals(m, importId, today());
            phase('write');
            counts.created = merged.created;
            counts.updated = merged.updated;
            counts.unchanged = merged.staged - merged.created - merged.updated;
            written = merged.created + merged.updated;
          }
        }
      } else if (layout) {
        const rows: RawRow[] = [];
        try {
          for (let r = await source.rows.next(); !r.done; r = await source.rows.next()) {
            if (r.value.cells.length !== layout.headers.length && isFooterRow(profile, r.value.cells)) continue;
            counts.rowsRead += 1;
            if (counts.rowsRead > MAX_REFERENCE_ROWS) throw new ImportFileError('FILE.TOO_MANY_ROWS', `A ${options.kind} file has at most ${MAX_REFERENCE_ROWS} rows.`, r.value.line);
            if (!(await this.columnCountOk(r.value, layout, issues))) { counts.rowsInvalid += 1; continue; }
            rows.push(rawRow(r.value, layout));
            if (counts.rowsRead % PROGRESS_EVERY_ROWS === 0) progress('reading');
          }
        } catch (e) {
          if (!(e instanceof ImportFileError)) throw e;
          await fail(e.code, e.message, e.line);
        }
        phase('read');
        if (!fileError) {
          progress('checking', true);
          const shapeInvalid = counts.rowsInvalid;
          let invalid = shapeInvalid;
          const result = await importReference(options.kind as ReferenceKind, profile, rows, {
            m, audit: this.audit, importId, actor: options.actor, today: today(), deactivateMissing: options.deactivateMissing,
          }, (plan) => {
            invalid = shapeInvalid + plan.badLines.length;
            return !options.dryRun && (invalid === 0 || options.skipBadRows);
          });
          const plan = result.plan;
          for (const i of plan.issues) await issues.add(i);
          for (const d of plan.deactivations) {
            await issues.add({ line: 0, column: null, field: 'email', value: d.key, code: 'PERSON.DEACTIVATED', message: `${d.key} is not in the file: deactivated`, severity: 'info' });
          }
          counts.rowsInvalid = invalid;
          counts.rowsValid = counts.rowsRead - invalid;
          counts.created = plan.creates.length;
          counts.updated = plan.updates.length;
          counts.unchanged = plan.unchanged;
          counts.deactivated = plan.deactivations.length;
          written = result.written;
          phase('write');
        }
      }
      if (!layout && !fileError) throw new Error('import: no layout and no file error');
      await source.drain();
      const facts = source.facts();
      const rejected = fileError !== null || (counts.rowsInvalid > 0 && !options.skipBadRows);
      if (rejected) Object.assign(counts, { created: options.dryRun ? counts.created : 0, updated: options.dryRun ? counts.updated : 0, unchanged: options.dryRun ? counts.unchanged : 0, deactivated: options.dryRun ? counts.deactivated : 0 });
      counts.rowsWritten = rejected ? 0 : written;
      counts.skipped = !rejected && options.skipBadRows ? counts.rowsInvalid : 0;
      await issues.flush();
      counts.issues = issues.total;
      counts.warnings = issues.warnings;
      const status: 'completed' | 'rejected' = rejected ? 'rejected' : 'completed';
      progress('writing', true);
      await progressWrite;

      if (options.dryRun || rejected) {
        await qr.rollbackTransaction();
        if (record) await this.dataSource.transaction((tx) => this.finish(tx, record, options, status, counts, facts, ignoredColumns, fileError));
      } else {
        if (record) {
          await m.query(`DELETE FROM import_files WHERE import_id = $1`, [record.id]);
          await this.finish(m, record, options, status, counts, facts, ignoredColumns, null);
        }
        await qr.commitTransaction();
      }
      committed = true;
      phase('finish');
      return {
        importId, kind: options.kind, status, dryRun: options.dryRun, profile, counts, issues: issues.first, issuesTruncated: issues.truncated,
        fileHash: facts.sha256 || null, fileBytes: facts.bytes, ignoredColumns, fileError, timings,
      };
    } catch (e) {
      if (qr.isTransactionActive) await qr.rollbackTransaction().catch(() => undefined);
      await progressWrite;
      if (record && !committed) {
        const error = e instanceof DomainError ? { code: e.code, message: e.message } : { code: 'IMPORT.FAILED', message: (e as Error).message };
        await this.dataSource.query(`UPDATE imports SET status = 'failed', error = $2, finished_at = now() WHERE id = $1 AND status = 'running'`, [record.id, JSON.stringify(error)]).catch(() => undefined);
      }
      throw e;
    } finally {
      await qr.release();
    }
  }

  private async columnCountOk(rec: CsvRecord, layout: ColumnLayout, issues: IssueCollector): Promise<boolean> {
    if (rec.cells.length === layout.headers.length) return true;
    await issues.add({
      line: rec.line, column: null, field: null, value: null, code: 'ROW.COLUMN_COUNT',
      message: `has ${rec.cells.length} cells, the header has ${layout.headers.length} (a missing or extra separator?)`, severity: 'error',
    });
    return false;
  }

  private async readDeals(
    qr: QueryRunner, m: EntityManager, layout: ColumnLayout, profile: ImportProfile, options: ImportOptions, source: OpenedSource,
    issues: IssueCollector, counts: ImportCounts, progress: (phase: 'reading' | 'checking' | 'writing') => void,
    fail: (code: string, message: string, line: number | null) => Promise<void>, hasFileError: () => boolean,
    phase: (name: 'read' | 'check') => void,
  ): Promise<void> {
    const currency = this.organisation.currency;
    if (options.currency && currency !== options.currency) {
      throw new DomainError('IMPORT.CURRENCY_CONFLICT', `The organisation's currency is ${currency} (ORGANISATION_CURRENCY); this import says ${options.currency}.`, { field: 'currency', value: options.currency });
    }
    // One connection (the import's transaction): one query at a time. KEY SHARE locks keep every
    // person and product resolved here from being deleted before the import commits.
    await m.query(`SELECT 1 FROM people FOR KEY SHARE`);
    await m.query(`SELECT 1 FROM products FOR KEY SHARE`);
    const people = await m.query(`SELECT id, name, email, employee_id AS "employeeId", active, end_date::text AS "endDate" FROM people`);
    const accounts = await m.query(`SELECT id, external_id AS "externalId", name FROM accounts`);
    const products = await m.query(`SELECT id, code, name FROM products`);
    const refs = dealReferences(people, accounts, products);
    await createDealStaging(m);
    const client = (qr as unknown as { databaseConnection: PoolClient }).databaseConnection;
    const copy = openDealCopy(client);
    const ctx = { profile, refs, currency };
    try {
      for (let r = await source.rows.next(); !r.done; r = await source.rows.next()) {
        if (r.value.cells.length !== layout.headers.length && isFooterRow(profile, r.value.cells)) continue;
        counts.rowsRead += 1;
        if (counts.rowsRead % PROGRESS_EVERY_ROWS === 0) progress('reading');
        if (!(await this.columnCountOk(r.value, layout, issues))) { counts.rowsInvalid += 1; continue; }
        const { deal, issues: found } = validateDealRow(rawRow(r.value, layout), ctx);
        for (let i = 0; i < found.length; i++) {
          const pending = issues.add(found[i]!);
          if (pending) await pending;
        }
        if (deal) {
          const pending = copy.write(dealFields(deal));
          if (pending) await pending;
        } else counts.rowsInvalid += 1;
      }
    } catch (e) {
      if (!(e instanceof ImportFileError)) {
        await copy.end().catch(() => undefined);
        throw e;
      }
      await fail(e.code, e.message, e.line);
    }
    await copy.end();
    phase('read');
    if (hasFileError()) return;
    progress('checking');
    const column = (field: string): string | null => {
      const i = layout.index.get(field);
      return i === undefined ? null : layout.headers[i]!;
    };
    const cross = await crossRowChecks(m, { externalId: column('external_id'), reverses: column('reverses') });
    for (const i of cross.issues) await issues.add(i);
    counts.rowsInvalid += new Set(cross.issues.map((i) => i.line)).size;
    phase('check');
  }

  private async finish(
    m: EntityManager, record: ImportEntity, options: ImportOptions, status: 'completed' | 'rejected', counts: ImportCounts, facts: FileFacts,
    ignoredColumns: string[], fileError: { code: string; message: string } | null,
  ): Promise<void> {
    await m.query(
      `UPDATE imports SET status = $2, rows_read = $3, rows_valid = $4, rows_invalid = $5, rows_written = $6, created_count = $7, updated_count = $8,
         unchanged_count = $9, deactivated_count = $10, skipped_count = $11, warnings_count = $12, issues_count = $13, ignored_columns = $14::text[],
         file_hash = COALESCE(file_hash, $15), file_bytes = COALESCE(file_bytes, $16), error = $17, finished_at = now(), progress_at = now()
       WHERE id = $1`,
      [record.id, status, counts.rowsRead, counts.rowsValid, counts.rowsInvalid, counts.rowsWritten, counts.created, counts.updated, counts.unchanged,
        counts.deactivated, counts.skipped, counts.warnings, counts.issues, ignoredColumns, facts.sha256 || null, facts.bytes, fileError ? JSON.stringify(fileError) : null],
    );
    const fileHash = record.fileHash ?? (facts.sha256 || null);
    await this.audit.append({
      action: `import.${status}`,
      subject: `import:${record.id}`,
      actorId: options.actor.id,
      actorRole: options.actor.role ?? (options.actor.via === 'cli' ? 'operator' : null),
      workflowId: record.workflowId,
      data: {
        kind: options.kind, profile: options.profileKey, fileName: options.fileName ?? null, fileHash, fileBytes: Number(record.fileBytes ?? facts.bytes),
        via: options.actor.via, background: record.background, skipBadRows: options.skipBadRows, deactivateMissing: options.deactivateMissing,
        counts, ...(fileError ? { fileError } : {}),
      },
      dedupeKey: `import:${record.id}:finished`,
    }, m);
  }
}

export type { ImportIssue };
