import { Module } from '@nestjs/common';
import { CalculationsController } from './calculations.controller';
import { PreviewPool } from './preview.pool';

/** The what-if estimator: the calculation engine over a plan-language document; large previews run in a pool of worker threads. */
@Module({ controllers: [CalculationsController], providers: [{ provide: PreviewPool, useFactory: () => new PreviewPool() }] })
export class CalculationsModule {}
