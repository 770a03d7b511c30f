// FROZEN: generation 1 activities, for workflows started before the approval kernel (libs/workflows/src/legacy/gen1).
import { Inject, Injectable } from '@nestjs/common';
import { ApplicationFailure } from '@temporalio/common';
import type { AppConfig } from '@quotaflow/config';
import { ApprovalTaskEntity, PersonEntity } from '@quotaflow/persistence';
import type { CloseApprovalTasksInput, OpenApprovalTasksInput, SendNoticeInput } from '@quotaflow/workflows/legacy/gen1/task-activities';
import { DataSource, In } from 'typeorm';
import { APP_CONFIG } from '../../worker.tokens';
import { OutboxDelivery } from '../../activities/outbox-delivery';

/**
 * The approval inbox read model and the emails that go with it. Idempotent by business key:
 * a task is unique per (workflow, stage, visit, approver), an email per outbox purpose.
 */
@Injectable()
export class ApprovalTaskActivity {
  constructor(
    private readonly dataSource: DataSource,
    private readonly delivery: OutboxDelivery,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async openApprovalTasks(input: OpenApprovalTasksInput): Promise<{ opened: number }> {
    if (input.approverIds.length === 0) return { opened: 0 };
    const people = await this.people(input.approverIds);
    await this.dataSource.createQueryBuilder().insert().into(ApprovalTaskEntity).values(
      input.approverIds.map((approverId) => ({
        subject: input.subject, subjectType: input.subjectType, workflowId: input.workflowId, stageId: input.stageId, stageLabel: input.stageLabel,
        visit: input.visit, approverId, status: 'open' as const, deadline: input.deadline ? new Date(input.deadline) : null, summary: input.summary,
      })),
    ).orIgnore().execute();
    const tasks = await this.dataSource.getRepository(ApprovalTaskEntity).findBy({
      workflowId: input.workflowId, stageId: input.stageId, visit: input.visit, approverId: In(input.approverIds),
    });
    if (input.notify === false) return { opened: tasks.length };
    for (const task of tasks) {
      const person = people.get(task.approverId)!;
      const link = `${this.config.http.publicBaseUrl}/api/v1/approvals/${task.id}`;
      const deadline = task.deadline ? ` by ${task.deadline.toISOString().slice(0, 10)}` : '';
      const row = await this.delivery.outbox.enqueue({
        purpose: `approval:${input.workflowId}:${input.stageId}:${input.visit}:${task.approverId}`,
        toAddress: person.email,
        subject: `Waiting for you: ${input.summary}`,
        text: `Hello ${person.name},\n\n${input.summary} waits for your decision (${input.stageLabel})${deadline}.\n\nDetails and decision: ${link}\n(or in your inbox: ${this.config.http.publicBaseUrl}/api/v1/me/approvals)\n\n— Quotaflow\n`,
      });
      await this.delivery.deliver(row);
    }
    return { opened: tasks.length };
  }

  async closeApprovalTasks(input: CloseApprovalTasksInput): Promise<{ closed: number }> {
    const qb = this.dataSource.createQueryBuilder().update(ApprovalTaskEntity)
      .set({ status: input.status, decision: input.decision ?? null, decidedById: input.decidedById ?? null, closedAt: () => 'now()' })
      .where('workflow_id = :workflowId AND status = :open', { workflowId: input.workflowId, open: 'open' });
    if (input.stageId !== undefined) qb.andWhere('stage_id = :stageId', { stageId: input.stageId });
    if (input.visit !== undefined) qb.andWhere('visit = :visit', { visit: input.visit });
    if (input.approverId !== undefined) qb.andWhere('approver_id = :approverId', { approverId: input.approverId });
    const result = await qb.execute();
    return { closed: result.affected ?? 0 };
  }

  async sendNotice(input: SendNoticeInput): Promise<{ sent: number }> {
    if (input.recipientIds.length === 0) return { sent: 0 };
    const people = [...(await this.people(input.recipientIds)).values()].sort((a, b) => a.email.localeCompare(b.email));
    const link = input.link ? `\n\n${this.config.http.publicBaseUrl}${input.link}` : '';
    const row = await this.delivery.outbox.enqueue({
      purpose: input.purpose,
      toAddress: people.map((p) => p.email).join(', '),
      subject: input.subject,
      text: `${input.text}${link}\n\n— Quotaflow\n`,
    });
    return { sent: (await this.delivery.deliver(row)) === 'sent' ? 1 : 0 };
  }

  private async people(ids: string[]): Promise<Map<string, PersonEntity>> {
    const found = await this.dataSource.getRepository(PersonEntity).findBy({ id: In(ids) });
    const missing = ids.filter((id) => !found.some((p) => p.id === id));
    if (missing.length > 0) throw ApplicationFailure.nonRetryable(`No person ${missing.join(', ')}.`, 'PERSON.NOT_FOUND');
    return new Map(found.map((p) => [p.id, p]));
  }
}
