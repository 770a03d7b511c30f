// FROZEN: generation 1 activities, for workflows started before the approval kernel (libs/workflows/src/legacy/gen1).
import { Injectable } from '@nestjs/common';
import { ApprovalDecisionEntity, AuditLog } from '@quotaflow/persistence';
import type { RecordAuditInput } from '@quotaflow/workflows/legacy/gen1/plan-acceptance.activities';
import { DataSource } from 'typeorm';

/** `recordAudit`: idempotent by dedupe key; a decision also gets its `approval_decisions` row. */
@Injectable()
export class AuditActivity {
  constructor(
    private readonly dataSource: DataSource,
    private readonly auditLog: AuditLog,
  ) {}

  async recordAudit(input: RecordAuditInput): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      await this.auditLog.append(
        {
          dedupeKey: input.dedupeKey,
          action: input.action,
          subject: input.subject,
          actorId: input.actorId ?? null,
          actorRole: input.actorRole ?? null,
          workflowId: input.workflowId,
          runId: input.runId,
          comment: input.comment ?? null,
          data: input.data ?? null,
          occurredAt: input.occurredAt ? new Date(input.occurredAt) : undefined,
        },
        m,
      );
      const d = input.approvalDecision;
      if (!d || d.decision === 'acknowledge') return;
      await m
        .createQueryBuilder()
        .insert()
        .into(ApprovalDecisionEntity)
        .values({
          subject: input.subject,
          stage: d.stage,
          approverId: d.approverId,
          approverRole: d.approverRole,
          decision: d.decision,
          comment: d.comment ?? null,
          idempotencyKey: d.idempotencyKey,
          workflowId: input.workflowId,
          runId: input.runId,
          decidedAt: new Date(d.decidedAt),
        })
        .orIgnore('("idempotency_key")')
        .updateEntity(false)
        .execute();
    });
  }
}
