import { type DynamicModule, Inject, Logger, Module, type OnApplicationBootstrap, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import type { AppConfig } from '@quotaflow/config';
import { assertAppLogin, AuditCheckpointJob, AuditCheckpoints, AuditLog, createDataSource } from '@quotaflow/persistence';
import { DataSource } from 'typeorm';
import { ACTIVITY_PROVIDERS } from './activities';
import { smtpTransport, type MailTransport } from './activities/mail-transport';
import { APP_CONFIG, MAIL_TRANSPORT, TEMPORAL_CLIENT } from './worker.tokens';
import { Client, Connection } from '@temporalio/client';
import { quotaflowDataConverter } from '@quotaflow/temporal-codec';
import type { NativeConnection } from '@temporalio/worker';

export interface WorkerModuleOptions {
  config: AppConfig;
  /** Replaces the SMTP transport built from SMTP_URL (tests). */
  mailTransport?: MailTransport;
  /**
   * The worker's own connection: the activities' client shares it, so a workflow they start can
   * have its first task handed straight to this worker (eager start). Without it the client
   * connects on first use.
   */
  temporalConnection?: NativeConnection;
}

/** The worker's Nest application context (no HTTP): config, database, mail, activities. */
@Module({})
export class WorkerModule implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(AuditCheckpointJob) private readonly checkpointJob: AuditCheckpointJob,
  ) {}

  static forRoot(options: WorkerModuleOptions): DynamicModule {
    const providers: Provider[] = [
      { provide: APP_CONFIG, useValue: options.config },
      {
        provide: DataSource,
        useFactory: async () => {
          const ds = await createDataSource(options.config.database, { applicationName: 'quotaflow-worker' }).initialize();
          try {
            await assertAppLogin(ds, { production: options.config.env === 'production', warn: (m) => new Logger('Worker').warn(m) });
          } catch (error) {
            await ds.destroy();
            throw error;
          }
          return ds;
        },
      },
      // The append-only, HMAC-chained audit trail and its signed checkpoints (item 3 of issue 8).
      { provide: AuditLog, inject: [DataSource], useFactory: (ds: DataSource) => new AuditLog(ds, { hmacKey: options.config.audit.hmacKey }) },
      {
        provide: AuditCheckpoints,
        inject: [DataSource, AuditLog],
        useFactory: (ds: DataSource, audit: AuditLog) => new AuditCheckpoints(ds, audit, { dir: options.config.audit.checkpointDir, log: (line) => new Logger('Audit').log(line) }),
      },
      {
        provide: AuditCheckpointJob,
        inject: [AuditCheckpoints, AuditLog],
        useFactory: (checkpoints: AuditCheckpoints, audit: AuditLog) =>
          new AuditCheckpointJob(checkpoints, audit, {
            everyEvents: options.config.audit.checkpointEveryEvents,
            intervalSeconds: options.config.audit.checkpointIntervalSeconds,
            warn: (m) => new Logger('Audit').warn(m),
          }),
      },
      {
        provide: MAIL_TRANSPORT,
        useFactory: (): MailTransport => {
          if (options.mailTransport) return options.mailTransport;
          if (!options.config.mail.enabled || !options.config.mail.smtpUrl) return { sendMail: () => Promise.reject(new Error('mail is disabled')) };
          const transport = smtpTransport(options.config.mail.smtpUrl);
          // The pool's open connections end with the worker (Nest calls this on shutdown).
          return { sendMail: (message) => transport.sendMail(message), onModuleDestroy: () => transport.close() } as MailTransport;
        },
      },
      {
        provide: TEMPORAL_CLIENT,
        useFactory: () => {
          let client: Promise<Client> | undefined;
          // The same codec as everywhere: workflows it starts carry encrypted inputs.
          const clientOn = (connection: Connection | NativeConnection) =>
            new Client({ connection, namespace: options.config.temporal.namespace, dataConverter: quotaflowDataConverter(options.config.temporal.codecKeys) });
          return () =>
            (client ??= options.temporalConnection
              ? Promise.resolve(clientOn(options.temporalConnection))
              : Connection.connect({ address: options.config.temporal.address }).then(clientOn));
        },
      },
      ...ACTIVITY_PROVIDERS,
    ];
    return { module: WorkerModule, providers, exports: providers };
  }

  onApplicationBootstrap(): void {
    this.checkpointJob.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.checkpointJob.stop();
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
