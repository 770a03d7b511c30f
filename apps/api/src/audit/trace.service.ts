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

  async trace(subject: string) {
    const events = [];
    for (let afterId: string | undefined; ; ) {
      const page = await this.audit.list({ subject, limit: 1000, ...(afterId ? { afterId } : {}) });
      events.push(...page);
      if (page.length < 1000) break;
      afterId = page[page.length - 1]!.id;
    }
    const tasks = await this.dataSource.getRepository(ApprovalTaskEntity).find({ where: { subject }, order: { createdAt: 'ASC' } });
    const decisions = await this.dataSource.getRepository(ApprovalDecisionEntity).find({ where: { subject }, order: { decidedAt: 'ASC' } });
    const ids = new Set<string>([...events.map((e) => e.actorId), ...tasks.map((t) => t.approverId), ...decisions.map((d) => d.approverId)].filter((x): x is string => !!x));
    const people = ids.size ? await this.dataSource.getRepository(PersonEntity).findBy({ id: In([...ids]) }) : [];
    const names = new Map(people.map((p) => [p.id, p.name]));
    const name = (id: string | null) => (id ? names.get(id) ?? null : null);
    const rows: TraceRow[] = events.map((e) => this.row(e, name));
    return {
      subject,
      events: rows,
      stages: tasks.map((t) => ({ stageId: t.stageId, label: t.stageLabel, visit: t.visit, approverId: t.approverId, approverName: name(t.approverId), status: t.status, decision: t.decision, deadline: t.deadline, openedAt: t.createdAt, closedAt: t.closedAt })),
      decisions: decisions.map((d) => ({ stage: d.stage, approverId: d.approverId, approverName: name(d.approverId), approverRole: d.approverRole, decision: d.decision, comment: d.comment, decidedAt: d.decidedAt, workflowId: d.workflowId, runId: d.runId })),
    };
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
      const page = await this.audit.list({ subject, limit: 1000, ...(afterId ? { afterId } : {}) });
      if (page.length === 0) return;
      const ids = [...new Set(page.map((e) => e.actorId).filter((x): x is string => !!x))];
      const names = new Map((ids.length ? await this.dataSource.getRepository(PersonEntity).findBy({ id: In(ids) }) : []).map((p) => [p.id, p.name]));
      const name = (id: string | null) => (id ? names.get(id) ?? null : null);
      yield page.map((e) => {
        const row = this.row(e, name);
        return `${CSV_COLUMNS.map((c) => csvCell(row[c])).join(',')}\r\n`;
      }).join('');
      if (page.length < 1000) return;
      afterId = page[page.length - 1]!.id;
    }
  }
}
