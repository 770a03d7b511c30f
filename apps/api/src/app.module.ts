import { DynamicModule, Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import type { AppConfig } from '@quotaflow/config';
import {
  ApprovalRepository,
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
import { CalculationsController } from './calculations/calculations.controller';
import { CalculationsModule } from './calculations/calculations.module';
import { AccessService } from './common/access.service';
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
import { TemporalModule } from './temporal/temporal.module';
import { TerritoriesController } from './territories/territories.controller';
import { TerritoriesModule } from './territories/territories.module';

/** Repositories of libs/persistence: the one piece of code that writes each table, for every feature. */
const REPOSITORIES = [ApprovalRepository, OrganisationRepository, PlanAssignmentRepository, QuotaSetRepository, TerritoryRepository, IdempotencyRepository, PublishRepository];

@Global()
@Module({})
class CoreModule implements OnApplicationShutdown {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  static forRoot(config: AppConfig): DynamicModule {
    const providers = [
      { provide: APP_CONFIG, useValue: config },
      { provide: DataSource, useFactory: async () => createDataSource(config.database, { role: 'app' }).initialize() },
      // The append-only, hash-chained audit trail, one instance for the whole API.
      { provide: AuditLog, inject: [DataSource], useFactory: (dataSource: DataSource) => new AuditLog(dataSource) },
      ...REPOSITORIES.map((repository) => ({ provide: repository, inject: [DataSource], useFactory: (dataSource: DataSource) => new repository(dataSource) })),
      AccessService,
    ];
    return { module: CoreModule, providers, exports: [APP_CONFIG, DataSource, AuditLog, ...REPOSITORIES, AccessService] };
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

/** Every controller of the API; the route-rule test walks this same list. */
export const API_CONTROLLERS = [HealthController, PeopleController, PlansController, PlanAssignmentsController, ApprovalsController, AuditController, CalculationsController, TerritoriesController, QuotaSetsController];

const FEATURES = [HealthModule, PeopleModule, PlansModule, PlanAssignmentsModule, ApprovalsModule, AuditModule, CalculationsModule, TerritoriesModule, QuotaSetsModule];

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [CoreModule.forRoot(config), TemporalModule, JwtModule.register({}), ...FEATURES],
      providers: [
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_FILTER, useClass: ErrorFilter },
      ],
    };
  }
}
