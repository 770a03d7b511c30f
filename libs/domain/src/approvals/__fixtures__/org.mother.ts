// Test organisation ("mother"): two sales teams under a director, a team whose manager is also in
// finance, a team whose manager left, and a few territories.
import type { Organisation, PersonRef, Role } from '../types';

function person(id: string, roles: Role[], teamId?: string, extra: Partial<PersonRef> = {}): PersonRef {
  return { id, roles, active: true, ...(teamId ? { teamId } : {}), ...extra };
}

export function salesOrg(): Organisation {
  return {
    people: [
      person('ops1', ['ops']),
      person('ops2', ['ops']),
      person('fin1', ['finance']),
      person('fin2', ['finance']),
      person('director', ['manager'], 'sales'),
      person('mgrA', ['manager', 'rep'], 'A'),
      person('mgrB', ['manager'], 'B'),
      person('mgrC', ['manager'], 'C', { active: false }),
      person('mgrFin', ['manager', 'finance'], 'D'),
      person('repA1', ['rep'], 'A'),
      person('repA2', ['rep'], 'A'),
      person('repA3', ['rep'], 'A', { active: false }),
      person('repB1', ['rep'], 'B'),
      person('repC1', ['rep'], 'C'),
      person('repD1', ['rep'], 'D'),
      person('loner', ['rep']),
      person('auditor1', ['auditor']),
    ],
    teams: [
      { id: 'sales', managerId: 'director' },
      { id: 'A', managerId: 'mgrA', parentTeamId: 'sales' },
      { id: 'B', managerId: 'mgrB', parentTeamId: 'sales' },
      { id: 'C', managerId: 'mgrC', parentTeamId: 'sales' },
      { id: 'D', managerId: 'mgrFin' },
      { id: 'E', managerId: 'mgrA', parentTeamId: 'sales' },
    ],
    territories: [
      { id: 'west', ownerId: 'repA1', teamId: 'A' },
      { id: 'west-sub', parentId: 'west' },
      { id: 'east', ownerId: 'repB1', teamId: 'B' },
      { id: 'north', ownerId: 'repD1', teamId: 'D' },
      { id: 'south', managerId: 'director' },
      { id: 'orphan' },
      { id: 'orphan2' },
    ],
  };
}

/** The same organisation with some people removed (e.g. the only other finance person). */
export function salesOrgWithout(...ids: string[]): Organisation {
  const org = salesOrg();
  return { ...org, people: org.people.filter((p) => !ids.includes(p.id)) };
}

/** The organisation with people removed and others added (e.g. someone in both ops and finance). */
export function salesOrgWith(add: PersonRef[], ...remove: string[]): Organisation {
  const org = salesOrgWithout(...remove);
  return { ...org, people: [...org.people, ...add] };
}

export { person };
