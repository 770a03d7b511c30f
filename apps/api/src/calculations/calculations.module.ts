import { Module } from '@nestjs/common';
import { CalculationsController } from './calculations.controller';

/** The what-if estimator: the calculation engine over a plan-language document. */
@Module({ controllers: [CalculationsController] })
export class CalculationsModule {}
