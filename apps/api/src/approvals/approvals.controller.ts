import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { CurrentUser, Roles } from '../auth/roles.decorator';
import { ALL_ROLES, type Principal } from '../auth/principal';
import { Ctx, type RequestContext } from '../common/request-context';
import { UuidPipe } from '../common/uuid.pipe';
import { ApprovalsService, type InboxDecision } from './approvals.service';

const DECISIONS: InboxDecision[] = ['approve', 'reject', 'accept', 'decline', 'acknowledge'];

export class DecisionDto {
  @ApiProperty({ enum: DECISIONS, description: 'What the stage allows: approve/reject, accept/decline (a rep’s own plan), acknowledge (a rep’s quota).' })
  @IsIn(DECISIONS)
  decision!: InboxDecision;

  @ApiPropertyOptional({ description: 'Why; required when rejecting or declining.' })
  @IsOptional() @IsString() @MaxLength(2000)
  comment?: string;
}

@ApiTags('approvals')
@ApiBearerAuth()
@Controller()
export class ApprovalsController {
  constructor(private readonly approvals: ApprovalsService) {}

  @Get('me/approvals')
  @Roles(...ALL_ROLES)
  @ApiOperation({ summary: 'My inbox: everything that waits for my decision, across all workflows, soonest deadline first' })
  inbox(@CurrentUser() actor: Principal) {
    return this.approvals.inbox(actor);
  }

  @Get('approvals/:id')
  @Roles(...ALL_ROLES)
  @ApiOperation({ summary: 'One approval task with the other stages of the same request' })
  get(@CurrentUser() actor: Principal, @Param('id', UuidPipe) id: string) {
    return this.approvals.get(actor, id);
  }

  @Post('approvals/:id/decisions')
  @HttpCode(200)
  @Roles('rep', 'manager', 'finance', 'ops', 'admin')
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'The same key twice records one decision.' })
  @ApiOperation({ summary: 'Decide (validated by the workflow before anything is recorded: wrong person, wrong stage, already decided → refused)' })
  decide(@CurrentUser() actor: Principal, @Param('id', UuidPipe) id: string, @Body() dto: DecisionDto, @Ctx() ctx: RequestContext) {
    return this.approvals.decide(actor, id, dto.decision, dto.comment, ctx);
  }
}
