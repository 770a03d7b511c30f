import { Inject, Injectable } from '@nestjs/common';
import { Context } from '@temporalio/activity';
import type { AppConfig } from '@quotaflow/config';
import { ApplicationFailure } from '@temporalio/common';
import { DomainError } from '@quotaflow/domain';
import { AuditLog, Importer } from '@quotaflow/persistence';
import type { ImportProgressDetails, ImportRunResult } from '@quotaflow/workflows';
import { DataSource } from 'typeorm';
import { APP_CONFIG } from '../worker.tokens';

const HEARTBEAT_EVERY_MS = 2000;

/** Background imports: the same Importer as the API and the CLI, reading the stored file. */
@Injectable()
export class ImportActivitiesService {
  private readonly importer: Importer;

  constructor(
    private readonly dataSource: DataSource,
    audit: AuditLog,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.importer = new Importer(dataSource, audit, config.organisation);
  }

  async runImport({ importId }: { importId: string }): Promise<ImportRunResult> {
    const context = Context.current();
    let details: ImportProgressDetails = { rowsRead: 0, rowsValid: 0, rowsInvalid: 0, phase: 'starting' };
    // Long SQL statements (the write of a large file) send no progress: beat on a timer too.
    const timer = setInterval(() => context.heartbeat(details), HEARTBEAT_EVERY_MS);
    try {
      const outcome = await this.importer.runQueued(importId, {
        onProgress: (p) => {
          details = { ...p };
        },
      });
      const c = outcome.counts;
      return {
        importId, status: outcome.status, rowsRead: c.rowsRead, rowsValid: c.rowsValid, rowsInvalid: c.rowsInvalid, rowsWritten: c.rowsWritten,
        created: c.created, updated: c.updated, unchanged: c.unchanged, skipped: c.skipped,
      };
    } catch (e) {
      if (e instanceof DomainError) throw ApplicationFailure.create({ type: e.code, message: e.message, nonRetryable: /NOT_FOUND|CONFLICT/.test(e.code) });
      throw e;
    } finally {
      clearInterval(timer);
    }
  }

  async failImport({ importId, message }: { importId: string; message: string }): Promise<void> {
    await this.dataSource.query(
      `UPDATE imports SET status = 'failed', error = $2, finished_at = COALESCE(finished_at, now()) WHERE id = $1 AND status IN ('queued', 'running', 'failed')`,
      [importId, JSON.stringify({ code: 'IMPORT.FAILED', message })],
    );
  }
}
