import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { Client, Connection } from '@temporalio/client';
import type { AppConfig } from '@quotaflow/config';
import { quotaflowDataConverter } from '@quotaflow/temporal-codec';
import { APP_CONFIG } from '../config.token';

export const TEMPORAL_CONNECTION = Symbol('TEMPORAL_CONNECTION');

/** A lazily connected Temporal client: the API starts even while Temporal is still coming up. */
@Global()
@Module({
  providers: [
    {
      provide: TEMPORAL_CONNECTION,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => Connection.lazy({ address: config.temporal.address }),
    },
    {
      provide: Client,
      inject: [TEMPORAL_CONNECTION, APP_CONFIG],
      // Every payload encrypted and authenticated (AES-256-GCM): the worker refuses any other.
      useFactory: (connection: Connection, config: AppConfig) =>
        new Client({ connection, namespace: config.temporal.namespace, dataConverter: quotaflowDataConverter(config.temporal.codecKeys) }),
    },
  ],
  exports: [Client, TEMPORAL_CONNECTION],
})
export class TemporalModule implements OnApplicationShutdown {
  constructor(@Inject(TEMPORAL_CONNECTION) private readonly connection: Connection) {}

  async onApplicationShutdown(): Promise<void> {
    await this.connection.close();
  }
}
