import { Injectable } from '@nestjs/common';
import type { ActorScope } from '@quotaflow/domain';
import { OrganisationRepository } from '@quotaflow/persistence';
import type { Principal } from '../auth/principal';

/** The one place that loads who the caller is to the organisation (teams managed, reports) for the access rules. */
@Injectable()
export class AccessService {
  constructor(private readonly organisation: OrganisationRepository) {}

  async scope(actor: Principal): Promise<ActorScope> {
    if (!actor.roles.includes('manager')) return { id: actor.id, roles: actor.roles, managedTeamIds: [], reportIds: [] };
    const managedTeamIds = await this.organisation.teamsManagedBy(actor.id);
    const reportIds = await this.organisation.reportsOf(actor.id, managedTeamIds);
    return { id: actor.id, roles: actor.roles, managedTeamIds, reportIds };
  }
}
