import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { QuotaSetView } from './quota-sets.views';
import { CurrentUser, Roles } from '../auth/roles.decorator';
import { ALL_ROLES, type Principal } from '../auth/principal';
import { EmptyBodyDto } from '../common/empty-body.dto';
import { UuidPipe } from '../common/uuid.pipe';
import { AdjustmentDto, CreateQuotaSetDto, RevisionDto } from './quota-sets.dto';
import { QuotaSetsService } from './quota-sets.service';

@ApiTags('quota sign-off')
@ApiBearerAuth()
@Controller()
export class QuotaSetsController {
  constructor(private readonly quotaSets: QuotaSetsService) {}

  @Post('quota-sets')
  @Roles('ops')
  @ApiOkResponse({ type: QuotaSetView })
  @ApiOperation({ summary: 'Propose a quota set for a period (company target, team targets, per-rep quotas): a draft, version 1' })
  create(@CurrentUser() actor: Principal, @Body() dto: CreateQuotaSetDto) {
    return this.quotaSets.create(actor, dto);
  }

  @Post('quota-sets/:id/submit')
  @HttpCode(202)
  @Roles('ops')
  @ApiOkResponse({ type: QuotaSetView })
  @ApiOperation({ summary: 'Submit a draft for sign-off: team managers in parallel, finance, then every rep acknowledges (idempotent)' })
  // The body is empty: a field sent with it is refused, not dropped (a comment would be lost silently).
  submit(@CurrentUser() actor: Principal, @Param('id', UuidPipe) id: string, @Body() _body: EmptyBodyDto) {
    return this.quotaSets.submit(actor, id);
  }

  @Get('quota-sets/:id')
  @Roles(...ALL_ROLES)
  @ApiOkResponse({ type: QuotaSetView })
  @ApiOperation({ summary: 'Versions, lines, finance flags and stage status (a manager sees their teams, a rep their own line)' })
  get(@CurrentUser() actor: Principal, @Param('id', UuidPipe) id: string) {
    return this.quotaSets.view(actor, id);
  }

  @Post('quota-sets/:id/adjustments')
  @HttpCode(200)
  @Roles('manager')
  @ApiOkResponse({ type: QuotaSetView })
  @ApiOperation({ summary: "A team's manager moves quota between their reps during their stage (team total unchanged): a new version" })
  adjust(@CurrentUser() actor: Principal, @Param('id', UuidPipe) id: string, @Body() dto: AdjustmentDto) {
    return this.quotaSets.adjust(actor, id, dto);
  }

  @Post('quota-sets/:id/revisions')
  @HttpCode(200)
  @Roles('ops')
  @ApiOkResponse({ type: QuotaSetView })
  @ApiOperation({ summary: 'A new version: after a return to ops (same sign-off), or a mid-period change of a locked set (a new sign-off)' })
  revise(@CurrentUser() actor: Principal, @Param('id', UuidPipe) id: string, @Body() dto: RevisionDto) {
    return this.quotaSets.revise(actor, id, dto);
  }

  @Get('quota-sets/:id/engine-quotas')
  @Roles('finance', 'ops')
  @ApiOperation({ summary: "The locked quotas as the plan language's participant `quota` objects (quota[periodId])" })
  engineQuotas(@Param('id', UuidPipe) id: string) {
    return this.quotaSets.engineQuotas(id);
  }

  @Get('me/quotas')
  @Roles(...ALL_ROLES)
  @ApiOperation({ summary: 'My quotas in force, by period' })
  mine(@CurrentUser() actor: Principal) {
    return this.quotaSets.mine(actor);
  }
}
