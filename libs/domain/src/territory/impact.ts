// What a territory change moves: accounts, trailing-twelve-month revenue, open pipeline, the reps
// and managers concerned, and a suggested quota adjustment that follows the revenue.
import { OrgIndex } from '../approvals/organisation';
import { DomainError } from '../errors';
import { decAdd, decDiv, decIsZero, decMul, decNeg, decSum, isDecimalString, toMoney } from '../quota/decimal';
import { ownerOfTerritory, validateTerritoryHierarchy } from './hierarchy';
import type { AccountMoveImpact, QuotaAdjustmentSuggestion, TerritoryImpact, TerritoryImpactInput } from './types';

const DATE_PATTERN = /^(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

function invalid(field: string, message: string): DomainError {
  return new DomainError('VALIDATION.FAILED', message, { field });
}

/** ISO dates compare as strings, so the window needs no Date (and no time zone). */
function trailingYearStart(asOf: string): string {
  const match = DATE_PATTERN.exec(asOf);
  if (!match) throw invalid('asOf', 'must be a date YYYY-MM-DD');
  return `${String(Number(match[1]) - 1).padStart(4, '0')}-${match[2]}-${match[3]}`;
}

function pushUnique(list: string[], value: string | undefined): void {
  if (value !== undefined && !list.includes(value)) list.push(value);
}

export function computeTerritoryImpact(input: TerritoryImpactInput): TerritoryImpact {
  validateTerritoryHierarchy(input.territories);
  const windowStart = trailingYearStart(input.asOf);
  const territoryIds = new Set(input.territories.map((t) => t.id));

  const territoryOfAccount = new Map<string, string>();
  input.ownership.forEach((o, i) => {
    if (territoryOfAccount.has(o.accountId)) throw invalid(`ownership[${i}].accountId`, `account ${o.accountId} has two territories`);
    if (!territoryIds.has(o.territoryId)) throw invalid(`ownership[${i}].territoryId`, `unknown territory ${o.territoryId}`);
    territoryOfAccount.set(o.accountId, o.territoryId);
  });

  const revenue = new Map<string, string>();
  const pipeline = new Map<string, string>();
  input.transactions.forEach((t, i) => {
    if (!isDecimalString(t.amount)) throw invalid(`transactions[${i}].amount`, 'must be a decimal string');
    if (!DATE_PATTERN.test(t.date)) throw invalid(`transactions[${i}].date`, 'must be a date YYYY-MM-DD');
    if (t.status === 'won' && t.date > windowStart && t.date <= input.asOf) {
      revenue.set(t.accountId, decAdd(revenue.get(t.accountId) ?? '0', t.amount));
    } else if (t.status === 'open') {
      pipeline.set(t.accountId, decAdd(pipeline.get(t.accountId) ?? '0', t.amount));
    }
  });

  const owner = (territoryId: string): string | undefined => ownerOfTerritory(input.territories, territoryId);
  const repRevenue = new Map<string, string>();
  for (const [accountId, territoryId] of territoryOfAccount) {
    const rep = owner(territoryId);
    if (rep) repRevenue.set(rep, decAdd(repRevenue.get(rep) ?? '0', revenue.get(accountId) ?? '0'));
  }

  const seenMoves = new Set<string>();
  const moves: AccountMoveTotals[] = input.moves.map((move, i) => {
    const fromTerritoryId = territoryOfAccount.get(move.accountId);
    if (fromTerritoryId === undefined) throw invalid(`moves[${i}].accountId`, `account ${move.accountId} has no territory`);
    if (seenMoves.has(move.accountId)) throw invalid(`moves[${i}].accountId`, `account ${move.accountId} moves twice`);
    seenMoves.add(move.accountId);
    return {
      accountId: move.accountId,
      fromTerritoryId,
      toTerritoryId: move.toTerritoryId,
      trailingRevenue: revenue.get(move.accountId) ?? '0',
      openPipeline: pipeline.get(move.accountId) ?? '0',
    };
  });
  return summariseTerritoryImpact({
    territories: input.territories,
    moves,
    repRevenue: Object.fromEntries(repRevenue),
    quotas: input.quotas,
    ...(input.people ? { people: input.people } : {}),
    ...(input.teams ? { teams: input.teams } : {}),
  });
}

/** One moving account with its figures already summed (by the caller, or by SQL over many rows). */
export interface AccountMoveTotals {
  accountId: string;
  fromTerritoryId: string;
  toTerritoryId: string;
  trailingRevenue: string;
  openPipeline: string;
}

export interface TerritoryImpactTotals {
  territories: TerritoryImpactInput['territories'];
  moves: AccountMoveTotals[];
  /** Trailing-twelve-month revenue of each rep whose accounts move (the base their quota share is taken from). */
  repRevenue: Record<string, string>;
  quotas: TerritoryImpactInput['quotas'];
  people?: TerritoryImpactInput['people'];
  teams?: TerritoryImpactInput['teams'];
}

/**
 * The impact from figures summed per account and per rep: what the database computes for a
 * change of ten thousand accounts, and what computeTerritoryImpact computes from rows.
 */
export function summariseTerritoryImpact(input: TerritoryImpactTotals): TerritoryImpact {
  validateTerritoryHierarchy(input.territories);
  const territoryIds = new Set(input.territories.map((t) => t.id));
  const owner = (territoryId: string): string | undefined => ownerOfTerritory(input.territories, territoryId);
  const repRevenue = new Map(Object.entries(input.repRevenue));
  const accountsMoving: AccountMoveImpact[] = input.moves.map((move, i) => {
    const { fromTerritoryId } = move;
    if (!territoryIds.has(move.toTerritoryId)) throw invalid(`moves[${i}].toTerritoryId`, `unknown territory ${move.toTerritoryId}`);
    if (move.toTerritoryId === fromTerritoryId) throw invalid(`moves[${i}].toTerritoryId`, 'the account is already there');
    for (const field of ['trailingRevenue', 'openPipeline'] as const) {
      if (!isDecimalString(move[field])) throw invalid(`moves[${i}].${field}`, 'must be a decimal string');
    }
    const fromOwnerId = owner(fromTerritoryId);
    const toOwnerId = owner(move.toTerritoryId);
    return {
      accountId: move.accountId,
      fromTerritoryId,
      toTerritoryId: move.toTerritoryId,
      ...(fromOwnerId !== undefined ? { fromOwnerId } : {}),
      ...(toOwnerId !== undefined ? { toOwnerId } : {}),
      trailingRevenue: toMoney(move.trailingRevenue),
      openPipeline: toMoney(move.openPipeline),
    };
  });

  const losingTerritoryIds: string[] = [];
  const gainingTerritoryIds: string[] = [];
  const repsAffected: string[] = [];
  for (const move of accountsMoving) {
    pushUnique(losingTerritoryIds, move.fromTerritoryId);
    pushUnique(gainingTerritoryIds, move.toTerritoryId);
    pushUnique(repsAffected, move.fromOwnerId);
    pushUnique(repsAffected, move.toOwnerId);
  }

  const org = new OrgIndex({
    people: (input.people ?? []).map((p) => ({ ...p, roles: [], active: true })),
    teams: input.teams ?? [],
    territories: input.territories,
  });
  const managersAffected: string[] = [];
  for (const territoryId of [...losingTerritoryIds, ...gainingTerritoryIds]) pushUnique(managersAffected, org.managerOfTerritory(territoryId));

  const quotaOf = new Map<string, string>();
  input.quotas.forEach((q, i) => {
    if (!isDecimalString(q.amount)) throw invalid(`quotas[${i}].amount`, 'must be a decimal string');
    quotaOf.set(q.personId, q.amount);
  });
  // The quota follows the revenue: per (losing rep, gaining rep) pair, rounded once, so what one
  // rep gives up the other takes and the team/company total is unchanged.
  const moved = new Map<string, string>();
  const change = new Map<string, string>();
  const add = (map: Map<string, string>, key: string, amount: string): void => {
    map.set(key, decAdd(map.get(key) ?? '0', amount));
  };
  const pairs = new Map<string, { from: string; to?: string; revenue: string }>();
  for (const move of accountsMoving) {
    if (move.fromOwnerId === undefined || move.fromOwnerId === move.toOwnerId) continue;
    const key = `${move.fromOwnerId}\u0000${move.toOwnerId ?? ''}`;
    const pair = pairs.get(key) ?? { from: move.fromOwnerId, ...(move.toOwnerId ? { to: move.toOwnerId } : {}), revenue: '0' };
    pairs.set(key, { ...pair, revenue: decAdd(pair.revenue, move.trailingRevenue) });
  }
  for (const pair of pairs.values()) {
    const base = repRevenue.get(pair.from) ?? '0';
    const quota = quotaOf.get(pair.from);
    const share = quota === undefined || decIsZero(base) ? '0.00' : decDiv(decMul(pair.revenue, quota), base, 2);
    add(moved, pair.from, decNeg(pair.revenue));
    add(change, pair.from, decNeg(share));
    if (pair.to !== undefined) {
      add(moved, pair.to, pair.revenue);
      add(change, pair.to, share);
    }
  }
  const quotaAdjustments: QuotaAdjustmentSuggestion[] = repsAffected.map((personId) => {
    const quota = quotaOf.get(personId);
    return {
      personId,
      ...(quota !== undefined ? { quota: toMoney(quota) } : {}),
      trailingRevenue: toMoney(repRevenue.get(personId) ?? '0'),
      revenueMoved: toMoney(moved.get(personId) ?? '0'),
      suggestedChange: toMoney(change.get(personId) ?? '0'),
    };
  });

  return {
    accountsMoving,
    revenueMoved: decSum(accountsMoving.map((m) => m.trailingRevenue)),
    pipelineMoved: decSum(accountsMoving.map((m) => m.openPipeline)),
    losingTerritoryIds,
    gainingTerritoryIds,
    repsAffected,
    managersAffected,
    quotaAdjustments,
  };
}
