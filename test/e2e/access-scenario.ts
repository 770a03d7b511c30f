/**
 * One scenario of the harness organisation, seeded through the real API and workflows, for the
 * access-matrix and malformed-input suites (test/e2e/route-catalogue.ts names what each route is
 * called on). Every sensitive figure carries a distinctive marker value, so a leak is found by
 * searching the text of an answer.
 *
 * Team West (Mia manages): Rita owns "West Coast" (Acme, Globex), Ravi owns "West Two" (Initech).
 * Team East (Max manages): Rosa owns "East Coast" (Hooli).
 * - plan "matrix" published to Rita and Rosa (quota = their markers): assignments pending their acceptance;
 * - quota set D (2029-Q4, both teams): locked (every stage signed, every rep acknowledged);
 * - quota set A (2030-Q1, both teams): submitted, the team stage open (Mia's and Max's tasks);
 * - quota set B (2030-Q2): the finance stage open (Fay's task);
 * - quota set C (2030-Q3): the acknowledgements open (Rita's, Ravi's and Rosa's tasks);
 * - quota set E (2031-Q1, team West only): a draft;
 * - a territory change inside team West (Globex from West Coast to West Two, requested by a second
 *   ops person, effective 2999-01-01): its impact computed, Mia's stage open;
 * - an import of products by ops.
 */
import { AccountEntity, AccountOwnershipEntity, DealEntity, PersonEntity, TerritoryEntity } from '@quotaflow/persistence';
import { addPerson, isoDay } from './fixtures';
import { aePlanDocument, eventually, type Harness } from './harness';

/** Every identity a route is tried with: the harness organisation, a person without roles, and no token. */
export const IDENTITIES = ['anonymous', 'nobody', 'rep', 'otherRep', 'farRep', 'manager', 'otherManager', 'finance', 'ops', 'auditor', 'admin'] as const;
export type Who = (typeof IDENTITIES)[number];
export type Person = Exclude<Who, 'anonymous'>;

/** The roles that read everything (libs/domain/src/access/access.ts READ_ALL_ROLES), as identities. */
export const READ_ALL: readonly Who[] = ['finance', 'ops', 'auditor', 'admin'];
/** Everyone holding a role. */
export const ROLE_HOLDERS: readonly Who[] = ['rep', 'otherRep', 'farRep', 'manager', 'otherManager', ...READ_ALL];

const WEST_SEES: readonly Who[] = ['manager', ...READ_ALL];
const EAST_SEES: readonly Who[] = ['otherManager', ...READ_ALL];

/**
 * The marker values and who may see each (derived from the access rules: a rep their own figures,
 * a manager their team's, the read-all roles everything; company and team targets, totals and
 * shortfalls are finance's review, for the read-all roles; a team target is also its manager's).
 */
export const MARKERS = {
  repQuota: { value: '311111.11', seenBy: ['rep', ...WEST_SEES], what: "Rita's quota" },
  otherRepQuota: { value: '322222.22', seenBy: ['otherRep', ...WEST_SEES], what: "Ravi's quota" },
  farRepQuota: { value: '333333.33', seenBy: ['farRep', ...EAST_SEES], what: "Rosa's quota" },
  westTarget: { value: '644444.47', seenBy: WEST_SEES, what: "team West's target" },
  eastTarget: { value: '355555.58', seenBy: EAST_SEES, what: "team East's target" },
  westGap: { value: '11111.14', seenBy: READ_ALL, what: "team West's total against its target" },
  eastGap: { value: '22222.25', seenBy: READ_ALL, what: "team East's total against its target" },
  companyTarget: { value: '9876543.21', seenBy: READ_ALL, what: 'the company target' },
  companyTotal: { value: '966666.66', seenBy: READ_ALL, what: 'the sum of every quota' },
  teamTargetsTotal: { value: '1000000.05', seenBy: READ_ALL, what: 'the sum of the team targets' },
  shortfall: { value: '8909876.55', seenBy: READ_ALL, what: 'the shortfall against the company target' },
  revenueMoved: { value: '244444.44', seenBy: ['rep', 'otherRep', ...WEST_SEES], what: "Globex's trailing revenue (moving; each affected rep's own figure)" },
  pipelineMoved: { value: '155555.51', seenBy: WEST_SEES, what: "Globex's open pipeline (moving)" },
  repTrailing: { value: '422222.14', seenBy: ['rep', ...WEST_SEES], what: "Rita's trailing revenue" },
  otherRepTrailing: { value: '199999.91', seenBy: ['otherRep', ...WEST_SEES], what: "Ravi's trailing revenue" },
  eastRevenue: { value: '366666.61', seenBy: ['farRep', ...EAST_SEES], what: "Hooli's revenue" },
  westAccount: { value: 'Acme Westmark', seenBy: ['rep', ...WEST_SEES], what: "a West Coast account's name" },
  westAccount2: { value: 'Globex Westmark', seenBy: ['rep', ...WEST_SEES], what: "a West Coast account's name" },
  westTwoAccount: { value: 'Initech Westtwomark', seenBy: ['otherRep', ...WEST_SEES], what: "a West Two account's name" },
  eastAccount: { value: 'Hooli Eastmark', seenBy: ['farRep', ...EAST_SEES], what: "an East Coast account's name" },
  repEmail: { value: 'rita.rep@e2e.test', seenBy: ['rep', ...WEST_SEES], what: "Rita's email" },
  otherRepEmail: { value: 'ravi.rep@e2e.test', seenBy: ['otherRep', ...WEST_SEES], what: "Ravi's email" },
  farRepEmail: { value: 'rosa.rep@e2e.test', seenBy: ['farRep', ...EAST_SEES], what: "Rosa's email" },
} as const satisfies Record<string, { value: string; seenBy: readonly Who[]; what: string }>;
export type MarkerName = keyof typeof MARKERS;

