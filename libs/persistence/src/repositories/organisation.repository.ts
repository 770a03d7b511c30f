import type { Organisation, Role } from '@quotaflow/domain';
import { DataSource, In, type EntityManager } from 'typeorm';
import { PersonEntity } from '../entities/person.entity';
import { TeamEntity } from '../entities/team.entity';
import { TerritoryEntity } from '../entities/territory.entity';
import { readTogether } from './reads';

/** Organisation reads: who is who, who manages whom, who holds a role. One place for the API and the worker. */
export class OrganisationRepository {
  constructor(private readonly dataSource: DataSource) {}

  private m(manager?: EntityManager): EntityManager {
    return manager ?? this.dataSource.manager;
  }

  /** The organisation as the approval policy routes on it (people, teams, territories). */
  async snapshot(options: { territories?: boolean } = {}, manager?: EntityManager): Promise<Organisation> {
    const m = this.m(manager);
    const [people, teams, territories] = await readTogether<[PersonEntity[], TeamEntity[], TerritoryEntity[]]>(m, [
      () => m.find(PersonEntity, { order: { id: 'ASC' } }),
      () => m.find(TeamEntity, { order: { id: 'ASC' } }),
      () => (options.territories ? m.find(TerritoryEntity, { order: { id: 'ASC' } }) : Promise.resolve([])),
    ]);
    return {
      people: people.map((p) => ({
        id: p.id,
        name: p.name,
        roles: p.roles as Role[],
        active: p.active,
        ...(p.teamId ? { teamId: p.teamId } : {}),
        ...(p.managerId ? { managerId: p.managerId } : {}),
      })),
      teams: teams.map((t) => ({ id: t.id, name: t.name, ...(t.managerId ? { managerId: t.managerId } : {}) })),
      ...(options.territories
        ? {
            territories: territories.map((t) => ({
              id: t.id,
              ...(t.parentId ? { parentId: t.parentId } : {}),
              ...(t.ownerPersonId ? { ownerId: t.ownerPersonId } : {}),
              ...(t.teamId ? { teamId: t.teamId } : {}),
            })),
          }
        : {}),
    };
  }

  /**
   * The part of the organisation a request about a few people routes on: them, their managers,
   * their teams and those teams' managers, and everyone holding one of `roles`. Reading the whole
   * organisation for each of 10,000 plan acceptances would read it 10,000 times.
   */
  async around(personIds: readonly string[], roles: readonly Role[], manager?: EntityManager): Promise<Organisation> {
    const m = this.m(manager);
    const ids = [...new Set(personIds)];
    // Two reads (one round trip on the pool): the people (subjects, their managers, their teams'
    // managers, the role holders) and the subjects' teams.
    const [found, teams] = await readTogether<[PersonEntity[], TeamEntity[]]>(m, [
      () =>
        ids.length === 0 && roles.length === 0
          ? Promise.resolve([])
          : m
              .createQueryBuilder(PersonEntity, 'p')
              .where(
                `p.id = ANY(:ids::uuid[])
                 OR p.id IN (SELECT s.manager_id FROM people s WHERE s.id = ANY(:ids::uuid[]))
                 OR p.id IN (SELECT t.manager_id FROM teams t JOIN people s ON s.team_id = t.id WHERE s.id = ANY(:ids::uuid[]))
                 OR p.roles && :roles::text[]`,
                { ids, roles: [...roles] },
              )
              .getMany(),
      () =>
        ids.length === 0
          ? Promise.resolve([])
          : m.createQueryBuilder(TeamEntity, 't').where('t.id IN (SELECT s.team_id FROM people s WHERE s.id = ANY(:ids::uuid[]))', { ids }).getMany(),
    ]);
    const people = new Map<string, PersonEntity>();
    for (const p of found) people.set(p.id, p);
    return {
      people: [...people.values()].sort((a, b) => a.id.localeCompare(b.id)).map((p) => ({
        id: p.id,
        name: p.name,
        roles: p.roles as Role[],
        active: p.active,
        ...(p.teamId ? { teamId: p.teamId } : {}),
        ...(p.managerId ? { managerId: p.managerId } : {}),
      })),
      teams: teams.sort((a, b) => a.id.localeCompare(b.id)).map((t) => ({ id: t.id, name: t.name, ...(t.managerId ? { managerId: t.managerId } : {}) })),
    };
  }

  person(id: string, manager?: EntityManager): Promise<PersonEntity | null> {
    return this.m(manager).findOneBy(PersonEntity, { id });
  }

  async people(ids: readonly string[], manager?: EntityManager): Promise<Map<string, PersonEntity>> {
    if (ids.length === 0) return new Map();
    const found = await this.m(manager).findBy(PersonEntity, { id: In([...new Set(ids)]) });
    return new Map(found.map((p) => [p.id, p]));
  }

  /** Active people holding a role, by email (stable order for messages). */
  withRole(role: Role, manager?: EntityManager): Promise<PersonEntity[]> {
    return this.m(manager)
      .createQueryBuilder(PersonEntity, 'p')
      .where(':role = ANY(p.roles)', { role })
      .andWhere('p.active')
      .orderBy('p.email', 'ASC')
      .getMany();
  }

  /** Teams the person manages. */
  async teamsManagedBy(personId: string, manager?: EntityManager): Promise<string[]> {
    return (await this.m(manager).findBy(TeamEntity, { managerId: personId })).map((t) => t.id);
  }

  /** People whose manager this person is, directly or as the manager of their team. */
  async reportsOf(personId: string, managedTeamIds: readonly string[], manager?: EntityManager): Promise<string[]> {
    const rows = (await this.m(manager).query(
      `SELECT id FROM people WHERE id <> $1 AND (manager_id = $1 OR team_id = ANY($2::uuid[]))`,
      [personId, [...managedTeamIds]],
    )) as { id: string }[];
    return rows.map((r) => r.id);
  }

  team(id: string, manager?: EntityManager): Promise<TeamEntity | null> {
    return this.m(manager).findOneBy(TeamEntity, { id });
  }
}
