// Read side of imports: the list, one import, and its whole report in pages (for CSV streaming).
import { csvLine, DomainError } from '@quotaflow/domain';
import type { DataSource } from 'typeorm';
import { ImportEntity, ImportIssueEntity } from '../entities/import.entity';

export interface ImportListQuery {
  kind?: string;
  status?: string;
  limit?: number;
  offset?: number;
}

export const REPORT_COLUMNS = ['line', 'column', 'field', 'value', 'code', 'severity', 'message', 'suggestion'] as const;

export class ImportQueries {
  constructor(private readonly dataSource: DataSource) {}

  async list(query: ImportListQuery): Promise<{ imports: ImportEntity[]; total: number }> {
    const qb = this.dataSource.getRepository(ImportEntity).createQueryBuilder('i');
    if (query.kind) qb.andWhere('i.kind = :kind', { kind: query.kind });
    if (query.status) qb.andWhere('i.status = :status', { status: query.status });
    const [imports, total] = await qb.orderBy('i.created_at', 'DESC').addOrderBy('i.id', 'ASC')
      .skip(Math.max(0, query.offset ?? 0)).take(Math.min(Math.max(query.limit ?? 50, 1), 500)).getManyAndCount();
    return { imports, total };
  }

  async get(id: string): Promise<ImportEntity> {
    const found = await this.dataSource.getRepository(ImportEntity).findOne({ where: { id } });
    if (!found) throw new DomainError('IMPORT.NOT_FOUND', `No import with id ${id}.`, { field: 'id', value: id });
    return found;
  }

  /** Issues in line order, a page after (line, id). */
  async issues(importId: string, limit: number, after: { line: number; id: string } = { line: -1, id: '0' }): Promise<ImportIssueEntity[]> {
    return this.dataSource.getRepository(ImportIssueEntity).createQueryBuilder('x')
      .where('x.import_id = :importId AND (x.line, x.id) > (:line, :id)', { importId, line: after.line, id: after.id })
      .orderBy('x.line', 'ASC').addOrderBy('x.id', 'ASC').take(limit).getMany();
  }

  /** The report as CSV lines (formula-safe), page by page: never the whole report in memory. */
  async *reportCsv(importId: string): AsyncGenerator<string> {
    yield csvLine([...REPORT_COLUMNS]);
    let after = { line: -1, id: '0' };
    for (;;) {
      const page = await this.issues(importId, 2000, after);
      for (const i of page) yield csvLine([String(i.line), i.columnName, i.field, i.value, i.code, i.severity, i.message, i.suggestion]);
      if (page.length < 2000) return;
      const last = page[page.length - 1]!;
      after = { line: last.line, id: last.id };
    }
  }
}
