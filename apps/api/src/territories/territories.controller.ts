import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Roles } from '../auth/roles.decorator';
import { ALL_ROLES, type Principal } from '../auth/principal';
import { UuidPipe } from '../common/uuid.pipe';
import { AccountsPageQuery, CancelTerritoryChangeDto, CreateTerritoryChangeDto, OwnerQueryDto } from './territories.dto';
import { TerritoriesService } from './territories.service';

@ApiTags('territories')
@ApiBearerAuth()
@Controller()
export class TerritoriesController {
  constructor(private readonly territories: TerritoriesService) {}

  @Get('territories')
  @Roles(...ALL_ROLES)
  @ApiOperation({ summary: 'The territory tree, each node with its owner and number of accounts' })
  tree() {
    return this.territories.tree();
  }

  @Get('territories/:id')
  @Roles(...ALL_ROLES)
  @ApiOperation({ summary: 'One territory: its path, owner, children; its accounts for its owner, its managers and read-all roles' })
  get(@CurrentUser() actor: Principal, @Param('id', UuidPipe) id: string) {
    return this.territories.get(actor, id);
  }

  @Post('territory-changes')
  @HttpCode(202)
  @Roles('ops', 'manager')
  @ApiOperation({ summary: 'Request moving accounts to another territory from an effective date; starts the approval workflow' })
  request(@CurrentUser() actor: Principal, @Body() dto: CreateTerritoryChangeDto) {
    return this.territories.request(actor, dto);
  }

  @Get('territory-changes/:id')
  @Roles(...ALL_ROLES)
  @ApiOperation({ summary: 'A territory change: impact, stages, decisions, status and next deadline' })
  view(@CurrentUser() actor: Principal, @Param('id', UuidPipe) id: string) {
    return this.territories.view(actor, id);
  }

  @Get('territory-changes/:id/accounts')
  @Roles(...ALL_ROLES)
  @ApiOperation({ summary: 'The accounts a territory change moves, with their trailing revenue and pipeline (keyset-paginated)' })
  accounts(@CurrentUser() actor: Principal, @Param('id', UuidPipe) id: string, @Query() query: AccountsPageQuery) {
    return this.territories.movingAccounts(actor, id, query);
  }

  @Post('territory-changes/:id/cancel')
  @HttpCode(200)
  @Roles('ops', 'manager')
  @ApiOperation({ summary: 'Cancel a territory change until it applies (the requester or sales operations)' })
  cancel(@CurrentUser() actor: Principal, @Param('id', UuidPipe) id: string, @Body() dto: CancelTerritoryChangeDto) {
    return this.territories.cancel(actor, id, dto.comment);
  }

  @Get('accounts/:id/owner')
  @Roles(...ALL_ROLES)
  @ApiOperation({ summary: 'Which territory and rep owned the account on a date (credits of that date go to them): for those who see the accounts of a territory that held it' })
  owner(@CurrentUser() actor: Principal, @Param('id', UuidPipe) id: string, @Query() query: OwnerQueryDto) {
    return this.territories.ownerOf(actor, id, query.date);
  }
}