/** The forms a marker may take in an answer: as stored, and with thousands separators (emails, summaries). */
export function markerForms(value: string): string[] {
  const money = /^(\d+)(\.\d+)$/.exec(value);
  if (!money) return [value];
  const grouped = money[1]!.replace(/\B(?=(\d{3})+(?!\d))/g, ',') + money[2]!;
  return grouped === value ? [value] : [value, grouped];
}

/** The markers `who` may not see that occur in `text`. */
export function leakedMarkers(text: string, who: Who): MarkerName[] {
  return (Object.keys(MARKERS) as MarkerName[]).filter((name) => {
    const marker = MARKERS[name];
    return !(marker.seenBy as readonly Who[]).includes(who) && markerForms(marker.value).some((form) => text.includes(form));
  });
}

export function markerVisible(name: MarkerName, who: Who): boolean {
  return (MARKERS[name].seenBy as readonly Who[]).includes(who);
}

export function textHasMarker(text: string, name: MarkerName): boolean {
  return markerForms(MARKERS[name].value).some((form) => text.includes(form));
}

export interface Scenario {
  h: Harness;
  people: Record<Person, PersonEntity>;
  /** The second ops person, who requested the territory change (so that ops can approve it). */
  requester: PersonEntity;
  territories: Record<'west' | 'westTwo' | 'east', TerritoryEntity>;
  accounts: Record<'acme' | 'globex' | 'initech' | 'hooli', AccountEntity>;
  plan: { id: string; versionId: string };
  publishId: string;
  /** Rita's assignment, pending her acceptance. */
  assignmentId: string;
  /** Rosa's assignment (team East), pending hers. */
  farAssignmentId: string;
  sets: Record<'a' | 'b' | 'c' | 'd' | 'e', string>;
  tasks: Record<'westTeam' | 'eastTeam' | 'finance' | 'repAck' | 'otherRepAck' | 'farRepAck' | 'repPlan' | 'farRepPlan' | 'westTerritory', string>;
  changeId: string;
  importId: string;
  /** An open period (2030-01), nothing calculated. */
  periodId: string;
  /** Rita's statement of a closed period (2029-12). */
  statementId: string;
  /** That closed period (2029-12). */
  closedPeriodId: string;
}

interface Task { id: string; subject: string; stage: { id: string } }

async function taskOf(h: Harness, who: PersonEntity, subject: string, stagePrefix = ''): Promise<Task> {
  return eventually(async () => {
    const inbox = await h.http('GET', '/api/v1/me/approvals?limit=200', { as: who });
    return (inbox.body.tasks as Task[]).find((t) => t.subject === subject && t.stage.id.startsWith(stagePrefix));
  }, `${who.name}'s task on ${subject}`, 90_000);
}

