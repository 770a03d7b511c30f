// FROZEN: generation 1 activities, for workflows started before the approval kernel (libs/workflows/src/legacy/gen1).
import { Injectable } from '@nestjs/common';
import { ApplicationFailure } from '@temporalio/common';
import { computeTerritoryImpact, isDomainError, type Organisation, type Role } from '@quotaflow/domain';
import {
  AccountEntity, AccountOwnershipEntity, DealEntity, PersonEntity, TeamEntity, TerritoryChangeEntity, TerritoryEntity,
} from '@quotaflow/persistence';
import type {
  ApplyTerritoryChangeInput, ApplyTerritoryChangeResult, ComputeTerritoryImpactInput, ComputeTerritoryImpactResult, SetTerritoryChangeStateInput,
} from '@quotaflow/workflows/legacy/gen1/territory-change.activities';
import { DataSource, In, type EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';

const FINAL = ['applied', 'cancelled', 'rejected'];

function permanent(type: string, message: string, details?: unknown): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: true, details: details === undefined ? [] : [details] });
}

/** The day before `date` one year earlier is outside the window; ISO dates compare as text. */
function yearBefore(date: string): string {
  return `${String(Number(date.slice(0, 4)) - 1).padStart(4, '0')}${date.slice(4)}`;
}

/**
 * The territory change's activities: impact over the database rows, the read model, and the
 * apply — one transaction, idempotent by change id (a second run finds the change applied).
 */
@Injectable()
export class TerritoryChangeActivity {
  constructor(private readonly dataSource: DataSource) {}

  async computeTerritoryChangeImpact({ changeId, asOf }: ComputeTerritoryImpactInput): Promise<ComputeTerritoryImpactResult> {
    const m = this.dataSource.manager;
    const change = await this.load(m, changeId);
    const [territories, accounts, people, teams] = await Promise.all([
      m.find(TerritoryEntity),
      m.find(AccountEntity),
      m.find(PersonEntity),
      m.find(TeamEntity),
    ]);
    const misplaced = change.accountIds.filter((id) => accounts.find((a) => a.id === id)?.territoryId !== change.fromTerritoryId);
    if (misplaced.length > 0) {
      throw permanent('VALIDATION.FAILED', `Accounts not in the losing territory: ${misplaced.join(', ')}.`, { field: 'accountIds', value: misplaced });
    }
    // Won deals of the trailing year and every open deal; lost ones never count.
    const deals = await m.createQueryBuilder(DealEntity, 'd')
      .where(`d.stage = 'open' OR (d.stage = 'won' AND d.close_date > :from AND d.close_date <= :asOf)`, { from: yearBefore(asOf), asOf })
      .getMany();
    const territoryRefs = territories.map((t) => ({
      id: t.id,
      name: t.name,
      ...(t.parentId ? { parentId: t.parentId } : {}),
      ...(t.ownerPersonId ? { ownerId: t.ownerPersonId } : {}),
      ...(t.teamId ? { teamId: t.teamId } : {}),
    }));
    const organisation: Organisation = {
      people: people.map((p) => ({ id: p.id, roles: p.roles as Role[], active: p.active, ...(p.teamId ? { teamId: p.teamId } : {}), ...(p.managerId ? { managerId: p.managerId } : {}) })),
      teams: teams.map((t) => ({ id: t.id, ...(t.managerId ? { managerId: t.managerId } : {}) })),
      territories: territoryRefs,
    };
    try {
      const impact = computeTerritoryImpact({
        territories: territoryRefs,
        ownership: accounts.map((a) => ({ accountId: a.id, territoryId: a.territoryId })),
        moves: change.accountIds.map((accountId) => ({ accountId, toTerritoryId: change.toTerritoryId })),
        transactions: deals.map((d) => ({ accountId: d.accountId, amount: d.amount, date: d.closeDate, status: d.stage })),
        asOf,
        quotas: people.filter((p) => typeof p.attributes?.annualQuota === 'string').map((p) => ({ personId: p.id, amount: p.attributes.annualQuota! })),
        people: organisation.people,
        teams: organisation.teams,
      });
      return { impact, organisation };
    } catch (e) {
      if (isDomainError(e)) throw permanent(e.code, e.message, e.details);
      throw e;
    }
  }

