import { Body, Controller, Get, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Roles } from '../auth/roles.decorator';
import { ALL_ROLES, type Principal } from '../auth/principal';
import { UuidPipe } from '../common/uuid.pipe';
import { CreatePersonDto, CreateTeamDto, MeView, PersonView, TeamView } from './people.dto';
import { PeopleService } from './people.service';

@ApiTags('people')
@ApiBearerAuth()
@Controller()
export class PeopleController {
  constructor(private readonly people: PeopleService) {}

  @Get('me')
  @Roles(...ALL_ROLES)
  @ApiOkResponse({ type: MeView })
  @ApiOperation({ summary: 'Who am I (as the API sees the token)' })
  me(@CurrentUser() actor: Principal): MeView {
    return { id: actor.id, name: actor.name, email: actor.email, roles: [...actor.roles], teamId: actor.teamId, managerId: actor.managerId };
  }

  @Get('people')
  @Roles(...ALL_ROLES)
  @ApiOkResponse({ type: [PersonView] })
  @ApiOperation({ summary: 'People: everyone for finance/ops/auditor/admin, their teams and reports for a manager, oneself for a rep' })
  list(@CurrentUser() actor: Principal): Promise<PersonView[]> {
    return this.people.list(actor);
  }

  @Get('people/:id')
  @Roles(...ALL_ROLES)
  @ApiOkResponse({ type: PersonView })
  get(@CurrentUser() actor: Principal, @Param('id', UuidPipe) id: string): Promise<PersonView> {
    return this.people.get(actor, id);
  }

  @Post('people')
  @Roles('admin')
  @ApiOkResponse({ type: PersonView })
  @ApiOperation({ summary: 'Add a person with roles, team and manager' })
  create(@CurrentUser() actor: Principal, @Body() dto: CreatePersonDto): Promise<PersonView> {
    return this.people.create(actor, dto);
  }

  @Get('teams')
  @Roles(...ALL_ROLES)
  @ApiOkResponse({ type: [TeamView] })
  teams(): Promise<TeamView[]> {
    return this.people.teams();
  }

  @Post('teams')
  @Roles('admin')
  @ApiOkResponse({ type: TeamView })
  createTeam(@CurrentUser() actor: Principal, @Body() dto: CreateTeamDto): Promise<TeamView> {
    return this.people.createTeam(actor, dto);
  }
}
