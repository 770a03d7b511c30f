import { type DynamicModule, Inject, Module, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import type { AppConfig } from '@quotaflow/config';
import { createDataSource } from '@quotaflow/persistence';
import { createTransport } from 'nodemailer';
import { DataSource } from 'typeorm';
import { ACTIVITY_PROVIDERS } from './activities';
import type { MailTransport } from './activities/mail-transport';
import { APP_CONFIG, MAIL_TRANSPORT, TEMPORAL_CLIENT } from './worker.tokens';
import { Client, Connection } from '@temporalio/client';

export interface WorkerModuleOptions {
  config: AppConfig;
  /** Replaces the SMTP transport built from SMTP_URL (tests). */
  mailTransport?: MailTransport;
}

/** The worker's Nest application context (no HTTP): config, database, mail, activities. */
@Module({})
export class WorkerModule implements OnApplicationShutdown {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  static forRoot(options: WorkerModuleOptions): DynamicModule {
    const providers: Provider[] = [
      { provide: APP_CONFIG, useValue: options.config },
      {
        provide: DataSource,
        useFactory: () => createDataSource(options.config.database, { applicationName: 'quotaflow-worker' }).initialize(),
      },
      {
        provide: MAIL_TRANSPORT,
        useFactory: (): MailTransport =>
          options.mailTransport ??
          (options.config.mail.enabled && options.config.mail.smtpUrl
            ? createTransport(options.config.mail.smtpUrl)
            : { sendMail: () => Promise.reject(new Error('mail is disabled')) }),
      },
      {
        provide: TEMPORAL_CLIENT,
        useFactory: () => {
          let client: Promise<Client> | undefined;
          return () =>
            (client ??= Connection.connect({ address: options.config.temporal.address }).then(
              (connection) => new Client({ connection, namespace: options.config.temporal.namespace }),
            ));
        },
      },
      ...ACTIVITY_PROVIDERS,
    ];
    return { module: WorkerModule, providers, exports: providers };
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
