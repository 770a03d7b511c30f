import type { AccountMoveImpact, Territory } from '@quotaflow/domain';
import { DataSource, In, type EntityManager } from 'typeorm';
import { AccountEntity } from '../entities/account.entity';
import { TerritoryChangeAccountEntity } from '../entities/territory-change-account.entity';
import { TerritoryChangeEntity, type TerritoryChangeState } from '../entities/territory-change.entity';
import { TerritoryEntity } from '../entities/territory.entity';

export const PENDING_TERRITORY_CHANGE_STATES: readonly TerritoryChangeState[] = ['requested', 'in_review', 'approved', 'scheduled'];
const FINAL: readonly TerritoryChangeState[] = ['applied', 'cancelled', 'rejected', 'failed'];
const BATCH = 1000;

export interface AccountFigures {
  accountId: string;
  territoryId: string;
  trailingRevenue: string;
  openPipeline: string;
}

/** The day a year before `date` (trailing-twelve-month windows); ISO dates compare as text. */
export function yearBefore(date: string): string {
  return `${String(Number(date.slice(0, 4)) - 1).padStart(4, '0')}${date.slice(4)}`;
}

/**
 * Territories, accounts and territory changes: the tree, who owned what when, the figures a
 * change moves (summed by the database, any number of accounts), and the apply.
 */
export class TerritoryRepository {
  constructor(private readonly dataSource: DataSource) {}

  private m(manager?: EntityManager): EntityManager {
    return manager ?? this.dataSource.manager;
  }

  async tree(manager?: EntityManager): Promise<{ rows: TerritoryEntity[]; tree: Territory[] }> {
    const rows = await this.m(manager).find(TerritoryEntity, { order: { name: 'ASC' } });
    const tree = rows.map((t) => ({
      id: t.id,
      name: t.name,
      ...(t.parentId ? { parentId: t.parentId } : {}),
      ...(t.ownerPersonId ? { ownerId: t.ownerPersonId } : {}),
      ...(t.teamId ? { teamId: t.teamId } : {}),
    }));
    return { rows, tree };
  }

