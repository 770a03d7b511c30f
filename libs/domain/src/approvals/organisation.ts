// Look-ups over an Organisation snapshot: who manages whom, who holds a role.
import type { ApproverRef, Organisation, PersonRef, TeamRef, TerritoryRef } from './types';

export class OrgIndex {
  private readonly people = new Map<string, PersonRef>();
  private readonly teams = new Map<string, TeamRef>();
  private readonly territories = new Map<string, TerritoryRef>();

  constructor(readonly org: Organisation) {
    for (const person of org.people) this.people.set(person.id, person);
    for (const team of org.teams) this.teams.set(team.id, team);
    for (const territory of org.territories ?? []) this.territories.set(territory.id, territory);
  }

  person(id: string): PersonRef | undefined {
    return this.people.get(id);
  }

  team(id: string): TeamRef | undefined {
    return this.teams.get(id);
  }

  territory(id: string): TerritoryRef | undefined {
    return this.territories.get(id);
  }

  isActive(id: string | undefined): id is string {
    return id !== undefined && this.people.get(id)?.active === true;
  }

  /** The person's manager: explicit, else their team's manager, else the parent team's (when they lead the team). */
  managerOfPerson(personId: string): string | undefined {
    const person = this.people.get(personId);
    if (!person) return undefined;
    if (person.managerId && person.managerId !== personId) return person.managerId;
    let team = person.teamId ? this.teams.get(person.teamId) : undefined;
    const seen = new Set<string>();
    while (team && !seen.has(team.id)) {
      seen.add(team.id);
      if (team.managerId && team.managerId !== personId) return team.managerId;
      team = team.parentTeamId ? this.teams.get(team.parentTeamId) : undefined;
    }
    return undefined;
  }

  managerOfTeam(teamId: string): string | undefined {
    return this.teams.get(teamId)?.managerId;
  }

  /** Explicit manager, else the team's, else the owner's, else the parent territory's. */
  managerOfTerritory(territoryId: string): string | undefined {
    const seen = new Set<string>();
    let territory = this.territories.get(territoryId);
    while (territory && !seen.has(territory.id)) {
      seen.add(territory.id);
      const manager =
        territory.managerId ??
        (territory.teamId ? this.managerOfTeam(territory.teamId) : undefined) ??
        (territory.ownerId ? this.managerOfPerson(territory.ownerId) : undefined);
      if (manager) return manager;
      territory = territory.parentId ? this.territories.get(territory.parentId) : undefined;
    }
    return undefined;
  }

  /** Active people an approver reference designates (inactive or unknown people designate nobody). */
  resolve(ref: ApproverRef): string[] {
    switch (ref.kind) {
      case 'person':
        return this.isActive(ref.personId) ? [ref.personId] : [];
      case 'role':
        return this.org.people
          .filter((p) => p.active && p.roles.includes(ref.role) && (ref.teamId === undefined || p.teamId === ref.teamId))
          .map((p) => p.id);
      case 'manager-of': {
        const manager = ref.territoryId
          ? this.managerOfTerritory(ref.territoryId)
          : ref.teamId
            ? this.managerOfTeam(ref.teamId)
            : ref.personId
              ? this.managerOfPerson(ref.personId)
              : undefined;
        return this.isActive(manager) ? [manager] : [];
      }
    }
  }
}
