// What a team manager may ask of a close under review instead of approving it: adjustments (an
// amount added to a rep's earnings, with its reason, paid as a plan-language `adjustments` line)
// and holds (the rep's payout is not paid in this close; it is carried to the next period). The
// same check runs at the API (with the team of each rep, from the version under review) and in the
// workflow's Update validator (what the workflow knows: shape, amounts, the manager not themselves).
import { DomainError } from '../errors';
import { findInvalidCharacter } from '../text';
import { decCmp, decIsZero } from '../quota/decimal';

export interface CloseAdjustment {
  personId: string;
  /** Exact decimal, at most 2 places; may be negative; never zero. */
  amount: string;
  reason: string;
}

export interface CloseHold {
  personId: string;
  reason: string;
}

export interface CloseChanges {
  adjustments: CloseAdjustment[];
  holds: CloseHold[];
}

/** At most this many adjustments and holds in one request (a manager's review, not an import). */
export const MAX_CLOSE_CHANGES = 100;
/** The largest adjustment either way. */
export const MAX_CLOSE_ADJUSTMENT = '1000000000.00';
const AMOUNT = /^-?\d{1,12}(\.\d{1,2})?$/;
const ID = /^[A-Za-z0-9._:-]{1,100}$/;

function invalid(message: string, field: string): never {
  throw new DomainError('VALIDATION.FAILED', message, { field });
}

function text(value: unknown, field: string, max: number): string {
  if (typeof value !== 'string' || value.trim() === '') invalid(`${field} is required text.`, field);
  const s = value as string;
  if (s.length > max) invalid(`${field} is longer than ${max} characters.`, field);
  const bad = findInvalidCharacter(s);
  if (bad) invalid(`${field}: ${bad.reason} (${bad.codePoint} at ${bad.index}).`, field);
  return s;
}

function exactKeys(value: unknown, keys: readonly string[], field: string): Record<string, unknown> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) invalid(`${field} must be an object.`, field);
  for (const key of Object.keys(value as object)) if (!keys.includes(key)) invalid(`${field}.${key} is not a field of this request.`, `${field}.${key}`);
  return value as Record<string, unknown>;
}

export interface CloseChangesContext {
  /** The manager asking: never about themselves. */
  actorId: string;
  /**
   * Where known (the API: the payouts of the version under review), the team of each rep and the
   * team the manager reviews: a rep outside it is refused.
   */
  team?: { teamId: string; teamOf: ReadonlyMap<string, string | null> };
}

/** The changes, checked: exactly these fields, at least one change, each rep once, exact amounts, reasons given. */
export function checkCloseChanges(value: unknown, ctx: CloseChangesContext): CloseChanges {
  const body = exactKeys(value, ['adjustments', 'holds'], 'changes');
  const lists = { adjustments: body.adjustments ?? [], holds: body.holds ?? [] };
  for (const [name, list] of Object.entries(lists)) if (!Array.isArray(list)) invalid(`${name} must be a list.`, name);
  const adjustments = lists.adjustments as unknown[];
  const holds = lists.holds as unknown[];
  if (adjustments.length + holds.length === 0) invalid('Ask for at least one adjustment or hold.', 'adjustments');
  if (adjustments.length + holds.length > MAX_CLOSE_CHANGES) invalid(`At most ${MAX_CLOSE_CHANGES} adjustments and holds in one request.`, 'adjustments');
  const seen = new Map<string, string>();
  const person = (raw: unknown, field: string): string => {
    if (typeof raw !== 'string' || !ID.test(raw)) invalid(`${field} must be a person id.`, field);
    const id = raw as string;
    if (id === ctx.actorId) throw new DomainError('AUTH.SELF_DECISION', 'Nobody adjusts or holds their own payout.', { field });
    if (seen.has(id)) invalid(`${field}: this rep is already in the request (${seen.get(id)}); one change per rep.`, field);
    if (ctx.team) {
      const team = ctx.team.teamOf.get(id);
      if (team === undefined) throw new DomainError('CLOSE.NOT_IN_VERSION', `${field}: this rep has no payout in the version under review.`, { field, value: id });
      if (team !== ctx.team.teamId) throw new DomainError('AUTH.FORBIDDEN', `${field}: this rep is not in the team you review.`, { field, value: id });
    }
    seen.set(id, field);
    return id;
  };
  const out: CloseChanges = { adjustments: [], holds: [] };
  adjustments.forEach((raw, i) => {
    const field = `adjustments[${i}]`;
    const item = exactKeys(raw, ['personId', 'amount', 'reason'], field);
    const personId = person(item.personId, `${field}.personId`);
    const amount = item.amount;
    if (typeof amount !== 'string' || !AMOUNT.test(amount)) invalid(`${field}.amount must be an exact decimal string with at most 2 places, e.g. "250.00" or "-75.50".`, `${field}.amount`);
    if (decIsZero(amount as string)) invalid(`${field}.amount: an adjustment of zero changes nothing.`, `${field}.amount`);
    const size = (amount as string).startsWith('-') ? (amount as string).slice(1) : (amount as string);
    if (decCmp(size, MAX_CLOSE_ADJUSTMENT) > 0) invalid(`${field}.amount is larger than ${MAX_CLOSE_ADJUSTMENT} either way.`, `${field}.amount`);
    out.adjustments.push({ personId, amount: amount as string, reason: text(item.reason, `${field}.reason`, 500) });
  });
  holds.forEach((raw, i) => {
    const field = `holds[${i}]`;
    const item = exactKeys(raw, ['personId', 'reason'], field);
    out.holds.push({ personId: person(item.personId, `${field}.personId`), reason: text(item.reason, `${field}.reason`, 500) });
  });
  return out;
}

/** The decision comment of a change request when the manager gives none. */
export function closeChangesSummary(changes: CloseChanges): string {
  const part = (n: number, one: string) => (n === 0 ? [] : [`${n} ${one}${n === 1 ? '' : 's'}`]);
  return `Requested ${[...part(changes.adjustments.length, 'adjustment'), ...part(changes.holds.length, 'hold')].join(' and ')}.`;
}

/** The negative payouts of a version not yet acknowledged (the finance approval waits for none). */
export function unacknowledgedNegatives(negativePersonIds: readonly string[], acknowledged: ReadonlySet<string>): string[] {
  return negativePersonIds.filter((id) => !acknowledged.has(id));
}
