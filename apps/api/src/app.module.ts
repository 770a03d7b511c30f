import { DynamicModule, Global, Inject, Logger, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { ThrottlerModule } from '@nestjs/throttler';
import type { AppConfig } from '@quotaflow/config';
import { assertAppLogin, AuditCheckpointJob, AuditCheckpoints, AuditLog, createDataSource } from '@quotaflow/persistence';
import { DataSource } from 'typeorm';
import { ApprovalsController } from './approvals/approvals.controller';
import { ApprovalsService } from './approvals/approvals.service';
import { AuditController } from './audit/audit.controller';
import { TraceService } from './audit/trace.service';
import { AuthGuard } from './auth/auth.guard';
import { TokenVerifier } from './auth/token-verifier';
import { AuthFailureLimiter } from './security/auth-failures';
import { RateLimitGuard } from './security/rate-limit.guard';
import { CalculationsController } from './calculations/calculations.controller';
import { ErrorFilter } from './common/error.filter';
import { APP_CONFIG } from './config.token';
import { HealthController } from './health/health.controller';
import { PeopleController } from './people/people.controller';
import { PlanAssignmentsController } from './plan-assignments/plan-assignments.controller';
import { PlanAssignmentsService } from './plan-assignments/plan-assignments.service';
import { PlansController } from './plans/plans.controller';
import { PlansService } from './plans/plans.service';
import { CodecController } from './temporal/codec.controller';
import { TemporalModule } from './temporal/temporal.module';
import { TerritoriesController } from './territories/territories.controller';
import { TerritoriesService } from './territories/territories.service';
import { QuotaSetsController } from './quota-sets/quota-sets.controller';
import { QuotaSetsService } from './quota-sets/quota-sets.service';

@Global()
@Module({})
class CoreModule implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(AuditCheckpointJob) private readonly checkpointJob: AuditCheckpointJob,
  ) {}

  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: CoreModule,
      providers: [
        { provide: APP_CONFIG, useValue: config },
        {
          provide: DataSource,
          useFactory: async () => {
            const ds = await createDataSource(config.database, { role: 'app' }).initialize();
            try {
              await assertAppLogin(ds, { production: config.env === 'production', warn: (m) => new Logger('Database').warn(m) });
            } catch (error) {
              await ds.destroy();
              throw error;
            }
            return ds;
          },
        },
        // The append-only, HMAC-chained audit trail, one instance for the whole API, and its checkpoints.
        { provide: AuditLog, inject: [DataSource], useFactory: (dataSource: DataSource) => new AuditLog(dataSource, { hmacKey: config.audit.hmacKey }) },
        {
          provide: AuditCheckpoints,
          inject: [DataSource, AuditLog],
          useFactory: (ds: DataSource, audit: AuditLog) => new AuditCheckpoints(ds, audit, { dir: config.audit.checkpointDir, log: (line) => new Logger('Audit').log(line) }),
        },
        {
          provide: AuditCheckpointJob,
          inject: [AuditCheckpoints, AuditLog],
          useFactory: (checkpoints: AuditCheckpoints, audit: AuditLog) =>
            new AuditCheckpointJob(checkpoints, audit, {
              everyEvents: config.audit.checkpointEveryEvents,
              intervalSeconds: config.audit.checkpointIntervalSeconds,
              warn: (m) => new Logger('Audit').warn(m),
            }),
        },
      ],
      exports: [APP_CONFIG, DataSource, AuditLog, AuditCheckpoints],
    };
  }

  onApplicationBootstrap(): void {
    this.checkpointJob.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.checkpointJob.stop();
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

/** Every controller of the API; the route-rule test walks this same list. */
export const API_CONTROLLERS = [HealthController, PeopleController, PlansController, PlanAssignmentsController, ApprovalsController, AuditController, CalculationsController, TerritoriesController, QuotaSetsController, CodecController];

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CoreModule.forRoot(config),
        TemporalModule,
        JwtModule.register({}),
        // One budget per identity (token subject, else IP) per minute, across every route.
        ThrottlerModule.forRoot({ throttlers: [{ name: 'per-identity', ttl: 60_000, limit: config.http.rateLimitPerMinute }] }),
      ],
      controllers: API_CONTROLLERS,
      providers: [
        PlansService,
        PlanAssignmentsService,
        ApprovalsService,
        TerritoriesService,
        QuotaSetsService,
        TraceService,
        TokenVerifier,
        AuthFailureLimiter,
        // Guards run in this order: the rate limit before any token is looked at.
        { provide: APP_GUARD, useClass: RateLimitGuard },
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_FILTER, useClass: ErrorFilter },
      ],
    };
  }
}
