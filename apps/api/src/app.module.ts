import { DynamicModule, Global, Inject, Logger, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { ThrottlerModule } from '@nestjs/throttler';
import type { AppConfig } from '@quotaflow/config';
import {
  ApprovalRepository,
  assertAppLogin,
  AuditCheckpointJob,
  AuditCheckpoints,
  AuditLog,
  createDataSource,
  IdempotencyRepository,
  OrganisationRepository,
  PlanAssignmentRepository,
  PublishRepository,
  QuotaSetRepository,
  TerritoryRepository,
} from '@quotaflow/persistence';
import { DataSource } from 'typeorm';
import { ApprovalsController } from './approvals/approvals.controller';
import { ApprovalsModule } from './approvals/approvals.module';
import { AuditController } from './audit/audit.controller';
import { AuditModule } from './audit/audit.module';
import { AuthGuard } from './auth/auth.guard';
import { TokenVerifier } from './auth/token-verifier';
import { CalculationsController } from './calculations/calculations.controller';
import { CalculationsModule } from './calculations/calculations.module';
import { AccessService } from './common/access.service';
import { ContentTypeInterceptor } from './common/content-type.interceptor';
import { ErrorFilter } from './common/error.filter';
import { APP_CONFIG } from './config.token';
import { HealthController } from './health/health.controller';
import { HealthModule } from './health/health.module';
import { PeopleController } from './people/people.controller';
import { PeopleModule } from './people/people.module';
import { PlanAssignmentsController } from './plan-assignments/plan-assignments.controller';
import { PlanAssignmentsModule } from './plan-assignments/plan-assignments.module';
import { PlansController } from './plans/plans.controller';
import { PlansModule } from './plans/plans.module';
import { QuotaSetsController } from './quota-sets/quota-sets.controller';
import { QuotaSetsModule } from './quota-sets/quota-sets.module';
import { AuthFailureLimiter } from './security/auth-failures';
import { RateLimitGuard } from './security/rate-limit.guard';
import { CodecController } from './temporal/codec.controller';
import { CodecModule } from './temporal/codec.module';
import { TemporalModule } from './temporal/temporal.module';
import { TerritoriesController } from './territories/territories.controller';
import { TerritoriesModule } from './territories/territories.module';
import { ImportsController } from './imports/imports.controller';
import { ImportsModule } from './imports/imports.module';
import { PeriodsController } from './periods/periods.controller';
import { PeriodsModule } from './periods/periods.module';

/** Repositories of libs/persistence: the one piece of code that writes each table, for every feature. */
const REPOSITORIES = [ApprovalRepository, OrganisationRepository, PlanAssignmentRepository, QuotaSetRepository, TerritoryRepository, IdempotencyRepository, PublishRepository];

@Global()
@Module({})
class CoreModule implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(AuditCheckpointJob) private readonly checkpointJob: AuditCheckpointJob,
  ) {}

  static forRoot(config: AppConfig): DynamicModule {
    const providers = [
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
      ...REPOSITORIES.map((repository) => ({ provide: repository, inject: [DataSource], useFactory: (dataSource: DataSource) => new repository(dataSource) })),
      AccessService,
    ];
    return { module: CoreModule, providers, exports: [APP_CONFIG, DataSource, AuditLog, AuditCheckpoints, ...REPOSITORIES, AccessService] };
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
export const API_CONTROLLERS = [
  HealthController, PeopleController, PlansController, PlanAssignmentsController, ApprovalsController, AuditController, CalculationsController,
  TerritoriesController, QuotaSetsController, CodecController, ImportsController, PeriodsController,
];

const FEATURES = [
  HealthModule, PeopleModule, PlansModule, PlanAssignmentsModule, ApprovalsModule, AuditModule, CalculationsModule, TerritoriesModule,
  QuotaSetsModule, CodecModule, ImportsModule, PeriodsModule,
];

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
        ...FEATURES,
      ],
      providers: [
        TokenVerifier,
        AuthFailureLimiter,
        // Guards run in this order: the rate limit before any token is looked at.
        { provide: APP_GUARD, useClass: RateLimitGuard },
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_FILTER, useClass: ErrorFilter },
        // After the guards: a JSON route answers 415 to a body of another type.
        { provide: APP_INTERCEPTOR, useClass: ContentTypeInterceptor },
      ],
    };
  }
}
