import { Module } from '@nestjs/common';
import { ApprovalsModule } from '../approvals/approvals.module';
import { PlanAssignmentsController } from './plan-assignments.controller';
import { PlanAssignmentsService } from './plan-assignments.service';

/** Plan acceptance: a rep's assignments, the plan PDF, accept / decline / the manager's pre-approval. */
@Module({ imports: [ApprovalsModule], controllers: [PlanAssignmentsController], providers: [PlanAssignmentsService] })
export class PlanAssignmentsModule {}
