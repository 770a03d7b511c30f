import { Body, Controller, Get, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { IDEMPOTENCY_HEADER } from '../approvals/approvals.controller';
import { CurrentUser, Roles } from '../auth/roles.decorator';
import { ALL_ROLES, type Principal } from '../auth/principal';
import { Ctx, type RequestContext } from '../common/request-context';
import { UuidPipe } from '../common/uuid.pipe';
import { AcceptDto, DeclineDto, PlanAssignmentView, PlanDecisionResult, PreApprovalDto } from './plan-assignments.dto';
import { PlanAssignmentsService } from './plan-assignments.service';

@ApiTags('plan acceptance')
@ApiBearerAuth()
@Controller()
export class PlanAssignmentsController {
  constructor(private readonly assignments: PlanAssignmentsService) {}

  @Get('me/plan-assignments')
  @Roles(...ALL_ROLES)
  @ApiOkResponse({ type: [PlanAssignmentView] })
  @ApiOperation({ summary: 'My plan assignments (a rep sees the plans published to them)' })
  mine(@CurrentUser() actor: Principal): Promise<PlanAssignmentView[]> {
    return this.assignments.listMine(actor);
  }

  @Get('plan-assignments/:id')
  @Roles(...ALL_ROLES)
  @ApiOkResponse({ type: PlanAssignmentView })
  @ApiOperation({ summary: 'State, history and next deadline of one plan assignment (the rep, their manager, ops, finance, admin, auditor)' })
  get(@CurrentUser() actor: Principal, @Param('id', UuidPipe) id: string): Promise<PlanAssignmentView> {
    return this.assignments.view(actor, id);
  }

  @Get('plan-assignments/:id/document')
  @Roles(...ALL_ROLES)
  @ApiProduces('application/pdf')
  @ApiOkResponse({ description: 'The PDF; header X-Document-SHA256 is its hash (recorded with the decision).' })
  @ApiOperation({ summary: 'The plan document (PDF) the rep was asked to accept' })
  async document(@CurrentUser() actor: Principal, @Param('id', UuidPipe) id: string, @Res() res: Response): Promise<void> {
    const doc = await this.assignments.document(actor, id);
    res.setHeader('Content-Type', 'application/pdf');
    res.setHeader('Content-Disposition', `inline; filename="plan-${id}.pdf"`);
    res.setHeader('X-Document-SHA256', doc.sha256);
    res.end(doc.pdf);
  }

  private async answer(res: Response, outcome: Promise<{ body: PlanDecisionResult; replayed: boolean }>): Promise<PlanDecisionResult> {
    const { body, replayed } = await outcome;
    if (replayed) res.setHeader('Idempotent-Replayed', 'true');
    return body;
  }

  @Post('plan-assignments/:id/accept')
  @HttpCode(200)
  @Roles('rep')
  @ApiHeader(IDEMPOTENCY_HEADER)
  @ApiOkResponse({ type: PlanDecisionResult })
  @ApiOperation({ summary: 'Accept the plan (a recorded e-signature: who, when, from where, which document)' })
  accept(@CurrentUser() actor: Principal, @Param('id', UuidPipe) id: string, @Body() dto: AcceptDto, @Ctx() ctx: RequestContext, @Res({ passthrough: true }) res: Response) {
    return this.answer(res, this.assignments.decide(actor, id, 'accept', dto.comment, ctx));
  }

  @Post('plan-assignments/:id/decline')
  @HttpCode(200)
  @Roles('rep')
  @ApiHeader(IDEMPOTENCY_HEADER)
  @ApiOkResponse({ type: PlanDecisionResult })
  @ApiOperation({ summary: 'Decline the plan with a reason (the manager and ops are told)' })
  decline(@CurrentUser() actor: Principal, @Param('id', UuidPipe) id: string, @Body() dto: DeclineDto, @Ctx() ctx: RequestContext, @Res({ passthrough: true }) res: Response) {
    return this.answer(res, this.assignments.decide(actor, id, 'decline', dto.reason, ctx));
  }

  @Post('plan-assignments/:id/pre-approval')
  @HttpCode(200)
  @Roles('manager')
  @ApiHeader(IDEMPOTENCY_HEADER)
  @ApiOkResponse({ type: PlanDecisionResult })
  @ApiOperation({ summary: "The rep's manager approves (or rejects) the plan before the rep is asked" })
  preApprove(@CurrentUser() actor: Principal, @Param('id', UuidPipe) id: string, @Body() dto: PreApprovalDto, @Ctx() ctx: RequestContext, @Res({ passthrough: true }) res: Response) {
    return this.answer(res, this.assignments.decide(actor, id, dto.decision, dto.comment, ctx));
  }
}