  async setTerritoryChangeState(input: SetTerritoryChangeStateInput): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      const change = await this.load(m, input.changeId, true);
      // The workflow is the only writer; a final state stays final (a retried older write is a no-op).
      if (FINAL.includes(change.status) && change.status !== input.status) return;
      const changes: Partial<TerritoryChangeEntity> = { status: input.status };
      if (input.impact) changes.impact = input.impact as unknown as Record<string, unknown>;
      if (input.stages) changes.stages = input.stages as unknown as Record<string, unknown>[];
      if (input.nextDeadline !== undefined) changes.nextDeadline = input.nextDeadline ? new Date(input.nextDeadline) : null;
      if (input.comment !== undefined) changes.comment = input.comment;
      if (input.decidedAt) changes.decidedAt = new Date(input.decidedAt);
      if (input.cancelledById) changes.cancelledById = input.cancelledById;
      if (input.cancelledAt) changes.cancelledAt = new Date(input.cancelledAt);
      await m.update(TerritoryChangeEntity, { id: change.id }, changes as QueryDeepPartialEntity<TerritoryChangeEntity>);
    });
  }

  async applyTerritoryChange({ changeId, appliedAt }: ApplyTerritoryChangeInput): Promise<ApplyTerritoryChangeResult> {
    return this.dataSource.transaction(async (m) => {
      const change = await this.load(m, changeId, true);
      if (change.status === 'applied') return { accountsMoved: change.accountIds.length, alreadyApplied: true };
      if (change.status === 'cancelled' || change.status === 'rejected') {
        throw permanent('TERRITORY_CHANGE.NOT_PENDING', `Territory change ${changeId} is ${change.status}.`);
      }
      const at = change.effectiveDate;
      for (const accountId of change.accountIds) {
        const covering = await m.createQueryBuilder(AccountOwnershipEntity, 'o')
          .setLock('pessimistic_write')
          .where('o.account_id = :accountId AND o.effective_from <= :at AND (o.effective_to IS NULL OR o.effective_to > :at)', { accountId, at })
          .getOne();
        if (covering && covering.effectiveFrom === at) {
          // Owned since that very day: the new owner takes the whole period.
          await m.update(AccountOwnershipEntity, { id: covering.id }, { territoryId: change.toTerritoryId, changeId });
        } else {
          let until: string | null = covering?.effectiveTo ?? null;
          if (covering) {
            await m.update(AccountOwnershipEntity, { id: covering.id }, { effectiveTo: at });
          } else {
            const next = await m.createQueryBuilder(AccountOwnershipEntity, 'o')
              .where('o.account_id = :accountId AND o.effective_from > :at', { accountId, at })
              .orderBy('o.effective_from', 'ASC').getOne();
            until = next?.effectiveFrom ?? null;
          }
          await m.insert(AccountOwnershipEntity, { accountId, territoryId: change.toTerritoryId, effectiveFrom: at, effectiveTo: until, changeId });
        }
      }
      await m.update(AccountEntity, { id: In(change.accountIds) }, { territoryId: change.toTerritoryId });
      await m.update(TerritoryChangeEntity, { id: changeId }, { status: 'applied', appliedAt: new Date(appliedAt), nextDeadline: null });
      return { accountsMoved: change.accountIds.length, alreadyApplied: false };
    });
  }

  private async load(m: EntityManager, id: string, lock = false): Promise<TerritoryChangeEntity> {
    const change = await m.findOne(TerritoryChangeEntity, { where: { id }, ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}) });
    if (!change) throw permanent('TERRITORY_CHANGE.NOT_FOUND', `No territory change ${id}.`);
    return change;
  }
}
