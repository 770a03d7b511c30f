// Who is credited for a deal, and the deal as a transaction of the plan language (§2).

export interface OwnershipPeriod {
  territoryId: string;
  /** YYYY-MM-DD inclusive. */
  from: string;
  /** YYYY-MM-DD exclusive; null while it lasts. */
  to: string | null;
}

export interface CreditableDeal {
  /** The transaction id: the CRM external id, else Quotaflow's deal id. */
  id: string;
  stage: 'won' | 'open' | 'lost';
  closeDate: string | null;
  /** Exact decimal string; a cancellation's amount is negative (the amount it takes back). */
  amount: string | null;
  type: string;
  product: string | null;
  credits: ReadonlyArray<{ personId: string; share: string }> | null;
  /** Transaction id of the cancelled deal. */
  reverses: string | null;
}

export interface PlanCredit { participantId: string; share: string }

/** The territory owning the account on `date` (periods of account_ownership), or null. */
export function territoryOn(ownership: readonly OwnershipPeriod[], date: string): string | null {
  let best: OwnershipPeriod | null = null;
  for (const p of ownership) {
    if (p.from <= date && (p.to === null || p.to > date) && (best === null || p.from > best.from)) best = p;
  }
  return best?.territoryId ?? null;
}

/**
 * The credits of a deal: its explicit credits, else the whole deal to the owner of the account's
 * territory on the close date (`ownerOfTerritory` resolves a territory to its effective rep).
 * No credits when neither is known (the close reports such a deal).
 */
export function creditsForDeal(deal: CreditableDeal, ownership: readonly OwnershipPeriod[], ownerOfTerritory: (territoryId: string) => string | null | undefined): PlanCredit[] {
  if (deal.credits && deal.credits.length > 0) return deal.credits.map((c) => ({ participantId: c.personId, share: c.share }));
  if (!deal.closeDate) return [];
  const territory = territoryOn(ownership, deal.closeDate);
  const owner = territory ? ownerOfTerritory(territory) : null;
  return owner ? [{ participantId: owner, share: '1' }] : [];
}
