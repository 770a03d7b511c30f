import { Module } from '@nestjs/common';
import { ApprovalsModule } from '../approvals/approvals.module';
import { PeriodsController } from './periods.controller';
import { PeriodsService } from './periods.service';

/** The monthly close: periods, the close workflow, payroll and statements. */
@Module({ imports: [ApprovalsModule], controllers: [PeriodsController], providers: [PeriodsService] })
export class PeriodsModule {}
