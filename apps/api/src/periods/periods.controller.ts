import { Body, Controller, Get, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { IDEMPOTENCY_HEADER } from '../approvals/approvals.controller';
import { Ctx, type RequestContext } from '../common/request-context';
import type { Response } from 'express';
import { CurrentUser, Roles } from '../auth/roles.decorator';
import { ALL_ROLES, type Principal } from '../auth/principal';
import { EmptyBodyDto } from '../common/empty-body.dto';
import { UuidPipe } from '../common/uuid.pipe';
import { CloseChangesDto, CreatePeriodDto, NegativeAcknowledgementDto } from './periods.dto';
import { PeriodsService } from './periods.service';

@ApiTags('monthly close')
@ApiBearerAuth()
@Controller()
export class PeriodsController {
  constructor(private readonly periods: PeriodsService) {}

  @Post('periods')
  @Roles('ops')
  @ApiOperation({ summary: 'Create a monthly period ahead of its close (ops): open' })
  create(@CurrentUser() actor: Principal, @Body() dto: CreatePeriodDto) {
    return this.periods.create(actor, dto);
  }

  @Get('periods')
  @Roles(...ALL_ROLES)
  @ApiOperation({ summary: 'Every period, newest first, with its state and calculation version' })
  list() {
    return this.periods.list();
  }

  @Get('periods/:id')
  @Roles(...ALL_ROLES)
  @ApiOperation({ summary: 'One period: key, dates, state (open, closing, closed), calculation version' })
  get(@Param('id', UuidPipe) id: string) {
    return this.periods.get(id);
  }

  @Post('periods/:id/close')
  @HttpCode(202)
  @Roles('finance')
  @ApiOperation({ summary: 'Start the close of an open period (finance): workflow close:<periodId> — freeze, validate, calculate, approvals, statements (idempotent)' })
  close(@CurrentUser() actor: Principal, @Param('id', UuidPipe) id: string, @Body() _body: EmptyBodyDto) {
    return this.periods.startClose(actor, id);
  }

  @Get('periods/:id/close')
  @Roles('finance', 'ops', 'auditor', 'admin')
  @ApiOperation({ summary: 'The close: state, stage, progress, exceptions, totals per calculation version and what changed per rep between versions, snapshot hash, open approval stages' })
  closeStatus(@Param('id', UuidPipe) id: string) {
    return this.periods.closeView(id);
  }

  @Get('periods/:id/close/review')
  @Roles('finance', 'ops', 'auditor', 'admin')
  @ApiOperation({ summary: "Finance's view of the version under review: totals by plan, team and component with the variance against the previous version and the previous period's final version; negative payouts and their acknowledgements; held payouts" })
  review(@Param('id', UuidPipe) id: string) {
    return this.periods.review(id);
  }

  @Post('periods/:id/close/changes')
  @HttpCode(200)
  @Roles('manager')
  @ApiHeader(IDEMPOTENCY_HEADER)
  @ApiOperation({ summary: "A team manager asks for adjustments (rep, amount, reason) and holds (rep, reason) of their team's reps instead of approving: the next version recalculates only those reps; every approval is asked again" })
  async changes(
    @CurrentUser() actor: Principal, @Param('id', UuidPipe) id: string, @Body() dto: CloseChangesDto, @Ctx() ctx: RequestContext, @Res({ passthrough: true }) res: Response,
  ) {
    const { body, replayed } = await this.periods.requestChanges(actor, id, dto, ctx);
    if (replayed) res.setHeader('Idempotent-Replayed', 'true');
    return body;
  }

  @Post('periods/:id/close/negatives/:personId/acknowledgement')
  @HttpCode(200)
  @Roles('finance')
  @ApiHeader(IDEMPOTENCY_HEADER)
  @ApiOperation({ summary: 'Finance acknowledges one negative payout of the version under review (the finance approval is refused with CLOSE.NEGATIVES_UNACKNOWLEDGED until every one is)' })
  async acknowledge(
    @CurrentUser() actor: Principal, @Param('id', UuidPipe) id: string, @Param('personId', UuidPipe) personId: string, @Body() dto: NegativeAcknowledgementDto,
    @Ctx() ctx: RequestContext, @Res({ passthrough: true }) res: Response,
  ) {
    const { body, replayed } = await this.periods.acknowledgeNegative(actor, id, personId, dto, ctx);
    if (replayed) res.setHeader('Idempotent-Replayed', 'true');
    return body;
  }

  @Get('periods/:id/verification')
  @Roles('finance', 'auditor', 'admin')
  @ApiOperation({ summary: "A closed period recalculated from its stored snapshot: the snapshot's hash checked, every rep's payout, state and explanation line amounts compared to the cent with the stored ones (409 PERIOD.NOT_CLOSED otherwise)" })
  verification(@Param('id', UuidPipe) id: string) {
    return this.periods.verification(id);
  }

  @Get('periods/:id/payouts')
  @Roles(...ALL_ROLES)
  @ApiOperation({ summary: "Payouts of the current calculation version with their explanations: a manager sees their teams' reps, a rep their own, finance, ops, auditors and admins everyone" })
  payouts(@CurrentUser() actor: Principal, @Param('id', UuidPipe) id: string) {
    return this.periods.payouts(actor, id);
  }

  @Get('periods/:id/payroll')
  @Roles('finance', 'ops')
  @ApiOperation({ summary: 'The payroll CSV of the current calculation version in the configured layout (PAYROLL_LAYOUT: generic, adp, gusto; docs/payroll-layouts.md; X-Payroll-Layout, X-Calculation-Version, 0 and the header alone before any calculation); zero and negative payouts are not exported as pay, they carry forward' })
  async payroll(@Param('id', UuidPipe) id: string, @Res() res: Response): Promise<void> {
    const file = await this.periods.payroll(id);
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="payroll-${file.periodKey}-v${file.version}-${file.layout}.csv"`);
    res.setHeader('X-Payroll-Layout', file.layout);
    res.setHeader('X-Calculation-Version', String(file.version));
    res.send(file.csv);
  }

  @Get('periods/:id/statements')
  @Roles('finance', 'ops', 'auditor', 'admin')
  @ApiOperation({ summary: "Every rep's statement of the period with each message sent (the close's own, then each resend): purpose, Message-ID, delivery status, attempts, last error, sent at, who asked" })
  statements(@Param('id', UuidPipe) id: string) {
    return this.periods.statementDeliveries(id);
  }

  @Post('periods/:id/statements/:personId/resend')
  @HttpCode(202)
  @Roles('finance', 'ops')
  @ApiOperation({ summary: "Send a rep's statement of a closed period again (finance, ops): a new message (its own outbox row and Message-ID, workflow statement-resend:<periodId>:<personId>:<n>), recorded and audited; at most one per statement every 10 minutes (429 STATEMENT.RESEND_TOO_SOON, Retry-After)" })
  resend(@CurrentUser() actor: Principal, @Param('id', UuidPipe) id: string, @Param('personId', UuidPipe) personId: string, @Body() _body: EmptyBodyDto) {
    return this.periods.resendStatement(actor, id, personId);
  }

  @Get('statements/:id')
  @Roles(...ALL_ROLES)
  @ApiOperation({ summary: 'A commission statement as its PDF: the rep, their manager and the read-all roles (X-Statement-SHA256 header)' })
  async statement(@CurrentUser() actor: Principal, @Param('id', UuidPipe) id: string, @Res() res: Response): Promise<void> {
    const file = await this.periods.statementPdf(actor, id);
    res.setHeader('Content-Type', 'application/pdf');
    res.setHeader('Content-Disposition', `attachment; filename="${file.filename}"`);
    res.setHeader('X-Statement-SHA256', file.sha256);
    res.send(file.pdf);
  }

  @Get('me/statements')
  @Roles(...ALL_ROLES)
  @ApiOperation({ summary: 'My commission statements of closed periods (payout, version, PDF fingerprint)' })
  mine(@CurrentUser() actor: Principal) {
    return this.periods.myStatements(actor);
  }
}
