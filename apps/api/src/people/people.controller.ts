import { Body, Controller, Get, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { ArrayMinSize, ArrayUnique, IsEmail, IsIn, IsOptional, IsString, IsUUID, MaxLength, MinLength } from 'class-validator';
import { DomainError } from '@quotaflow/domain';
import { AuditLog, PersonEntity, TeamEntity } from '@quotaflow/persistence';
import { DataSource } from 'typeorm';
import { CurrentUser, Roles } from '../auth/roles.decorator';
import { ALL_ROLES, READ_ALL, type Principal } from '../auth/principal';
import { UuidPipe } from '../common/uuid.pipe';

export class CreatePersonDto {
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(200) name!: string;
  @ApiProperty() @IsEmail() email!: string;
  @ApiProperty({ enum: ALL_ROLES, isArray: true }) @IsIn(ALL_ROLES as string[], { each: true }) @ArrayMinSize(1) @ArrayUnique() roles!: Principal['roles'];
  @ApiPropertyOptional() @IsOptional() @IsUUID() teamId?: string;
  @ApiPropertyOptional() @IsOptional() @IsUUID() managerId?: string;
}

export class CreateTeamDto {
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(200) name!: string;
  @ApiPropertyOptional() @IsOptional() @IsUUID() managerId?: string;
}

@ApiTags('people')
@ApiBearerAuth()
@Controller()
export class PeopleController {
  constructor(private readonly dataSource: DataSource, private readonly audit: AuditLog) {}

  @Get('me')
  @Roles(...ALL_ROLES)
  @ApiOperation({ summary: 'Who am I (as the API sees the token)' })
  me(@CurrentUser() actor: Principal) {
    return actor;
  }

  @Get('people')
  @Roles(...ALL_ROLES)
  @ApiOperation({ summary: 'People: everyone for finance/ops/auditor/admin, the own team for a manager, oneself for a rep' })
  async list(@CurrentUser() actor: Principal) {
    const repo = this.dataSource.getRepository(PersonEntity);
    if (actor.roles.some((r) => READ_ALL.includes(r))) return repo.find({ order: { name: 'ASC' } });
    if (actor.roles.includes('manager')) {
      return (await repo.find({ order: { name: 'ASC' } })).filter((p) => p.managerId === actor.id || p.id === actor.id || (actor.teamId && p.teamId === actor.teamId));
    }
    return repo.find({ where: { id: actor.id } });
  }

  @Get('people/:id')
  @Roles(...ALL_ROLES)
  async get(@CurrentUser() actor: Principal, @Param('id', UuidPipe) id: string) {
    const person = await this.dataSource.getRepository(PersonEntity).findOne({ where: { id } });
    if (!person) throw new DomainError('PERSON.NOT_FOUND', `No person with id ${id}.`, { field: 'id', value: id });
    const visible = actor.roles.some((r) => READ_ALL.includes(r)) || actor.id === id || person.managerId === actor.id;
    if (!visible) throw new DomainError('AUTH.FORBIDDEN', 'You may not read this person.');
    return person;
  }

  @Post('people')
  @Roles('admin')
  @ApiOperation({ summary: 'Add a person with roles, team and manager' })
  async create(@CurrentUser() actor: Principal, @Body() dto: CreatePersonDto) {
    return this.dataSource.transaction(async (em) => {
      if (await em.getRepository(PersonEntity).findOne({ where: { email: dto.email.toLowerCase() } })) {
        throw new DomainError('PERSON.ALREADY_EXISTS', `A person with email ${dto.email} exists.`, { field: 'email', value: dto.email });
      }
      if (dto.teamId && !(await em.getRepository(TeamEntity).findOne({ where: { id: dto.teamId } }))) {
        throw new DomainError('TEAM.NOT_FOUND', `No team with id ${dto.teamId}.`, { field: 'teamId', value: dto.teamId });
      }
      if (dto.managerId && !(await em.getRepository(PersonEntity).findOne({ where: { id: dto.managerId } }))) {
        throw new DomainError('PERSON.NOT_FOUND', `No person with id ${dto.managerId}.`, { field: 'managerId', value: dto.managerId });
      }
      const repo = em.getRepository(PersonEntity);
      const person = await repo.save(repo.create({ name: dto.name, email: dto.email.toLowerCase(), roles: dto.roles, teamId: dto.teamId ?? null, managerId: dto.managerId ?? null, active: true }));
      await this.audit.append({ action: 'person.created', subject: `person:${person.id}`, actorId: actor.id, actorRole: 'admin', after: { name: person.name, email: person.email, roles: person.roles } }, em);
      return person;
    });
  }

  @Get('teams')
  @Roles(...ALL_ROLES)
  teams() {
    return this.dataSource.getRepository(TeamEntity).find({ order: { name: 'ASC' } });
  }

  @Post('teams')
  @Roles('admin')
  async createTeam(@CurrentUser() actor: Principal, @Body() dto: CreateTeamDto) {
    return this.dataSource.transaction(async (em) => {
      if (await em.getRepository(TeamEntity).findOne({ where: { name: dto.name } })) {
        throw new DomainError('TEAM.ALREADY_EXISTS', `A team named ${dto.name} exists.`, { field: 'name', value: dto.name });
      }
      const repo = em.getRepository(TeamEntity);
      const team = await repo.save(repo.create({ name: dto.name, managerId: dto.managerId ?? null }));
      await this.audit.append({ action: 'team.created', subject: `team:${team.id}`, actorId: actor.id, actorRole: 'admin', after: { name: team.name } }, em);
      return team;
    });
  }
}
