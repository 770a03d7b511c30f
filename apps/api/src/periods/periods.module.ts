import { Module } from '@nestjs/common';
import { PeriodsController } from './periods.controller';
import { PeriodsService } from './periods.service';

/** The monthly close: periods, the close workflow, payroll and statements. */
@Module({ controllers: [PeriodsController], providers: [PeriodsService] })
export class PeriodsModule {}
