import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentUser, Roles } from '../auth/roles.decorator';
import { ALL_ROLES, type Principal } from '../auth/principal';
import { Ctx, type RequestContext } from '../common/request-context';
import { UuidPipe } from '../common/uuid.pipe';
import { ApprovalTaskDetail, DecisionDto, DecisionResult, InboxPage, InboxQuery } from './approvals.dto';
import { ApprovalsService } from './approvals.service';

export const IDEMPOTENCY_HEADER = {
  name: 'Idempotency-Key',
  required: false,
  description: 'Repeat a decision safely: the same key with the same request records one decision and answers as the first time (header `Idempotent-Replayed: true`); with another request it is refused (422 IDEMPOTENCY.KEY_REUSED).',
};

@ApiTags('approvals')
@ApiBearerAuth()
@Controller()
export class ApprovalsController {
  constructor(private readonly approvals: ApprovalsService) {}

  @Get('me/approvals')
  @Roles(...ALL_ROLES)
  @ApiOkResponse({ type: InboxPage })
  @ApiOperation({ summary: 'My inbox: everything that waits for my decision, across all workflows, soonest deadline first (cursor-paginated)' })
  inbox(@CurrentUser() actor: Principal, @Query() query: InboxQuery): Promise<InboxPage> {
    return this.approvals.inbox(actor, query);
  }

  @Get('approvals/:id')
  @Roles(...ALL_ROLES)
  @ApiOkResponse({ type: ApprovalTaskDetail })
  @ApiOperation({ summary: 'One approval task (its approver, or a read-all role, who also sees the other stages of the request)' })
  get(@CurrentUser() actor: Principal, @Param('id', UuidPipe) id: string): Promise<ApprovalTaskDetail> {
    return this.approvals.get(actor, id);
  }

  @Post('approvals/:id/decisions')
  @HttpCode(200)
  @Roles('rep', 'manager', 'finance', 'ops', 'admin')
  @ApiHeader(IDEMPOTENCY_HEADER)
  @ApiOkResponse({ type: DecisionResult })
  @ApiOperation({ summary: 'Decide (validated by the workflow before anything is recorded: wrong person, wrong stage, already decided → refused); answered once the decision is durable' })
  async decide(
    @CurrentUser() actor: Principal,
    @Param('id', UuidPipe) id: string,
    @Body() dto: DecisionDto,
    @Ctx() ctx: RequestContext,
    @Res({ passthrough: true }) res: Response,
  ): Promise<DecisionResult> {
    const { body, replayed } = await this.approvals.decide(actor, id, dto.decision, dto.comment, ctx);
    if (replayed) res.setHeader('Idempotent-Replayed', 'true');
    return body;
  }
}
