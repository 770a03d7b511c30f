import { DynamicModule, Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import type { AppConfig } from '@quotaflow/config';
import { AuditLog, createDataSource } from '@quotaflow/persistence';
import { DataSource } from 'typeorm';
import { ApprovalsController } from './approvals/approvals.controller';
import { ApprovalsService } from './approvals/approvals.service';
import { AuditController } from './audit/audit.controller';
import { TraceService } from './audit/trace.service';
import { AuthGuard } from './auth/auth.guard';
import { CalculationsController } from './calculations/calculations.controller';
import { PreviewPool } from './calculations/preview.pool';
import { ErrorFilter } from './common/error.filter';
import { APP_CONFIG } from './config.token';
import { HealthController } from './health/health.controller';
import { PeopleController } from './people/people.controller';
import { PlanAssignmentsController } from './plan-assignments/plan-assignments.controller';
import { PlanAssignmentsService } from './plan-assignments/plan-assignments.service';
import { PlansController } from './plans/plans.controller';
import { PlansService } from './plans/plans.service';
import { TemporalModule } from './temporal/temporal.module';
import { TerritoriesController } from './territories/territories.controller';
import { TerritoriesService } from './territories/territories.service';
import { QuotaSetsController } from './quota-sets/quota-sets.controller';
import { QuotaSetsService } from './quota-sets/quota-sets.service';

@Global()
@Module({})
class CoreModule implements OnApplicationShutdown {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: CoreModule,
      providers: [
        { provide: APP_CONFIG, useValue: config },
        {
          provide: DataSource,
          useFactory: async () => createDataSource(config.database, { role: 'app' }).initialize(),
        },
        // The append-only, hash-chained audit trail, one instance for the whole API.
        { provide: AuditLog, inject: [DataSource], useFactory: (dataSource: DataSource) => new AuditLog(dataSource) },
      ],
      exports: [APP_CONFIG, DataSource, AuditLog],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

/** Every controller of the API; the route-rule test walks this same list. */
export const API_CONTROLLERS = [HealthController, PeopleController, PlansController, PlanAssignmentsController, ApprovalsController, AuditController, CalculationsController, TerritoriesController, QuotaSetsController];

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [CoreModule.forRoot(config), TemporalModule, JwtModule.register({})],
      controllers: API_CONTROLLERS,
      providers: [
        PlansService,
        PlanAssignmentsService,
        ApprovalsService,
        TerritoriesService,
        QuotaSetsService,
        TraceService,
        { provide: PreviewPool, useFactory: () => new PreviewPool() },
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_FILTER, useClass: ErrorFilter },
      ],
    };
  }
}
