// The territory tree: validation, ancestry and who owns a territory's accounts.
import { DomainError } from '../errors';
import type { Territory } from './types';

function invalid(field: string, message: string): DomainError {
  return new DomainError('VALIDATION.FAILED', message, { field });
}

/** Unique ids, known parents, no cycles. */
export function validateTerritoryHierarchy(territories: readonly Territory[]): void {
  const byId = new Map<string, Territory>();
  territories.forEach((t, i) => {
    if (byId.has(t.id)) throw invalid(`territories[${i}].id`, `territory ${t.id} is listed twice`);
    byId.set(t.id, t);
  });
  territories.forEach((t, i) => {
    if (t.parentId !== undefined && !byId.has(t.parentId)) {
      throw invalid(`territories[${i}].parentId`, `unknown parent territory ${t.parentId}`);
    }
    const seen = new Set<string>([t.id]);
    let parent = t.parentId ? byId.get(t.parentId) : undefined;
    while (parent) {
      if (seen.has(parent.id)) throw invalid(`territories[${i}].parentId`, `territory ${t.id} is its own ancestor`);
      seen.add(parent.id);
      parent = parent.parentId ? byId.get(parent.parentId) : undefined;
    }
  });
}

/** Parent first, root last. */
export function ancestorsOf(territories: readonly Territory[], territoryId: string): Territory[] {
  const byId = new Map(territories.map((t) => [t.id, t]));
  const result: Territory[] = [];
  const seen = new Set<string>([territoryId]);
  let parentId = byId.get(territoryId)?.parentId;
  while (parentId !== undefined && !seen.has(parentId)) {
    const parent = byId.get(parentId);
    if (!parent) break;
    result.push(parent);
    seen.add(parentId);
    parentId = parent.parentId;
  }
  return result;
}


/** The rep owning the territory's accounts: its own owner, else the nearest ancestor's. */
export function ownerOfTerritory(territories: readonly Territory[], territoryId: string): string | undefined {
  const self = territories.find((t) => t.id === territoryId);
  if (!self) return undefined;
  return self.ownerId ?? ancestorsOf(territories, territoryId).find((t) => t.ownerId !== undefined)?.ownerId;
}