async function decide(h: Harness, who: PersonEntity, subject: string, decision: string, stagePrefix = ''): Promise<void> {
  const task = await taskOf(h, who, subject, stagePrefix);
  const res = await h.http('POST', `/api/v1/approvals/${task.id}/decisions`, { as: who, body: { decision } });
  if (res.status !== 200) throw new Error(`${who.name} could not ${decision} ${subject}: ${res.status} ${JSON.stringify(res.body)}`);
}

function must(res: { status: number; body: unknown }, status: number, what: string): void {
  if (res.status !== status) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body)}`);
}

/** A quota set of every rep of the organisation, with the marker figures (or team West only). */
export function quotaSetBody(s: Pick<Scenario, 'people'> & { h: Harness }, periodId: string, periodStart: string, periodEnd: string, teams: 'both' | 'west' = 'both') {
  const { team, otherTeam } = s.h.org;
  return {
    periodId, periodStart, periodEnd, companyTarget: MARKERS.companyTarget.value,
    teamTargets: { [team.id]: MARKERS.westTarget.value, ...(teams === 'both' ? { [otherTeam.id]: MARKERS.eastTarget.value } : {}) },
    quotas: [
      { personId: s.people.rep.id, amount: MARKERS.repQuota.value },
      { personId: s.people.otherRep.id, amount: MARKERS.otherRepQuota.value },
      ...(teams === 'both' ? [{ personId: s.people.farRep.id, amount: MARKERS.farRepQuota.value }] : []),
    ],
  };
}

const DAY = 24 * 60 * 60 * 1000;

/** Seeds the scenario (about half a minute) and waits until nothing moves any more. */
export async function seedScenario(h: Harness): Promise<Scenario> {
  const o = h.org;
  const nobody = await addPerson(h, 'Noel Noroles', []);
  const requester = await addPerson(h, 'Olga Ops', ['ops']);
  const people: Record<Person, PersonEntity> = {
    nobody, rep: o.rep, otherRep: o.otherRep, farRep: o.farRep, manager: o.manager, otherManager: o.otherManager,
    finance: o.finance, ops: o.ops, auditor: o.auditor, admin: o.admin,
  };
  // The default annual quotas the territory impact reads.
  for (const [p, marker] of [[o.rep, MARKERS.repQuota], [o.otherRep, MARKERS.otherRepQuota], [o.farRep, MARKERS.farRepQuota]] as const) {
    await h.db.getRepository(PersonEntity).update({ id: p.id }, { attributes: { annualQuota: marker.value } });
  }

  const territoryRepo = h.db.getRepository(TerritoryEntity);
  const territories = {
    west: await territoryRepo.save(territoryRepo.create({ name: 'West Coast', teamId: o.team.id, ownerPersonId: o.rep.id })),
    westTwo: await territoryRepo.save(territoryRepo.create({ name: 'West Two', teamId: o.team.id, ownerPersonId: o.otherRep.id })),
    east: await territoryRepo.save(territoryRepo.create({ name: 'East Coast', teamId: o.otherTeam.id, ownerPersonId: o.farRep.id })),
  };
  const account = async (name: string, territory: TerritoryEntity) => {
    const row = await h.db.getRepository(AccountEntity).save({ name, territoryId: territory.id });
    await h.db.getRepository(AccountOwnershipEntity).save({ accountId: row.id, territoryId: territory.id, effectiveFrom: '2020-01-01', effectiveTo: null, changeId: null });
    return row;
  };
  const accounts = {
    acme: await account(MARKERS.westAccount.value, territories.west),
    globex: await account(MARKERS.westAccount2.value, territories.west),
    initech: await account(MARKERS.westTwoAccount.value, territories.westTwo),
    hooli: await account(MARKERS.eastAccount.value, territories.east),
  };
  const deal = (a: AccountEntity, amount: string, stage: DealEntity['stage'], daysAgo: number) =>
    h.db.getRepository(DealEntity).save({ accountId: a.id, name: `${a.name} ${stage}`, amount, stage, closeDate: isoDay(Date.now() - daysAgo * DAY) });
  await deal(accounts.acme, '177777.70', 'won', 30);
  await deal(accounts.globex, MARKERS.revenueMoved.value, 'won', 100);
  await deal(accounts.globex, MARKERS.pipelineMoved.value, 'open', -20);
  await deal(accounts.initech, MARKERS.otherRepTrailing.value, 'won', 60);
  await deal(accounts.hooli, MARKERS.eastRevenue.value, 'won', 60);

  // A plan published to Rita and Rosa.
  const created = await h.http('POST', '/api/v1/plans', {
    as: o.ops, body: { key: 'matrix', name: 'Matrix AE', periodLabel: 'FY2026', effectiveFrom: '2026-01-01', document: aePlanDocument('matrix') },
  });
  must(created, 201, 'plan');
  const versionId = created.body.versions[0].id as string;
  const published = await h.http('POST', `/api/v1/plan-versions/${versionId}/publish`, { as: o.ops, body: {
    personIds: [o.rep.id, o.farRep.id], quotas: { [o.rep.id]: MARKERS.repQuota.value, [o.farRep.id]: MARKERS.farRepQuota.value },
  } });
  must(published, 202, 'publish');
  const assignmentOf = (p: PersonEntity) => (published.body.assignments as { assignmentId: string; personId: string }[]).find((x) => x.personId === p.id)!.assignmentId;
  const assignmentId = assignmentOf(o.rep);
  const farAssignmentId = assignmentOf(o.farRep);

  // Quota sets: D locked, A at the team stage, B at finance, C at the acknowledgements, E a draft.
  const base = { h, people };
  const set = async (periodId: string, start: string, end: string, teams: 'both' | 'west' = 'both', submit = true) => {
    const res = await h.http('POST', '/api/v1/quota-sets', { as: o.ops, body: quotaSetBody(base, periodId, start, end, teams) });
    must(res, 201, `quota set ${periodId}`);
    if (submit) must(await h.http('POST', `/api/v1/quota-sets/${res.body.id}/submit`, { as: o.ops }), 202, `submit ${periodId}`);
    return res.body.id as string;
  };
  const d = await set('2029-Q4', '2029-10-01', '2029-12-31');
  const a = await set('2030-Q1', '2030-01-01', '2030-03-31');
  const b = await set('2030-Q2', '2030-04-01', '2030-06-30');
  const c = await set('2030-Q3', '2030-07-01', '2030-09-30');
  const e = await set('2031-Q1', '2031-01-01', '2031-03-31', 'west', false);
  for (const id of [d, b, c]) {
    await decide(h, o.manager, `quota-set:${id}`, 'approve', 'team:');
    await decide(h, o.otherManager, `quota-set:${id}`, 'approve', 'team:');
  }
  for (const id of [d, c]) await decide(h, o.finance, `quota-set:${id}`, 'approve', 'finance');
  for (const rep of [o.rep, o.otherRep, o.farRep]) await decide(h, rep, `quota-set:${d}`, 'acknowledge', 'acknowledge:');
  await eventually(async () => (await h.http('GET', `/api/v1/quota-sets/${d}`, { as: o.ops })).body.status === 'locked', 'quota set D locked', 90_000);

  // A territory change inside team West.
  const change = await h.http('POST', '/api/v1/territory-changes', {
    as: requester,
    body: { fromTerritoryId: territories.west.id, toTerritoryId: territories.westTwo.id, accountIds: [accounts.globex.id], effectiveDate: '2999-01-01', reason: 'balance team West' },
  });
  must(change, 202, 'territory change');
  const changeId = change.body.id as string;

  // An import by ops.
  const imported = await h.http('POST', '/api/v1/imports/products', { as: o.ops, body: { rows: [{ code: 'MATRIX-1', name: 'Matrix product', list_price: '5.00' }] } });
  must(imported, 200, 'import');

  // An open period of the monthly close.
  const period = await h.http('POST', '/api/v1/periods', { as: o.ops, body: { key: '2030-01' } });
  must(period, 201, 'period');
  // A closed period with Rita's statement, written as a close leaves them.
  const [closed] = (await h.db.query(
    `INSERT INTO periods (key, start_date, end_date, status, current_version, created_by_id) VALUES ('2029-12', '2029-12-01', '2029-12-31', 'closing', 1, $1) RETURNING id`, [o.ops.id],
  )) as { id: string }[];
  const [snapshot] = (await h.db.query(
    `INSERT INTO close_snapshots (period_id, run_id, frozen_at, content, content_hash) VALUES ($1, 'fixture', now(), '{}'::jsonb, $2) RETURNING id`, [closed!.id, '0'.repeat(64)],
  )) as { id: string }[];
  const [payout] = (await h.db.query(
    `INSERT INTO payouts (period_id, person_id, calculation_version, snapshot_id, plan_version_id, team_id, currency, earnings, adjustments, draw, recovery, payout, result, state)
     VALUES ($1, $2, 1, $3, $4, $5, 'USD', 0, 0, 0, 0, 0, '{}'::jsonb, '{}'::jsonb) RETURNING id`,
    [closed!.id, o.rep.id, snapshot!.id, versionId, o.rep.teamId],
  )) as { id: string }[];
  const [statement] = (await h.db.query(
    `INSERT INTO statements (period_id, person_id, payout_id, calculation_version, pdf, sha256, pages) VALUES ($1, $2, $3, 1, $4, $5, 1) RETURNING id`,
    [closed!.id, o.rep.id, payout!.id, Buffer.from('%PDF-1.4 fixture'), '1'.repeat(64)],
  )) as { id: string }[];
  await h.db.query(`UPDATE periods SET status = 'closed', closed_at = now() WHERE id = $1`, [closed!.id]);

  const tasks = {
    westTeam: (await taskOf(h, o.manager, `quota-set:${a}`, 'team:')).id,
    eastTeam: (await taskOf(h, o.otherManager, `quota-set:${a}`, 'team:')).id,
    finance: (await taskOf(h, o.finance, `quota-set:${b}`, 'finance')).id,
    repAck: (await taskOf(h, o.rep, `quota-set:${c}`, 'acknowledge:')).id,
    otherRepAck: (await taskOf(h, o.otherRep, `quota-set:${c}`, 'acknowledge:')).id,
    farRepAck: (await taskOf(h, o.farRep, `quota-set:${c}`, 'acknowledge:')).id,
    repPlan: (await taskOf(h, o.rep, `plan-assignment:${assignmentId}`)).id,
    farRepPlan: (await taskOf(h, o.farRep, `plan-assignment:${farAssignmentId}`)).id,
    westTerritory: (await taskOf(h, o.manager, `territory-change:${changeId}`)).id,
  };
  for (const [id, rep] of [[assignmentId, o.rep], [farAssignmentId, o.farRep]] as const) {
    await eventually(async () => {
      const v = await h.http('GET', `/api/v1/plan-assignments/${id}`, { as: rep });
      return v.body?.status === 'pending_rep' && v.body?.document;
    }, `${rep.name}'s plan document rendered`, 90_000);
  }
  await eventually(async () => (await h.http('GET', `/api/v1/territory-changes/${changeId}`, { as: o.ops })).body.impact, 'the territory impact', 90_000);
  await waitUntilQuiet(h);
  return {
    h, people, requester, territories, accounts, plan: { id: created.body.id, versionId }, publishId: published.body.id, assignmentId, farAssignmentId,
    sets: { a, b, c, d, e }, tasks, changeId, importId: imported.body.id, periodId: period.body.id as string, statementId: statement!.id, closedPeriodId: closed!.id,
  };
}

