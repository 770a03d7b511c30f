import type { Role } from '@quotaflow/domain';

/** Who is calling: loaded from the database on every request, never trusted from the token alone. */
export interface Principal {
  id: string;
  name: string;
  email: string;
  roles: Role[];
  teamId: string | null;
  managerId: string | null;
}

export const ALL_ROLES: readonly Role[] = ['rep', 'manager', 'finance', 'ops', 'auditor', 'admin'];
/** Roles that may read everything (the auditor reads all and changes nothing). */
export const READ_ALL: readonly Role[] = ['finance', 'ops', 'auditor', 'admin'];