  change(id: string, manager?: EntityManager, lock = false): Promise<TerritoryChangeEntity | null> {
    return this.m(manager).findOne(TerritoryChangeEntity, { where: { id }, ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}) });
  }

  /** Moves the change (the workflow is its only writer after creation); a final state stays final. */
  async setState(m: EntityManager, id: string, changes: Partial<Omit<TerritoryChangeEntity, 'id'>> & { status: TerritoryChangeState }): Promise<boolean> {
    const change = await this.change(id, m, true);
    if (!change) return false;
    if (FINAL.includes(change.status) && change.status !== changes.status) return false;
    await m.update(TerritoryChangeEntity, { id }, changes as never);
    return true;
  }

  /** Accounts of the list that are not in `territoryId` (a change may only move the losing territory's). */
  async accountsOutside(accountIds: readonly string[], territoryId: string, manager?: EntityManager): Promise<string[]> {
    const rows = (await this.m(manager).query(
      `SELECT m.id::text AS id FROM unnest($1::uuid[]) AS m(id) LEFT JOIN accounts a ON a.id = m.id WHERE a.id IS NULL OR a.territory_id <> $2`,
      [[...accountIds], territoryId],
    )) as { id: string }[];
    return rows.map((r) => r.id);
  }

  /** Won revenue of the trailing twelve months and open pipeline of each account, summed by the database. */
  async accountFigures(accountIds: readonly string[], asOf: string, manager?: EntityManager): Promise<AccountFigures[]> {
    const rows = (await this.m(manager).query(
      `SELECT a.id AS "accountId", a.territory_id AS "territoryId",
              COALESCE(SUM(d.amount) FILTER (WHERE d.stage = 'won' AND d.close_date > $2 AND d.close_date <= $3), 0)::text AS "trailingRevenue",
              COALESCE(SUM(d.amount) FILTER (WHERE d.stage = 'open'), 0)::text AS "openPipeline"
       FROM accounts a LEFT JOIN deals d ON d.account_id = a.id
       WHERE a.id = ANY($1::uuid[])
       GROUP BY a.id, a.territory_id
       ORDER BY array_position($1::uuid[], a.id)`,
      [[...accountIds], yearBefore(asOf), asOf],
    )) as AccountFigures[];
    return rows;
  }

  /** Trailing-twelve-month won revenue per territory (of the territories asked). */
  async territoryRevenue(territoryIds: readonly string[], asOf: string, manager?: EntityManager): Promise<Map<string, string>> {
    if (territoryIds.length === 0) return new Map();
    const rows = (await this.m(manager).query(
      `SELECT a.territory_id AS "territoryId", COALESCE(SUM(d.amount), 0)::text AS revenue
       FROM accounts a JOIN deals d ON d.account_id = a.id
       WHERE a.territory_id = ANY($1::uuid[]) AND d.stage = 'won' AND d.close_date > $2 AND d.close_date <= $3
       GROUP BY a.territory_id`,
      [[...territoryIds], yearBefore(asOf), asOf],
    )) as { territoryId: string; revenue: string }[];
    return new Map(rows.map((r) => [r.territoryId, r.revenue]));
  }

  /** Stores the moving accounts' figures once (a retried activity inserts nothing new). */
  async storeMovingAccounts(m: EntityManager, changeId: string, moving: readonly AccountMoveImpact[]): Promise<void> {
    for (let i = 0; i < moving.length; i += BATCH) {
      await m
        .createQueryBuilder()
        .insert()
        .into(TerritoryChangeAccountEntity)
        .values(moving.slice(i, i + BATCH).map((a) => ({
          changeId,
          accountId: a.accountId,
          fromTerritoryId: a.fromTerritoryId,
          toTerritoryId: a.toTerritoryId,
          fromOwnerId: a.fromOwnerId ?? null,
          toOwnerId: a.toOwnerId ?? null,
          trailingRevenue: a.trailingRevenue,
          openPipeline: a.openPipeline,
        })))
        .orIgnore()
        .updateEntity(false)
        .execute();
    }
  }

  /** The moving accounts, keyset-paginated by account id. */
  movingAccounts(changeId: string, page: { limit: number; after?: string }, manager?: EntityManager): Promise<TerritoryChangeAccountEntity[]> {
    const qb = this.m(manager).createQueryBuilder(TerritoryChangeAccountEntity, 'a').where('a.change_id = :changeId', { changeId });
    if (page.after) qb.andWhere('a.account_id > :after', { after: page.after });
    return qb.orderBy('a.account_id', 'ASC').take(page.limit).getMany();
  }

  /**
   * Applies a change at its effective date, in set-based SQL: the ownership row covering that
   * day is split (the old owner up to it, the new from it), a row starting that very day changes
   * hands, an account without history gets one from that day. Idempotent by change id.
   */
  async apply(m: EntityManager, change: TerritoryChangeEntity): Promise<number> {
    const at = change.effectiveDate;
    await m.query(`
      CREATE TEMP TABLE moving_accounts ON COMMIT DROP AS
      SELECT ids.account_id, c.id AS covering_id, c.effective_from AS covering_from, c.effective_to AS covering_to,
             (SELECT min(n.effective_from) FROM account_ownership n WHERE n.account_id = ids.account_id AND n.effective_from > $2::date) AS next_from
      FROM unnest($1::uuid[]) AS ids(account_id)
      LEFT JOIN account_ownership c
        ON c.account_id = ids.account_id AND c.effective_from <= $2::date AND (c.effective_to IS NULL OR c.effective_to > $2::date)`,
      [change.accountIds, at]);
    await m.query(
      `UPDATE account_ownership o SET territory_id = $1, change_id = $2 FROM moving_accounts mv WHERE o.id = mv.covering_id AND mv.covering_from = $3::date`,
      [change.toTerritoryId, change.id, at],
    );
    await m.query(`UPDATE account_ownership o SET effective_to = $1::date FROM moving_accounts mv WHERE o.id = mv.covering_id AND mv.covering_from <> $1::date`, [at]);
    await m.query(
      `INSERT INTO account_ownership (account_id, territory_id, effective_from, effective_to, change_id)
       SELECT mv.account_id, $1, $2::date, COALESCE(mv.covering_to, CASE WHEN mv.covering_id IS NULL THEN mv.next_from END), $3
       FROM moving_accounts mv WHERE mv.covering_id IS NULL OR mv.covering_from <> $2::date
       ON CONFLICT DO NOTHING`,
      [change.toTerritoryId, at, change.id],
    );
    await m.query(`DROP TABLE moving_accounts`);
    const moved = await m.update(AccountEntity, { id: In(change.accountIds) }, { territoryId: change.toTerritoryId });
    return moved.affected ?? change.accountIds.length;
  }
}
