import { Injectable } from '@nestjs/common';
import { ApprovalDecisionEntity, ApprovalTaskEntity, AuditLog, PersonEntity, type AuditEventEntity } from '@quotaflow/persistence';
import { csvCell } from '@quotaflow/domain';
import { DataSource, In } from 'typeorm';

export interface TraceRow {
  eventId: string;
  at: string;
  action: string;
  actorId: string | null;
  actorName: string | null;
  actorRole: string | null;
  stage: string | null;
  decision: string | null;
  version: string | null;
  comment: string | null;
  workflowId: string | null;
  runId: string | null;
  hash: string;
}

/** Rows read, named and written at a time. */
const PAGE = 1000;

const CSV_COLUMNS: Array<keyof TraceRow> = ['eventId', 'at', 'action', 'actorId', 'actorName', 'actorRole', 'stage', 'decision', 'version', 'comment', 'workflowId', 'runId', 'hash'];

function pick(data: unknown, ...keys: string[]): string | null {
  if (!data || typeof data !== 'object') return null;
  for (const k of keys) {
    const v = (data as Record<string, unknown>)[k];
    if (v !== undefined && v !== null && typeof v !== 'object') return String(v);
  }
  return null;
}

/** The auditor's trace of one subject: every event (with its hash), stage task and decision. */
@Injectable()
export class TraceService {
  constructor(private readonly dataSource: DataSource, private readonly audit: AuditLog) {}

  /**
   * The whole trace as one JSON document, `{ subject, events, stages, decisions }`, written a page
   * of 1,000 rows at a time (names looked up per page): a subject of any size (a sign-off of 20,000
   * reps has over 60,000 events) is never whole in memory.
   */
  async *jsonChunks(subject: string): AsyncGenerator<string> {
    yield `{"subject":${JSON.stringify(subject)},"events":[`;
    let afterId: string | undefined;
    yield* this.jsonRows(
      async () => {
        const page = await this.audit.list({ subject, limit: PAGE, ...(afterId ? { afterId } : {}) });
        afterId = page[page.length - 1]?.id;
        return page;
      },
      (e) => e.actorId,
      (e, name) => this.row(e, name),
    );
    yield '],"stages":[';
    yield* this.jsonRows(
      (skip) => this.dataSource.getRepository(ApprovalTaskEntity).find({ where: { subject }, order: { createdAt: 'ASC', id: 'ASC' }, skip, take: PAGE }),
      (t) => t.approverId,
      (t, name) => ({ stageId: t.stageId, label: t.stageLabel, visit: t.visit, approverId: t.approverId, approverName: name(t.approverId), status: t.status, decision: t.decision, deadline: t.deadline, openedAt: t.createdAt, closedAt: t.closedAt }),
    );
    yield '],"decisions":[';
    yield* this.jsonRows(
      (skip) => this.dataSource.getRepository(ApprovalDecisionEntity).find({ where: { subject }, order: { decidedAt: 'ASC', id: 'ASC' }, skip, take: PAGE }),
      (d) => d.approverId,
      (d, name) => ({ stage: d.stage, approverId: d.approverId, approverName: name(d.approverId), approverRole: d.approverRole, decision: d.decision, comment: d.comment, decidedAt: d.decidedAt, workflowId: d.workflowId, runId: d.runId }),
    );
    yield ']}';
  }

  /** The elements of one JSON array, comma-separated, a page at a time until a short page. */
  private async *jsonRows<T>(
    page: (skip: number) => Promise<T[]>,
    personOf: (item: T) => string | null,
    view: (item: T, name: (id: string | null) => string | null) => unknown,
  ): AsyncGenerator<string> {
    for (let skip = 0; ; skip += PAGE) {
      const items = await page(skip);
      if (items.length > 0) {
        const name = await this.names(items.map(personOf));
        yield (skip > 0 ? ',' : '') + items.map((item) => JSON.stringify(view(item, name))).join(',');
      }
      if (items.length < PAGE) return;
    }
  }

  /** Names of the people among `ids`, looked up once. */
  private async names(ids: Array<string | null>): Promise<(id: string | null) => string | null> {
    const wanted = [...new Set(ids.filter((x): x is string => !!x))];
    const people = wanted.length > 0 ? await this.dataSource.getRepository(PersonEntity).findBy({ id: In(wanted) }) : [];
    const names = new Map(people.map((p) => [p.id, p.name]));
    return (id) => (id ? names.get(id) ?? null : null);
  }

  private row(e: AuditEventEntity, name: (id: string | null) => string | null): TraceRow {
    return {
      eventId: e.id,
      at: new Date(e.occurredAt).toISOString(),
      action: e.action,
      actorId: e.actorId,
      actorName: name(e.actorId),
      actorRole: e.actorRole,
      stage: pick(e.data, 'stageId', 'stage'),
      decision: pick(e.data, 'decision'),
      version: pick(e.data, 'version') ?? pick(e.after, 'version'),
      comment: e.comment,
      workflowId: e.workflowId,
      runId: e.runId,
      hash: e.hash,
    };
  }

  /** The trace's events as CSV, a header then a chunk per page of 1,000 events (names looked up per page). */
  async *csvChunks(subject: string): AsyncGenerator<string> {
    yield `${CSV_COLUMNS.join(',')}\r\n`;
    let afterId: string | undefined;
    for (;;) {
      const page = await this.audit.list({ subject, limit: PAGE, ...(afterId ? { afterId } : {}) });
      if (page.length === 0) return;
      const name = await this.names(page.map((e) => e.actorId));
      yield page.map((e) => {
        const row = this.row(e, name);
        return `${CSV_COLUMNS.map((c) => csvCell(row[c])).join(',')}\r\n`;
      }).join('');
      if (page.length < PAGE) return;
      afterId = page[page.length - 1]!.id;
    }
  }
}
