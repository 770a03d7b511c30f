import { Inject, Injectable, Logger } from '@nestjs/common';
import { Context } from '@temporalio/activity';
import { Client, WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/client';
import { monthEndedBefore, SYSTEM_CLOSE_REQUESTER_ID } from '@quotaflow/domain';
import { PeriodEntity } from '@quotaflow/persistence';
import { closeWorkflow, closeWorkflowId, type ScheduledCloseActivities, type ScheduledCloseInput, type ScheduledCloseResult } from '@quotaflow/workflows';
import { DataSource } from 'typeorm';
import { TEMPORAL_CLIENT } from '../worker.tokens';

/** The close Schedule's one activity: the close of the month just ended, started as the API would, by the system requester. */
@Injectable()
export class CloseScheduleActivitiesService implements ScheduledCloseActivities {
  private readonly logger = new Logger(CloseScheduleActivitiesService.name);

  constructor(
    private readonly dataSource: DataSource,
    @Inject(TEMPORAL_CLIENT) private readonly temporal: () => Promise<Client>,
  ) {}

  async startScheduledClose(input: ScheduledCloseInput): Promise<ScheduledCloseResult> {
    const periodKey = monthEndedBefore(input.at.slice(0, 10));
    const period = await this.dataSource.getRepository(PeriodEntity).findOneBy({ key: periodKey });
    if (!period) return { started: false, periodKey, reason: 'no-period' };
    if (period.status !== 'open') return { started: false, periodKey, periodId: period.id, reason: period.status };
    const client = await this.temporal();
    const workflowId = closeWorkflowId(period.id);
    try {
      await client.workflow.start(closeWorkflow, {
        taskQueue: Context.current().info.taskQueue,
        workflowId,
        args: [{ periodId: period.id, requesterId: SYSTEM_CLOSE_REQUESTER_ID }],
        // As the API: a close that ended blocked may start anew, a running one is not started twice.
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      });
    } catch (e) {
      if (e instanceof WorkflowExecutionAlreadyStartedError) return { started: false, periodKey, periodId: period.id, reason: 'already-running' };
      throw e;
    }
    await this.dataSource.getRepository(PeriodEntity).update({ id: period.id, status: 'open' }, { status: 'closing', workflowId });
    this.logger.log(`scheduled close of ${periodKey} started (${workflowId}, by ${input.workflowId})`);
    return { started: true, periodKey, periodId: period.id, workflowId };
  }
}
