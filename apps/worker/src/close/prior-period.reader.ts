// At the freeze of period P: what arrived for the periods closed before it (prior-period
// adjustments) and the negative balances its reps carry. Reads only; a closed period is never
// changed (the database refuses it anyway).
import {
  carriedBalance,
  closeException,
  findLateDeals,
  formatMoney,
  knownDeals,
  restatePeriod,
  type CloseExceptionView,
  type CloseSnapshotContent,
  type LateDeal,
  type ParticipantStateOutput,
  type Restatement,
  type SnapshotAdjustment,
} from '@quotaflow/domain';
import type { EntityManager } from 'typeorm';
import { DEAL_COLUMNS, DealCredits, dealDigest, transactionIdOf, wonDealsBetween, type DealRow } from './deal-credits';

export interface PriorPeriodFacts {
  adjustments: SnapshotAdjustment[];
  restatements: Restatement[];
  exceptions: CloseExceptionView[];
  /** The restated state of reps of the close right before P (it feeds P's running totals). */
  state: Map<string, ParticipantStateOutput>;
  /** Cancellations dated in P of deals of a closed period: restated there, so not credited in P. */
  routedDealIds: Set<string>;
}

type People = ReadonlyMap<string, { id: string; name: string; active: boolean; end_date: string | null }>;

/**
 * Every closed period before P whose deals changed since its freeze (a revision recorded after it,
 * an hour's margin for the freeze's own transaction), restated deal by deal from its final snapshot
 * and what later closes restated of it already.
 */
