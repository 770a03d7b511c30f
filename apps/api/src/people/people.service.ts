import { Injectable } from '@nestjs/common';
import { DomainError, personAccess, readsEverything } from '@quotaflow/domain';
import { AuditLog, PersonEntity, TeamEntity } from '@quotaflow/persistence';
import { DataSource, In } from 'typeorm';
import type { Principal } from '../auth/principal';
import { AccessService } from '../common/access.service';
import { toPersonView, toTeamView, type CreatePersonDto, type CreateTeamDto, type PersonView, type TeamView } from './people.dto';

@Injectable()
export class PeopleService {
  constructor(private readonly dataSource: DataSource, private readonly audit: AuditLog, private readonly access: AccessService) {}

  async list(actor: Principal): Promise<PersonView[]> {
    const scope = await this.access.scope(actor);
    const repo = this.dataSource.getRepository(PersonEntity);
    if (readsEverything(scope)) return (await repo.find({ order: { name: 'ASC' } })).map(toPersonView);
    if (scope.managedTeamIds.length > 0 || scope.reportIds.length > 0) {
      const rows = (await this.dataSource.query(
        `SELECT id FROM people WHERE id = $1 OR manager_id = $1 OR team_id = ANY($2::uuid[]) ORDER BY name`,
        [actor.id, [...scope.managedTeamIds]],
      )) as { id: string }[];
      const people = await repo.findBy({ id: In(rows.map((r) => r.id)) });
      return people.sort((a, b) => a.name.localeCompare(b.name)).map(toPersonView);
    }
    return (await repo.find({ where: { id: actor.id } })).map(toPersonView);
  }

  async get(actor: Principal, id: string): Promise<PersonView> {
    const person = await this.dataSource.getRepository(PersonEntity).findOne({ where: { id } });
    if (!person) throw new DomainError('PERSON.NOT_FOUND', `No person with id ${id}.`, { field: 'id', value: id });
    if (!personAccess(await this.access.scope(actor), person)) throw new DomainError('AUTH.FORBIDDEN', 'You may not read this person.');
    return toPersonView(person);
  }

  async create(actor: Principal, dto: CreatePersonDto): Promise<PersonView> {
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
      return toPersonView(person);
    });
  }

  async teams(): Promise<TeamView[]> {
    return (await this.dataSource.getRepository(TeamEntity).find({ order: { name: 'ASC' } })).map(toTeamView);
  }

  async createTeam(actor: Principal, dto: CreateTeamDto): Promise<TeamView> {
    return this.dataSource.transaction(async (em) => {
      if (await em.getRepository(TeamEntity).findOne({ where: { name: dto.name } })) {
        throw new DomainError('TEAM.ALREADY_EXISTS', `A team named ${dto.name} exists.`, { field: 'name', value: dto.name });
      }
      if (dto.managerId) {
        const manager = await em.getRepository(PersonEntity).findOne({ where: { id: dto.managerId } });
        if (!manager) throw new DomainError('PERSON.NOT_FOUND', `No person with id ${dto.managerId}.`, { field: 'managerId', value: dto.managerId });
        if (!manager.active) throw new DomainError('VALIDATION.FAILED', `${manager.name} is not active.`, { field: 'managerId', value: dto.managerId });
      }
      const repo = em.getRepository(TeamEntity);
      const team = await repo.save(repo.create({ name: dto.name, managerId: dto.managerId ?? null }));
      await this.audit.append({ action: 'team.created', subject: `team:${team.id}`, actorId: actor.id, actorRole: 'admin', after: { name: team.name, managerId: team.managerId } }, em);
      return toTeamView(team);
    });
  }
}
