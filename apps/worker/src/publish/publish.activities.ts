import { Inject, Injectable, Logger } from '@nestjs/common';
import { Context } from '@temporalio/activity';
import { Client, WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy, WorkflowNotFoundError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { NativeConnection } from '@temporalio/worker';
import { AuditLog, PlanAssignmentRepository, PublishRepository } from '@quotaflow/persistence';
import {
  planAcceptanceWorkflow,
  supersedeUpdate,
  gen1SupersedeSignal,
  isUnknownUpdate,
  type PublishActivities,
  type PublishPosition,
  type StartAcceptanceBatchInput,
} from '@quotaflow/workflows';
import { DataSource } from 'typeorm';
import { TEMPORAL_CLIENT } from '../worker.tokens';

/** Starting many workflows at once: a few start calls in flight at a time. */
const START_CONCURRENCY = 8;
/**
 * A batch returns once its workflows have opened their first step (tasks and invites queued), so
 * at most the publish's lanes × batch size are being prepared at once. Started faster than the
 * worker prepares them, 10,000 new workflows can overflow its workflow cache, and each is then
 * replayed from its history for every later task: the publish slows down as the organisation grows.
 */
const OPENED_POLL_MS = 250;
/** A batch whose workflows are slow to open (SMTP or the database down) lets the next one start after this. */
const OPENED_PATIENCE_MS = 120_000;

@Injectable()
export class PublishActivitiesService implements PublishActivities {
  private readonly logger = new Logger(PublishActivitiesService.name);
  private readonly publishes: PublishRepository;
  private readonly assignments: PlanAssignmentRepository;

  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditLog,
    @Inject(TEMPORAL_CLIENT) private readonly temporal: () => Promise<Client>,
  ) {
    this.publishes = new PublishRepository(dataSource);
    this.assignments = new PlanAssignmentRepository(dataSource);
  }

  async beginPublish(input: PublishPosition): Promise<{ assignments: number }> {
    const publish = await this.publishes.find(input.publishId);
    if (!publish) throw ApplicationFailure.nonRetryable(`No publish ${input.publishId}.`, 'PUBLISH.NOT_FOUND');
    if (publish.status === 'waiting') await this.publishes.setStatus(publish.id, { status: 'running', lastError: null });
    return { assignments: publish.createdCount };
  }

  async startAcceptanceBatch(input: StartAcceptanceBatchInput): Promise<{ started: number; superseded: number }> {
    const client = await this.temporal();
    const taskQueue = Context.current().info.taskQueue;
    // On the worker's own connection the server may hand each new workflow's first task straight
    // back to this worker in the start call's answer (a task-queue round trip less per rep).
    const requestEagerStart = client.connection instanceof NativeConnection;
    const rows = await this.publishes.batch(input.publishId, input.offset, input.limit);
    let started = 0;
    let eagerly = 0;
    const pending = rows.filter((r) => r.status === 'pending_manager' || r.status === 'pending_rep');
    for (let i = 0; i < pending.length; i += START_CONCURRENCY) {
      const slice = pending.slice(i, i + START_CONCURRENCY);
      const results = await Promise.all(
        slice.map(async (row) => {
          try {
            const handle = await client.workflow.start(planAcceptanceWorkflow, {
              taskQueue,
              workflowId: row.workflowId,
              args: [{ assignmentId: row.id }],
              workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
              requestEagerStart,
            });
            if (handle.eagerlyStarted) eagerly += 1;
            return 1;
          } catch (e) {
            if (e instanceof WorkflowExecutionAlreadyStartedError) return 0;
            throw e;
          }
        }),
      );
      started += results.reduce<number>((a, b) => a + b, 0);
      Context.current().heartbeat({ offset: input.offset, done: i + slice.length });
    }
    // Counted as soon as they are started (the publish's progress shows them while they open).
    await this.publishes.addStarted(input.publishId, started);
    this.logger.debug(`publish ${input.publishId}: batch at ${input.offset} started ${started} (${eagerly} with their first task handed to this worker)`);
    await this.untilOpened(pending.map((r) => r.id), input);
    // Older pending versions of the same plan for these reps are superseded by the new ones.
    const superseded = await this.publishes.superseded(rows.map((r) => r.id));
    for (const { oldId, oldWorkflowId, newId } of superseded) {
      try {
        const handle = client.workflow.getHandle(oldWorkflowId);
        try {
          await handle.executeUpdate(supersedeUpdate, { args: [{ byAssignmentId: newId }], updateId: `supersede:${newId}` });
        } catch (e) {
          // A run started before the approval kernel takes `supersede` as a Signal.
          if (!isUnknownUpdate(e)) throw e;
          await handle.signal(gen1SupersedeSignal, { byAssignmentId: newId });
        }
      } catch (e) {
        if (!(e instanceof WorkflowNotFoundError) && !(e instanceof Error && /already completed/i.test(e.message))) throw e;
        // No workflow to tell (it never started): the assignment itself is superseded.
        await this.dataSource.transaction((m) => this.assignments.setState(m, oldId, { status: 'superseded', supersededById: newId, nextDeadline: null }));
      }
    }
    return { started, superseded: superseded.length };
  }

  private async untilOpened(assignmentIds: string[], input: StartAcceptanceBatchInput): Promise<void> {
    const deadline = Date.now() + OPENED_PATIENCE_MS;
    for (;;) {
      const opened = await this.publishes.opened(assignmentIds);
      Context.current().heartbeat({ offset: input.offset, done: assignmentIds.length, opened });
      if (opened >= assignmentIds.length) return;
      if (Date.now() >= deadline) {
        this.logger.warn(`publish ${input.publishId}: ${assignmentIds.length - opened} of the batch at ${input.offset} not open after ${OPENED_PATIENCE_MS / 1000} s; starting the next batch`);
        return;
      }
      await Context.current().sleep(OPENED_POLL_MS);
    }
  }

  async finishPublish(input: PublishPosition & { started: number }): Promise<void> {
    const publish = await this.publishes.find(input.publishId);
    if (!publish) return;
    await this.publishes.setStatus(publish.id, { status: 'done', finishedAt: new Date(input.at) });
    await this.audit.append({
      dedupeKey: `${input.workflowId}:done`,
      action: 'plan.publish-started',
      subject: `plan-version:${publish.planVersionId}`,
      actorId: publish.requestedById,
      actorRole: 'ops',
      workflowId: input.workflowId,
      runId: input.runId,
      data: { publishId: publish.id, targets: publish.targetCount, created: publish.createdCount, started: input.started },
      occurredAt: new Date(input.at),
    });
    this.logger.log(`publish ${publish.id}: ${input.started} acceptance workflows started`);
  }
}
