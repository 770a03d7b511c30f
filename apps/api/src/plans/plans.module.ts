import { Module } from '@nestjs/common';
import { PlansController } from './plans.controller';
import { PlansService } from './plans.service';
import { PublishRuns } from './publish-runs.service';

/** Plans, their versions, and publishing a version to reps (the publish workflow). */
@Module({ controllers: [PlansController], providers: [PlansService, PublishRuns] })
export class PlansModule {}
