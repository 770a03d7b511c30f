import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Client, WorkflowIdReusePolicy } from '@temporalio/client';
import type { AppConfig } from '@quotaflow/config';
import { PublishRepository, type PublishEntity } from '@quotaflow/persistence';
import { publishWorkflow } from '@quotaflow/workflows';
import { APP_CONFIG } from '../config.token';
import { alreadyStarted } from '../common/temporal-errors';

/** How often waiting publishes are retried while Temporal is unreachable. */
const RETRY_EVERY_MS = 15_000;

/**
 * Starts a publish's workflow; when Temporal cannot be reached the publish stays `waiting` (its
 * assignments kept, nothing deleted) and is started as soon as Temporal answers again.
 */
@Injectable()
export class PublishRuns implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(PublishRuns.name);
  private timer?: NodeJS.Timeout;
  private busy = false;

  constructor(
    private readonly publishes: PublishRepository,
    private readonly temporal: Client,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** True once the workflow runs (or already ran). */
  async start(publish: PublishEntity): Promise<boolean> {
    try {
      await this.temporal.workflow.start(publishWorkflow, {
        taskQueue: this.config.temporal.taskQueue,
        workflowId: publish.workflowId,
        args: [{ publishId: publish.id }],
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      });
    } catch (e) {
      if (!alreadyStarted(e)) {
        const message = (e as Error).message;
        this.logger.warn(`publish ${publish.id} waits for the workflow service: ${message}`);
        await this.publishes.setStatus(publish.id, { status: 'waiting', lastError: message.slice(0, 1000) });
        return false;
      }
    }
    await this.publishes.setStatus(publish.id, { status: publish.status === 'done' ? 'done' : 'running', lastError: null });
    return true;
  }

  /** Starts every waiting publish it can (oldest first). */
  async resumeWaiting(): Promise<number> {
    if (this.busy) return 0;
    this.busy = true;
    let started = 0;
    try {
      for (const publish of await this.publishes.waiting(50)) {
        if (!(await this.start(publish))) break;
        started += 1;
      }
    } finally {
      this.busy = false;
    }
    return started;
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.resumeWaiting().catch((e: unknown) => this.logger.warn(`resuming publishes: ${(e as Error).message}`));
    }, RETRY_EVERY_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