/**
 * A fingerprint of every table (its row count and the sum of a 64-bit hash of each row, in one
 * statement, no sorting): two equal fingerprints mean nothing was written in between.
 */
export async function fingerprint(h: Harness): Promise<Record<string, string>> {
  if (!tablesQuery) {
    const tables = (await h.db.query(`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1`)) as { name: string }[];
    tablesQuery = tables
      .map((t) => `SELECT '${t.name}' AS t, count(*)::int AS n, coalesce(sum(hashtextextended(x::text, 0)::numeric), 0)::text AS h FROM "${t.name}" x`)
      .join(' UNION ALL ');
  }
  const rows = (await h.db.query(tablesQuery)) as { t: string; n: number; h: string }[];
  return Object.fromEntries(rows.map((r) => [r.t, `${r.n}:${r.h}`]));
}
let tablesQuery: string | undefined;

/** The tables whose fingerprints differ. */
export function changedTables(before: Record<string, string>, after: Record<string, string>): string[] {
  return [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((t) => before[t] !== after[t]).sort();
}

/** Waits until the worker has nothing left to write (emails sent, tasks opened): three equal fingerprints in a row. */
export async function waitUntilQuiet(h: Harness, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = JSON.stringify(await fingerprint(h));
  let same = 0;
  while (same < 3) {
    if (Date.now() > deadline) throw new Error('the scenario did not come to rest');
    await new Promise((r) => setTimeout(r, 400));
    const now = JSON.stringify(await fingerprint(h));
    same = now === last ? same + 1 : 0;
    last = now;
  }
}