export async function readPriorPeriods(
  t: EntityManager,
  p: { start: string; end: string; previousId: string | null; participantIds: ReadonlySet<string>; people: People; currency: string },
): Promise<PriorPeriodFacts> {
  const facts: PriorPeriodFacts = { adjustments: [], restatements: [], exceptions: [], state: new Map(), routedDealIds: new Set() };
  // One row per closed period: the snapshot of its final version (one payout row finds it), whose
  // content is opened once per period, not once per payout (10,000 reps: 66 s spent detoasting).
  const finals = (await t.query(
    `SELECT pr.id, pr.key, pr.start_date::text AS start, pr.end_date::text AS "end", s.id AS snapshot_id,
            least(s.created_at, s.frozen_at) - interval '1 hour' AS since, s.content ? 'restatements' AS restates
       FROM periods pr
       CROSS JOIN LATERAL (SELECT py.snapshot_id FROM payouts py WHERE py.period_id = pr.id AND py.calculation_version = pr.current_version LIMIT 1) f
       JOIN close_snapshots s ON s.id = f.snapshot_id
      WHERE pr.status = 'closed' AND pr.end_date < $1 ORDER BY pr.start_date, pr.id`,
    [p.start],
  )) as { id: string; key: string; start: string; end: string; snapshot_id: string; since: Date; restates: boolean }[];
  if (finals.length === 0) return facts;
  // What later closes restated of each period, oldest close first.
  const earlier = new Map<string, Restatement[]>();
  const restating = finals.filter((f) => f.restates).map((f) => f.snapshot_id);
  if (restating.length > 0) {
    const rows = (await t.query(`SELECT id, content->'restatements' AS restatements FROM close_snapshots WHERE id = ANY($1)`, [restating])) as { id: string; restatements: Restatement[] }[];
    const byId = new Map(rows.map((r) => [r.id, r.restatements]));
    for (const f of finals) for (const r of byId.get(f.snapshot_id) ?? []) earlier.set(r.periodId, [...(earlier.get(r.periodId) ?? []), r]);
  }
  for (const q of finals) {
    // A cancellation dated after Q (up to P) of a deal of Q is Q's too: restated there, dated Q's last
    // day (the engine pays a clawback only against the deal's own lines, which only Q's snapshot holds).
    const cancellations = ((await t.query(
      `SELECT ${DEAL_COLUMNS} FROM deals d LEFT JOIN products pr ON pr.id = d.product_id JOIN deals o ON o.id = d.reverses_deal_id
        WHERE d.stage = 'won' AND NOT d.close_date_missing AND d.close_date > $2 AND d.close_date <= $3 AND o.close_date BETWEEN $1 AND $2
        ORDER BY d.close_date, d.id`,
      [q.start, q.end, p.end],
    )) as DealRow[]);
    for (const d of cancellations) if (d.close_date >= p.start) facts.routedDealIds.add(d.id);
    const [touched] = (await t.query(`SELECT EXISTS (SELECT 1 FROM deal_revisions_touching($1, $2, $3)) AS any`, [q.start, q.end, q.since])) as { any: boolean }[];
    if (!touched?.any && cancellations.length === 0) continue;
    const [row] = (await t.query(`SELECT content FROM close_snapshots WHERE id = $1`, [q.snapshot_id])) as { content: CloseSnapshotContent }[];
    const content = row!.content;
    const known = knownDeals(content, earlier.get(q.id) ?? []);
    const current = [...await wonDealsBetween(t, q.start, q.end), ...cancellations.map((d) => ({ ...d, close_date: q.end }))];
    const late = findLateDeals(known, current.map((d) => ({ dealId: d.id, transactionId: transactionIdOf(d), hash: dealDigest(d) })));
    if (late.length === 0) continue;
    const rowsById = new Map(current.map((d) => [d.id, d]));
    const credits = await DealCredits.load(t, late.filter((l) => l.hash !== null).map((l) => rowsById.get(l.dealId)!));
    const planned = new Set(content.participants.map((x) => x.personId));
    const lateDeals: LateDeal[] = late.map((l) => {
      if (l.hash === null) return { ...l, rows: [] };
      const got = credits.rowsOf(rowsById.get(l.dealId)!, { currency: p.currency, periodStart: q.start, participantIds: planned, people: p.people, seq: 0, what: `for ${q.key} (arrived after its close)` });
      facts.exceptions.push(...got.exceptions);
      for (const personId of new Set(got.noPlan)) {
        facts.exceptions.push(closeException('REP.NO_ACCEPTED_PLAN', `${p.people.get(personId)?.name ?? personId} is credited by deal ${l.transactionId} of ${q.key}, which arrived after that close, but had no accepted plan for ${q.key}: nothing restated for them.`, { personId }));
      }
      return { ...l, rows: got.rows };
    });
    const result = restatePeriod(content, q.snapshot_id, known, lateDeals);
    facts.restatements.push(result.restatement);
    if (q.id === p.previousId) facts.state = result.state;
    for (const a of result.adjustments) {
      if (p.participantIds.has(a.participantId)) {
        facts.adjustments.push(a);
        continue;
      }
      facts.exceptions.push(closeException('REP.NO_ACCEPTED_PLAN',
        `${p.people.get(a.participantId)?.name ?? a.participantId} has a prior-period adjustment of ${formatMoney(a.amount)} (deal ${a.transactionId} of ${q.key}) but no accepted plan in this period: it is not paid in this close.`,
        { personId: a.participantId }));
    }
  }
  return facts;
}

/** Each rep's latest payout of a closed period before P, when it is negative: a balance the engine recovers in P. */
export async function readCarriedBalances(t: EntityManager, p: { start: string; participantIds: readonly string[] }): Promise<SnapshotAdjustment[]> {
  if (p.participantIds.length === 0) return [];
  const rows = (await t.query(
    `SELECT DISTINCT ON (py.person_id) py.person_id, py.payout::text AS payout, py.held, pr.id AS period_id, pr.key
       FROM payouts py JOIN periods pr ON pr.id = py.period_id AND py.calculation_version = pr.current_version
      WHERE pr.status = 'closed' AND pr.end_date < $1 AND py.person_id = ANY($2)
      ORDER BY py.person_id, pr.end_date DESC`,
    [p.start, p.participantIds],
  )) as { person_id: string; payout: string; held: boolean; period_id: string; key: string }[];
  // A held payout (negative or not) travels by close_carries, paid as an adjustment: never a balance as well.
  return rows.filter((r) => !r.held).map((r) => carriedBalance(r.person_id, r.payout, { periodId: r.period_id, periodKey: r.key })).filter((a): a is SnapshotAdjustment => a !== null);
}
