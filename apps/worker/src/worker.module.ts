import { type DynamicModule, Inject, Module, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import type { AppConfig } from '@quotaflow/config';
import { createDataSource } from '@quotaflow/persistence';
import { createTransport } from 'nodemailer';
import { DataSource } from 'typeorm';
import { ACTIVITY_CLASSES } from './activities';
import type { MailTransport } from './activities/mail-transport';
import { APP_CONFIG, MAIL_TRANSPORT } from './worker.tokens';

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
      ...ACTIVITY_CLASSES,
    ];
    return { module: WorkerModule, providers, exports: providers };
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
