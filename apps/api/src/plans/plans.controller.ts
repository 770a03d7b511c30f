import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Roles } from '../auth/roles.decorator';
import type { Principal } from '../auth/principal';
import { UuidPipe } from '../common/uuid.pipe';
import { CreatePlanDto, CreatePlanVersionDto, PublishPlanVersionDto, PublishResult, PublishView } from './plans.dto';
import { PlansService } from './plans.service';

@ApiTags('plans')
@ApiBearerAuth()
@Controller()
export class PlansController {
  constructor(private readonly plans: PlansService) {}

  @Get('plans')
  @Roles('ops', 'finance', 'admin', 'auditor', 'manager')
  @ApiOperation({ summary: 'List plans with their versions' })
  list() {
    return this.plans.list();
  }

  @Get('plans/:id')
  @Roles('ops', 'finance', 'admin', 'auditor', 'manager')
  get(@Param('id', UuidPipe) id: string) {
    return this.plans.get(id);
  }

  @Post('plans')
  @Roles('ops', 'admin')
  @ApiOperation({ summary: 'Create a plan with its first version (the document is validated against the plan language)' })
  create(@CurrentUser() actor: Principal, @Body() dto: CreatePlanDto) {
    return this.plans.create(actor, dto);
  }

  @Post('plans/:id/versions')
  @Roles('ops', 'admin')
  @ApiOperation({ summary: 'Add a new version of a plan' })
  addVersion(@CurrentUser() actor: Principal, @Param('id', UuidPipe) id: string, @Body() dto: CreatePlanVersionDto) {
    return this.plans.addVersion(actor, id, dto);
  }

  @Get('plan-versions/:id')
  @Roles('ops', 'finance', 'admin', 'auditor', 'manager')
  getVersion(@Param('id', UuidPipe) id: string) {
    return this.plans.getVersion(id);
  }

  @Post('plan-versions/:id/publish')
  @HttpCode(202)
  @Roles('ops')
  @ApiOkResponse({ type: PublishResult })
  @ApiOperation({ summary: 'Publish a plan version to reps or a team: answers at once; the workflow publish:<id> starts one plan-acceptance workflow per rep in batches (a rep holding this version already keeps theirs)' })
  publish(@CurrentUser() actor: Principal, @Param('id', UuidPipe) id: string, @Body() dto: PublishPlanVersionDto): Promise<PublishResult> {
    return this.plans.publish(actor, id, dto);
  }

  @Get('publishes/:id')
  @Roles('ops', 'finance', 'admin', 'auditor')
  @ApiOkResponse({ type: PublishView })
  @ApiOperation({ summary: 'A publish and its progress: assignments created, workflows started, invites sent, answers' })
  getPublish(@Param('id', UuidPipe) id: string): Promise<PublishView> {
    return this.plans.publishView(id);
  }
}
