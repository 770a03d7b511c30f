// Who may read what, by role and by relation — one rule per subject, used by every API service.
// Pure: the caller loads the facts (the actor's teams and reports, the subject's people) and
// shapes its answer by the level granted, field by field.
import type { Role } from '../approvals/types';

/** Roles that read everything (the auditor reads all and changes nothing). */
export const READ_ALL_ROLES: readonly Role[] = ['finance', 'ops', 'auditor', 'admin'];

export interface ActorScope {
  id: string;
  roles: readonly Role[];
  /** Teams this person manages (and their sub-teams). */
  managedTeamIds: readonly string[];
  /** People whose manager this person is (directly or through a managed team). */
  reportIds: readonly string[];
}

export function readsEverything(actor: ActorScope): boolean {
  return actor.roles.some((r) => READ_ALL_ROLES.includes(r));
}

export type AccessLevel = 'full' | 'team' | 'own' | 'none';

/** A plan assignment: the rep, their manager, and the read-all roles. */
export function planAssignmentAccess(actor: ActorScope, subject: { personId: string; managerId: string | null; teamId: string | null }): 'full' | 'none' {
  if (readsEverything(actor) || actor.id === subject.personId) return 'full';
  if (subject.managerId === actor.id || actor.reportIds.includes(subject.personId)) return 'full';
  if (subject.teamId !== null && actor.managedTeamIds.includes(subject.teamId)) return 'full';
  return 'none';
}

/**
 * A quota set: read-all roles see everything (company target, every line, finance's flags); a
 * manager the lines of the teams they manage; a rep their own line. Nobody else sees it.
 */
export function quotaSetAccess(actor: ActorScope, lines: readonly { personId: string; teamId: string }[]): { level: AccessLevel; teamIds: string[] } {
  if (readsEverything(actor)) return { level: 'full', teamIds: [] };
  const teamIds = [...new Set(lines.filter((l) => actor.managedTeamIds.includes(l.teamId)).map((l) => l.teamId))];
  if (teamIds.length > 0) return { level: 'team', teamIds };
  if (lines.some((l) => l.personId === actor.id)) return { level: 'own', teamIds: [] };
  return { level: 'none', teamIds: [] };
}

/**
 * A territory change: read-all roles, the requester and the managers of the losing and gaining
 * territories read it whole (impact included); a rep whose accounts move sees the change and
 * their own figures only; anyone else nothing.
 */
export function territoryChangeAccess(
  actor: ActorScope,
  subject: { requesterId: string; managerIds: readonly string[]; repIds: readonly string[] },
): 'full' | 'own' | 'none' {
  if (readsEverything(actor) || actor.id === subject.requesterId || subject.managerIds.includes(actor.id)) return 'full';
  if (subject.repIds.includes(actor.id)) return 'own';
  return 'none';
}

/**
 * A territory: everyone sees the tree (names, owners, counts); its accounts only read-all roles,
 * its owner, and the managers of the territory (through its team, owner or an ancestor).
 */
export function territoryAccess(actor: ActorScope, subject: { ownerId?: string; managerIds: readonly string[] }): 'full' | 'summary' {
  if (readsEverything(actor) || actor.id === subject.ownerId || subject.managerIds.includes(actor.id)) return 'full';
  return 'summary';
}

/** An approval task: its approver and the read-all roles; the other stages of the request only for read-all roles. */
export function approvalTaskAccess(actor: ActorScope, task: { approverId: string }): { task: boolean; siblings: boolean } {
  const all = readsEverything(actor);
  return { task: all || task.approverId === actor.id, siblings: all };
}

/** A person: read-all roles, themselves, and their manager. */
export function personAccess(actor: ActorScope, person: { id: string; managerId: string | null; teamId: string | null }): boolean {
  return (
    readsEverything(actor) ||
    actor.id === person.id ||
    person.managerId === actor.id ||
    (person.teamId !== null && actor.managedTeamIds.includes(person.teamId))
  );
}

/** A rep's commission statement: the rep, their manager (or a manager of their team at the close), and the read-all roles. */
export function statementAccess(actor: ActorScope, statement: { personId: string; managerId: string | null; teamId: string | null }): boolean {
  return planAssignmentAccess(actor, statement) === 'full';
}
