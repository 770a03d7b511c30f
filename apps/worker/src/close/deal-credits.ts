// Deals as the close reads them and the credit rows they give: one rule for the period's own deals
// and for the late deals of a closed period (prior-period adjustments).
import { closeException, creditsForDeal, type CloseExceptionView, type CreditRow, type OwnershipPeriod } from '@quotaflow/domain';
import { canonicalJson, sha256Hex } from '@quotaflow/persistence';
import type { EntityManager } from 'typeorm';

export interface DealRow {
  id: string;
  external_id: string | null;
  account_id: string;
  stage: 'won' | 'open' | 'lost';
  close_date: string;
  amount: string;
  currency: string | null;
  type: string;
  product: string | null;
  credits: { personId: string; share: string }[] | null;
  reverses_deal_id: string | null;
}

export const DEAL_COLUMNS = `d.id, d.external_id, d.account_id, d.stage, d.close_date::text AS close_date, d.amount::text AS amount, d.currency, d.type, pr.code AS product, d.credits, d.reverses_deal_id`;

/** Won deals dated in [from, to], in date order. */
export async function wonDealsBetween(t: EntityManager, from: string, to: string): Promise<DealRow[]> {
  return (await t.query(
    `SELECT ${DEAL_COLUMNS} FROM deals d LEFT JOIN products pr ON pr.id = d.product_id
      WHERE d.stage = 'won' AND NOT d.close_date_missing AND d.close_date BETWEEN $1 AND $2 ORDER BY d.close_date, d.id`,
    [from, to],
  )) as DealRow[];
}

/** The transaction id the engine and statements know a deal by: the CRM's id, else ours. */
export const transactionIdOf = (d: DealRow): string => d.external_id ?? d.id;

/** A hash of everything of a deal that can change what it pays (16 hex digits of SHA-256 of its canonical JSON). */
export const dealDigest = (d: DealRow): string => sha256Hex(canonicalJson(d)).slice(0, 16);

/** What crediting needs besides the deals: the originals of reversals, dated ownership, territory owners. */
export class DealCredits {
  private constructor(
    private readonly originals: Map<string, DealRow>,
    private readonly ownership: Map<string, OwnershipPeriod[]>,
    private readonly owners: Map<string, string | null>,
  ) {}

  static async load(t: EntityManager, deals: readonly DealRow[]): Promise<DealCredits> {
    const originalIds = [...new Set(deals.map((d) => d.reverses_deal_id).filter((id): id is string => id !== null))];
    const originals = new Map(((originalIds.length > 0
      ? await t.query(`SELECT ${DEAL_COLUMNS} FROM deals d LEFT JOIN products pr ON pr.id = d.product_id WHERE d.id = ANY($1)`, [originalIds])
      : []) as DealRow[]).map((d) => [d.id, d]));
    const accountIds = [...new Set([...deals, ...originals.values()].map((d) => d.account_id))];
    const ownership = new Map<string, OwnershipPeriod[]>();
    for (const r of (await t.query(
      `SELECT account_id, territory_id, effective_from::text AS "from", effective_to::text AS "to" FROM account_ownership WHERE account_id = ANY($1)`,
      [accountIds],
    )) as { account_id: string; territory_id: string; from: string; to: string | null }[]) {
      const list = ownership.get(r.account_id) ?? [];
      list.push({ territoryId: r.territory_id, from: r.from, to: r.to });
      ownership.set(r.account_id, list);
    }
    const owners = new Map(((await t.query(`SELECT id, owner_person_id FROM territories`)) as { id: string; owner_person_id: string | null }[]).map((r) => [r.id, r.owner_person_id]));
    return new DealCredits(originals, ownership, owners);
  }

  /**
   * A deal's credit rows for the reps calculated in a period (`participantIds`), the exceptions it
   * raises and the people it credits who have no plan there. A reversal is credited like its original.
   */
  rowsOf(
    d: DealRow,
    about: { currency: string; periodStart: string; participantIds: ReadonlySet<string>; people: ReadonlyMap<string, { id: string; name: string; active: boolean; end_date: string | null }>; seq: number; what?: string },
  ): { rows: CreditRow[]; exceptions: CloseExceptionView[]; noPlan: string[] } {
    const name = `Deal ${transactionIdOf(d)}${about.what ? ` ${about.what}` : ''}`;
    const exceptions: CloseExceptionView[] = [];
    const rows: CreditRow[] = [];
    const noPlan: string[] = [];
    if (d.currency !== null && d.currency !== about.currency) {
      exceptions.push(closeException('DEAL.FOREIGN_CURRENCY', `${name} is in ${d.currency}; the organisation pays in ${about.currency}.`, { dealId: d.id }));
      return { rows, exceptions, noPlan };
    }
    const original = d.reverses_deal_id ? this.originals.get(d.reverses_deal_id) : undefined;
    const source = original ?? d;
    const shares = creditsForDeal(
      { id: transactionIdOf(source), stage: source.stage, closeDate: source.close_date, amount: source.amount, type: source.type, product: source.product, credits: source.credits, reverses: null },
      this.ownership.get(source.account_id) ?? [],
      (territoryId) => this.owners.get(territoryId),
    );
    if (shares.length === 0) {
      exceptions.push(closeException('DEAL.NO_CREDIT', `${name} credits nobody: no explicit credits and no territory owner on its close date.`, { dealId: d.id }));
      return { rows, exceptions, noPlan };
    }
    for (const share of shares) {
      const person = about.people.get(share.participantId);
      if (!person) {
        exceptions.push(closeException('DEAL.UNKNOWN_PERSON', `${name} credits an unknown person ${share.participantId}.`, { dealId: d.id, personId: share.participantId }));
        continue;
      }
      if (!person.active && (person.end_date === null || person.end_date < about.periodStart)) {
        exceptions.push(closeException('DEAL.INACTIVE_PERSON', `${name} credits ${person.name}, who is inactive.`, { dealId: d.id, personId: person.id }));
      }
      if (!about.participantIds.has(person.id)) {
        noPlan.push(person.id);
        continue;
      }
      rows.push({
        participantId: person.id,
        transactionId: transactionIdOf(d),
        seq: about.seq + rows.length,
        date: d.close_date,
        amount: d.amount,
        share: share.share,
        type: source.type,
        product: source.product,
        ...(original ? { reverses: transactionIdOf(original), reversedAmount: original.amount } : {}),
      });
    }
    return { rows, exceptions, noPlan };
  }
}
