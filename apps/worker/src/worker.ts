/**
 * Builds and runs the Temporal worker in-process: `main.ts` wraps it for the command line,
 * end-to-end tests call it directly. Runs from TypeScript sources (jest, tsx) and from `dist/`.
 */
import { Logger, type INestApplicationContext, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Client } from '@temporalio/client';
import { NativeConnection, Worker, type WorkflowBundleOption } from '@temporalio/worker';
import type { AppConfig } from '@quotaflow/config';
import { quotaflowDataConverter } from '@quotaflow/temporal-codec';
import { workerActivities } from './activities';
import type { MailTransport } from './activities/mail-transport';
import { ActivityHeartbeatAndFailureInterceptor } from './activity.interceptors';
import { ensureCloseSchedule } from './close/close-schedule';
import { TEMPORAL_CLIENT } from './worker.tokens';
import { WORKFLOW_BUNDLER_OPTIONS, WORKFLOWS_PATH } from './workflow-bundler-options';
import { WorkerModule } from './worker.module';

export interface CreateWorkerOptions {
  config: AppConfig;
  /** Overrides the task queue of the config (tests: one per file). */
  taskQueue?: string;
  /** A prebuilt bundle (`bundleWorkflowCode`); otherwise the workflows are bundled at start-up. */
  workflowBundle?: WorkflowBundleOption;
  mailTransport?: MailTransport;
  /** Nest log levels; `false` silences the worker (tests). */
  logger?: LogLevel[] | false;
  /** Keep the close Schedule in place (`config.close.schedule`); the worker process does, tests that want it too. */
  closeSchedule?: boolean;
}

export interface RunningWorker {
  worker: Worker;
  app: INestApplicationContext;
  /** Settles when the worker stops (rejects if it failed). */
  done: Promise<void>;
  /** Graceful: lets running activities finish, then closes the connection and the database. */
  shutdown(): Promise<void>;
}

export { WORKFLOW_BUNDLER_OPTIONS, WORKFLOWS_PATH } from './workflow-bundler-options';

export async function createWorker(options: CreateWorkerOptions): Promise<RunningWorker> {
  const { config } = options;
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  let app: INestApplicationContext;
  try {
    app = await NestFactory.createApplicationContext(
      WorkerModule.forRoot({ config, mailTransport: options.mailTransport, temporalConnection: connection }),
      { logger: options.logger ?? levelsFrom(config.logLevel) },
    );
  } catch (e) {
    await connection.close();
    throw e;
  }
  try {
    const worker = await Worker.create({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: options.taskQueue ?? config.temporal.taskQueue,
      // The same codec as the API's client: payloads not encrypted with our keys are refused.
      dataConverter: quotaflowDataConverter(config.temporal.codecKeys),
      activities: workerActivities(app),
      interceptors: { activity: [(ctx) => ({ inbound: new ActivityHeartbeatAndFailureInterceptor(ctx) })] },
      ...(options.workflowBundle
        ? { workflowBundle: options.workflowBundle }
        : { workflowsPath: WORKFLOWS_PATH, bundlerOptions: { webpackConfigHook: WORKFLOW_BUNDLER_OPTIONS.webpackConfigHook } }),
    });
    if (options.closeSchedule && config.close.schedule.enabled) {
      const client = await app.get<() => Promise<Client>>(TEMPORAL_CLIENT)();
      const { businessDay, hourUtc, paused } = config.close.schedule;
      const { created, description } = await ensureCloseSchedule(client, { taskQueue: options.taskQueue ?? config.temporal.taskQueue, businessDay, hourUtc, paused, today: new Date() });
      const next = description.info.nextActionTimes[0]?.toISOString() ?? 'none';
      Logger.log(`close schedule ${created ? 'created' : 'up to date'}: business day ${businessDay} at ${String(hourUtc).padStart(2, '0')}:00 UTC, ${description.state.paused ? `paused (${description.state.note ?? ''})` : `next ${next}`}`, 'Worker');
    }
    const done = worker.run();
    const conn = connection;
    let stopping: Promise<void> | undefined;
    const shutdown = () =>
      (stopping ??= (async () => {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        try {
          await done;
        } finally {
          await conn.close();
          await app.close();
        }
      })());
    Logger.log(`worker polling ${options.taskQueue ?? config.temporal.taskQueue} on ${config.temporal.address}`, 'Worker');
    return { worker, app, done, shutdown };
  } catch (e) {
    await connection.close();
    await app.close();
    throw e;
  }
}

const LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

function levelsFrom(level: AppConfig['logLevel']): LogLevel[] {
  return LEVELS.slice(0, LEVELS.indexOf(level) + 1);
}
