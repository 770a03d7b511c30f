/**
 * The route catalogue: for every route of the API (apps/api/src/auth/route-table.ts reads them from
 * Nest's metadata of API_CONTROLLERS), who may call it on which object of the scenario
 * (test/e2e/access-scenario.ts), and for a write route a valid request. Two suites walk it:
 * test/e2e/access-matrix.e2e-spec.ts (every route × every identity × own/other team) and
 * test/e2e/malformed-input.e2e-spec.ts (generated malformed inputs for every write route and
 * every query). Both FAIL when a route of the API has no entry here, or an entry names no route.
 *
 * ADDING A ROUTE (e.g. `POST /periods/:id/close`): add one entry under its exact name, `<METHOD> <path>`
 * as the route table prints it (`:id` for path parameters, no `/api/v1` prefix).
 * 1. `targets`: the objects it is called on, each with `path(s)` (the real path, from the scenario;
 *    add what the scenario lacks to access-scenario.ts) and `allow` — the identities that get
 *    through. Everyone else must get 403, the anonymous caller 401. Name an own-team and an
 *    other-team object where the relation matters (a team's task, another team's territory).
 * 2. A read route may list `holds`: the markers its whole answer contains. Every allowed identity
 *    must then see exactly the ones it may (MARKERS[].seenBy), and no answer may carry any marker
 *    the caller may not see.
 * 3. A write route gives each target `valid(s)`: a request that WOULD change something — the denied
 *    identities send it and must change nothing. The allowed identities send a probe that changes
 *    nothing: by default the valid body plus an unknown field (400); set `probe` otherwise, or
 *    `safe: true` when the route never writes (then they send the valid request and expect 2xx).
 * 4. A write route gives `malformed`: the identity and target of its example (the valid request of
 *    that target), and what the generator must know about its fields (see `Malformed`).
 * 5. A route with a query gives `query`: its parameters and their kinds (a write route's are sent with its valid body).
 * For example (a close that finance starts, an export the audit readers read):
 *   'POST /periods/:id/close': {
 *     targets: [{ name: 'period 2030-01', path: (s) => `${API}/periods/${s.periodId}/close`, allow: ['finance'], valid: () => ({ body: {} }) }],
 *     malformed: { as: 'finance', emptyBodyOk: true },
 *   },
 *   'GET /audit/export': {
 *     targets: only((s) => `/audit/export?subject=quota-set:${s.sets.a}`, AUDIT_READERS),
 *     query: { as: 'auditor', path: () => `${API}/audit/export`, params: { subject: { kind: 'subject' }, format: { kind: 'enum', values: ['csv', 'json'] } } },
 *   },
 * Run `npm test -- test/e2e/access-matrix test/e2e/malformed-input`; a failure names the route, the
 * identity or input, what it answered and which tables changed.
 */
import { MARKERS, READ_ALL, ROLE_HOLDERS, quotaSetBody, type MarkerName, type Scenario, type Who } from './access-scenario';
import { aePlanDocument } from './harness';

export interface Request {
  /** Defaults to the target's path. */
  path?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface Probe extends Request {
  /** What the probe answers (400: a body the route refuses; 404: an object that does not exist). */
  status: number;
}

export interface Target {
  /** What the route is called on, as the test names it ("set A, team West"). */
  name: string;
  path(s: Scenario): string;
  /** The identities that get through; every other one gets 403, the anonymous caller 401. */
  allow: readonly Who[];
  /** Read routes: the markers the whole answer holds (each allowed identity must see exactly those it may). */
  holds?: readonly MarkerName[];
  /** Write routes: a request that would change something. */
  valid?(s: Scenario): Request;
  /** Write routes: what the allowed identities send instead (default: the valid body plus an unknown field, 400). */
  probe?(s: Scenario): Probe;
}

/** What the malformed-input generator must know beyond the example itself (field paths use `.`, `*` for any array index or map key). */
export interface Malformed {
  /** Who sends the inputs (an identity allowed on the target). */
  as: Who;
  /** The target whose valid request is the example (default: the first). */
  target?: string;
  /** Fields that may be missing or null. */
  optional?: readonly string[];
  /** Texts that may be empty. */
  mayBeEmpty?: readonly string[];
  /** Texts that may be 100,000 characters long (base64 data). */
  longOk?: readonly string[];
  /** Objects that may hold fields of any name (an import row's columns, a payload's future fields). */
  openObjects?: readonly string[];
  /** Objects judged as a whole by the route's own validator (a plan document): mutated as a value, not inside. */
  opaque?: readonly string[];
  /** Arrays and how many items they hold at most (one more is refused). */
  maxItems?: Readonly<Record<string, number>>;
  /** Arrays that may be empty. */
  emptyArrayOk?: readonly string[];
  /** The route takes a request without a body. */
  emptyBodyOk?: boolean;
  /** Statuses a refused field may answer besides 400 (422 for what the plan language or the importer judges). */
  fieldStatuses?: readonly number[];
  /** Tables a refusal writes on purpose (an import keeps its rejection on record). */
  refusalRecords?: readonly string[];
}

export type QueryKind =
  | { kind: 'int'; min: number; max: number }
  | { kind: 'date' }
  | { kind: 'uuid' }
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'cursor' }
  | { kind: 'subject' };

export interface QuerySpec {
  /** Who sends the queries (a write route's: the identity of its malformed entry). */
  as: Who;
  /** The path with a valid query (e.g. the required parameter), the generated one is added to it. */
  path(s: Scenario): string;
  params: Readonly<Record<string, QueryKind>>;
}

export interface CatalogueEntry {
  targets: readonly Target[];
  /** Write routes that never change anything (a preview, the codec's decode): allowed identities send the valid request. */
  safe?: boolean;
  malformed?: Malformed;
  query?: QuerySpec;
}

const API = '/api/v1';
const MANAGERS_AND_READ_ALL: readonly Who[] = ['manager', 'otherManager', ...READ_ALL];
const AUDIT_READERS: readonly Who[] = ['auditor', 'finance', 'admin'];
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

/** One target: the route's only object. */
const only = (path: string | ((s: Scenario) => string), allow: readonly Who[], extra: Partial<Target> = {}): Target[] => [
  { name: 'the route', path: typeof path === 'string' ? () => `${API}${path}` : (s) => `${API}${path(s)}`, allow, ...extra },
];

/** A what-if document whose participants are the given people (amounts are not the scenario's figures). */
function whatIf(ids: string[]) {
  return {
    currency: 'USD',
    periods: [{ id: '2026-01', start: '2026-01-01', end: '2026-01-31' }],
    plans: [{ id: 'ae', components: [{ id: 'commission', kind: 'commission', table: { split: 'step', tiers: [{ from: 0, rate: '0.04' }, { from: 20000, rate: '0.06' }] } }] }],
    participants: ids.map((id) => ({ id, name: 'Participant', planId: 'ae', quota: { default: '100000' } })),
    transactions: [{ id: 'O-1', date: '2026-01-10', amount: '25000', type: 'revenue', credits: ids.map((id) => ({ participantId: id, share: ids.length === 1 ? '1' : '0.5' })) }],
  };
}

const task = (name: string, pick: (s: Scenario) => string, approver: Who, decision: string): Target => ({
  name, path: (s) => `${API}/approvals/${pick(s)}/decisions`, allow: [approver], valid: () => ({ body: { decision, comment: 'looks right' } }),
});
const taskRead = (name: string, pick: (s: Scenario) => string, approver: Who, holds?: readonly MarkerName[]): Target => ({
  name, path: (s) => `${API}/approvals/${pick(s)}`, allow: [approver, ...READ_ALL], ...(holds ? { holds } : {}),
});

/** A payload's metadata values and data are base64 of any length (empty included); a payload may grow fields in Temporal's API. */
const CODEC_HINTS = {
  maxItems: { payloads: 1000 }, emptyArrayOk: ['payloads'], optional: ['payloads.*.data', 'payloads.*.metadata', 'payloads.*.metadata.*'], mayBeEmpty: ['payloads.*.data', 'payloads.*.metadata.*'],
  longOk: ['payloads.*.data', 'payloads.*.metadata.*'], openObjects: ['payloads.*'],
} as const;

const QUOTA_SET_A_HOLDS: readonly MarkerName[] = [
  'repQuota', 'otherRepQuota', 'farRepQuota', 'westTarget', 'eastTarget', 'westGap', 'eastGap', 'companyTarget', 'companyTotal', 'teamTargetsTotal', 'shortfall',
];

export const CATALOGUE: Readonly<Record<string, CatalogueEntry>> = {
  // ── health and people ─────────────────────────────────────────────────────────────────────
  'GET /health': { targets: [{ name: 'the route', path: () => '/health', allow: ['anonymous', 'nobody', ...ROLE_HOLDERS] }] },
  'GET /me': { targets: only('/me', ROLE_HOLDERS) },
  'GET /people': { targets: only('/people', ROLE_HOLDERS) },
  'GET /people/:id': {
    targets: [
      { name: 'Rita (West)', path: (s) => `${API}/people/${s.people.rep.id}`, allow: ['rep', 'manager', ...READ_ALL], holds: ['repEmail'] },
      { name: 'Ravi (West)', path: (s) => `${API}/people/${s.people.otherRep.id}`, allow: ['otherRep', 'manager', ...READ_ALL], holds: ['otherRepEmail'] },
      { name: 'Rosa (East)', path: (s) => `${API}/people/${s.people.farRep.id}`, allow: ['farRep', 'otherManager', ...READ_ALL], holds: ['farRepEmail'] },
      { name: 'Mia (manager of West)', path: (s) => `${API}/people/${s.people.manager.id}`, allow: ['manager', ...READ_ALL] },
    ],
  },
  'POST /people': {
    targets: only('/people', ['admin'], {
      valid: (s) => ({ body: { name: 'Pat Person', email: 'pat.person@e2e.test', roles: ['rep'], teamId: s.h.org.team.id, managerId: s.people.manager.id } }),
    }),
    malformed: { as: 'admin', optional: ['teamId', 'managerId'] },
  },
  'GET /teams': { targets: only('/teams', ROLE_HOLDERS) },
  'POST /teams': {
    targets: only('/teams', ['admin'], { valid: (s) => ({ body: { name: 'North', managerId: s.people.manager.id } }) }),
    malformed: { as: 'admin', optional: ['managerId'] },
  },

  // ── plans and plan acceptance ─────────────────────────────────────────────────────────────
  'GET /plans': { targets: only('/plans', MANAGERS_AND_READ_ALL) },
  'GET /plans/:id': { targets: only((s) => `/plans/${s.plan.id}`, MANAGERS_AND_READ_ALL) },
  'POST /plans': {
    targets: only('/plans', ['ops', 'admin'], {
      valid: () => ({ body: { key: 'matrix-two', name: 'Matrix Two', periodLabel: 'FY2027', effectiveFrom: '2027-01-01', effectiveTo: '2027-12-31', document: aePlanDocument('matrix-two') } }),
    }),
    malformed: { as: 'ops', optional: ['effectiveTo'], opaque: ['document'], fieldStatuses: [422] },
  },
  'POST /plans/:id/versions': {
    targets: only((s) => `/plans/${s.plan.id}/versions`, ['ops', 'admin'], {
      valid: () => ({ body: { periodLabel: 'FY2027', effectiveFrom: '2027-01-01', document: aePlanDocument('matrix') } }),
    }),
    malformed: { as: 'ops', opaque: ['document'], fieldStatuses: [422] },
  },
  'GET /plan-versions/:id': { targets: only((s) => `/plan-versions/${s.plan.versionId}`, MANAGERS_AND_READ_ALL) },
  'POST /plan-versions/:id/publish': {
    targets: only((s) => `/plan-versions/${s.plan.versionId}/publish`, ['ops'], {
      valid: (s) => ({
        body: { personIds: [s.people.otherRep.id], quotas: { [s.people.otherRep.id]: '300000.00' }, managerPreApproval: false, reminderEveryDays: 3, escalateAfterDays: 7, expireAfterDays: 14 },
      }),
    }),
    malformed: { as: 'ops', optional: ['quotas', 'quotas.*', 'managerPreApproval', 'reminderEveryDays', 'escalateAfterDays', 'expireAfterDays'], maxItems: { personIds: 20000 } },
  },
  'GET /publishes/:id': { targets: only((s) => `/publishes/${s.publishId}`, READ_ALL) },
  'GET /me/plan-assignments': { targets: only('/me/plan-assignments', ROLE_HOLDERS) },
  'GET /plan-assignments/:id': {
    targets: [
      { name: "Rita's assignment (West)", path: (s) => `${API}/plan-assignments/${s.assignmentId}`, allow: ['rep', 'manager', ...READ_ALL], holds: ['repQuota', 'repEmail'] },
      { name: "Rosa's assignment (East)", path: (s) => `${API}/plan-assignments/${s.farAssignmentId}`, allow: ['farRep', 'otherManager', ...READ_ALL], holds: ['farRepQuota', 'farRepEmail'] },
    ],
  },
  'GET /plan-assignments/:id/document': {
    targets: [
      { name: "Rita's plan PDF (West)", path: (s) => `${API}/plan-assignments/${s.assignmentId}/document`, allow: ['rep', 'manager', ...READ_ALL] },
      { name: "Rosa's plan PDF (East)", path: (s) => `${API}/plan-assignments/${s.farAssignmentId}/document`, allow: ['farRep', 'otherManager', ...READ_ALL] },
    ],
  },
  'POST /plan-assignments/:id/accept': {
    targets: [
      { name: "Rita's assignment (West)", path: (s) => `${API}/plan-assignments/${s.assignmentId}/accept`, allow: ['rep'], valid: () => ({ body: { comment: 'I accept' } }) },
      { name: "Rosa's assignment (East)", path: (s) => `${API}/plan-assignments/${s.farAssignmentId}/accept`, allow: ['farRep'], valid: () => ({ body: { comment: 'I accept' } }) },
    ],
    malformed: { as: 'rep', optional: ['comment'], mayBeEmpty: ['comment'], emptyBodyOk: true },
  },
  'POST /plan-assignments/:id/decline': {
    targets: [
      { name: "Rita's assignment (West)", path: (s) => `${API}/plan-assignments/${s.assignmentId}/decline`, allow: ['rep'], valid: () => ({ body: { reason: 'the territory is too small' } }) },
      { name: "Rosa's assignment (East)", path: (s) => `${API}/plan-assignments/${s.farAssignmentId}/decline`, allow: ['farRep'], valid: () => ({ body: { reason: 'the territory is too small' } }) },
    ],
    malformed: { as: 'rep' },
  },
  'POST /plan-assignments/:id/pre-approval': {
    targets: [
      { name: "Rita's assignment (West)", path: (s) => `${API}/plan-assignments/${s.assignmentId}/pre-approval`, allow: ['manager'], valid: () => ({ body: { decision: 'approve', comment: 'fine' } }) },
      { name: "Rosa's assignment (East)", path: (s) => `${API}/plan-assignments/${s.farAssignmentId}/pre-approval`, allow: ['otherManager'], valid: () => ({ body: { decision: 'approve', comment: 'fine' } }) },
    ],
    malformed: { as: 'manager', optional: ['comment'], mayBeEmpty: ['comment'] },
  },

  // ── approvals ─────────────────────────────────────────────────────────────────────────────
  'GET /me/approvals': {
    targets: only('/me/approvals', ROLE_HOLDERS),
    query: { as: 'manager', path: () => `${API}/me/approvals`, params: { limit: { kind: 'int', min: 1, max: 200 }, cursor: { kind: 'cursor' } } },
  },
  'GET /approvals/:id': {
    targets: [
      taskRead('team West task of set A', (s) => s.tasks.westTeam, 'manager'),
      taskRead('team East task of set A', (s) => s.tasks.eastTeam, 'otherManager'),
      taskRead('finance task of set B', (s) => s.tasks.finance, 'finance'),
      taskRead("Rita's acknowledgement of set C", (s) => s.tasks.repAck, 'rep'),
      taskRead("Ravi's acknowledgement of set C", (s) => s.tasks.otherRepAck, 'otherRep'),
      taskRead("Rosa's acknowledgement of set C", (s) => s.tasks.farRepAck, 'farRep'),
      taskRead("Rita's plan acceptance", (s) => s.tasks.repPlan, 'rep'),
      taskRead("Rosa's plan acceptance", (s) => s.tasks.farRepPlan, 'farRep'),
      taskRead("Mia's territory task", (s) => s.tasks.westTerritory, 'manager', ['revenueMoved']),
    ],
  },
  'POST /approvals/:id/decisions': {
    targets: [
      task('team West task of set A', (s) => s.tasks.westTeam, 'manager', 'approve'),
      task('team East task of set A', (s) => s.tasks.eastTeam, 'otherManager', 'approve'),
      task('finance task of set B', (s) => s.tasks.finance, 'finance', 'approve'),
      task("Rita's acknowledgement of set C", (s) => s.tasks.repAck, 'rep', 'acknowledge'),
      task("Ravi's acknowledgement of set C", (s) => s.tasks.otherRepAck, 'otherRep', 'acknowledge'),
      task("Rosa's acknowledgement of set C", (s) => s.tasks.farRepAck, 'farRep', 'acknowledge'),
      task("Rita's plan acceptance", (s) => s.tasks.repPlan, 'rep', 'accept'),
      task("Rosa's plan acceptance", (s) => s.tasks.farRepPlan, 'farRep', 'accept'),
      task("Mia's territory task", (s) => s.tasks.westTerritory, 'manager', 'approve'),
    ],
    malformed: { as: 'manager', optional: ['comment'], mayBeEmpty: ['comment'] },
  },

  // ── audit ─────────────────────────────────────────────────────────────────────────────────
  'GET /audit/trace/:subject': {
    targets: only((s) => `/audit/trace/quota-set:${s.sets.a}`, AUDIT_READERS),
    query: { as: 'auditor', path: (s) => `${API}/audit/trace/quota-set:${s.sets.a}`, params: { format: { kind: 'enum', values: ['csv', 'json'] } } },
  },
  'GET /audit': {
    targets: only((s) => `/audit?subject=quota-set:${s.sets.a}`, AUDIT_READERS),
    query: {
      as: 'auditor', path: () => `${API}/audit?subjectPrefix=quota-set:`,
      params: { subject: { kind: 'subject' }, limit: { kind: 'int', min: 1, max: 1000 }, offset: { kind: 'int', min: 0, max: 1_000_000_000 }, cursor: { kind: 'cursor' } },
    },
  },
  'GET /audit/verify': { targets: only('/audit/verify', AUDIT_READERS) },
  'GET /audit/checkpoints': { targets: only('/audit/checkpoints', AUDIT_READERS) },

  // ── calculations ──────────────────────────────────────────────────────────────────────────
  'POST /calculations/preview': {
    safe: true,
    targets: [
      { name: 'Rita alone', path: () => `${API}/calculations/preview`, allow: ['rep', 'manager', 'finance', 'ops', 'admin'], valid: (s) => ({ body: whatIf([s.people.rep.id]) }) },
      { name: 'Rita and Ravi (team West)', path: () => `${API}/calculations/preview`, allow: ['manager', 'finance', 'ops', 'admin'], valid: (s) => ({ body: whatIf([s.people.rep.id, s.people.otherRep.id]) }) },
      { name: 'Rosa alone (team East)', path: () => `${API}/calculations/preview`, allow: ['farRep', 'otherManager', 'finance', 'ops', 'admin'], valid: (s) => ({ body: whatIf([s.people.farRep.id]) }) },
    ],
    // The document is the plan language's to judge (422 naming JSON paths). Transactions may be none; with no participants the
    // credits name an unknown participant. Unknown keys and the currency's form are the engine's rules (spec §2, §7), not this route's.
    malformed: {
      as: 'finance', opaque: ['periods', 'plans', 'participants', 'transactions'], optional: ['transactions'], emptyArrayOk: ['participants', 'transactions'],
      openObjects: [''], longOk: ['currency'], fieldStatuses: [422],
    },
  },

  // ── territories ───────────────────────────────────────────────────────────────────────────
  'GET /territories': { targets: only('/territories', ROLE_HOLDERS) },
  'GET /territories/:id': {
    targets: [
      { name: 'West Coast (Rita)', path: (s) => `${API}/territories/${s.territories.west.id}`, allow: ROLE_HOLDERS, holds: ['westAccount', 'westAccount2'] },
      { name: 'West Two (Ravi)', path: (s) => `${API}/territories/${s.territories.westTwo.id}`, allow: ROLE_HOLDERS, holds: ['westTwoAccount'] },
      { name: 'East Coast (Rosa)', path: (s) => `${API}/territories/${s.territories.east.id}`, allow: ROLE_HOLDERS, holds: ['eastAccount'] },
    ],
  },
  'POST /territory-changes': {
    targets: [
      {
        name: 'inside team West', path: () => `${API}/territory-changes`, allow: ['ops', 'manager'],
        valid: (s) => ({ body: { fromTerritoryId: s.territories.west.id, toTerritoryId: s.territories.westTwo.id, accountIds: [s.accounts.acme.id], effectiveDate: '2999-02-01', reason: 'rebalance West', openQuotaAdjustment: false, financeThreshold: '1000.00' } }),
      },
      {
        name: 'from East to West', path: () => `${API}/territory-changes`, allow: ['ops', 'manager', 'otherManager'],
        valid: (s) => ({ body: { fromTerritoryId: s.territories.east.id, toTerritoryId: s.territories.west.id, accountIds: [s.accounts.hooli.id], effectiveDate: '2999-02-01', reason: 'Hooli moves west' } }),
      },
    ],
    malformed: { as: 'ops', optional: ['openQuotaAdjustment', 'financeThreshold'], maxItems: { accountIds: 10000 } },
  },
  'GET /territory-changes/:id': {
    targets: [{
      name: 'the change inside team West', path: (s) => `${API}/territory-changes/${s.changeId}`, allow: ['rep', 'otherRep', 'manager', ...READ_ALL],
      holds: ['revenueMoved', 'pipelineMoved', 'repTrailing', 'otherRepTrailing', 'repQuota', 'otherRepQuota'],
    }],
  },
  'GET /territory-changes/:id/accounts': {
    targets: [{ name: 'the change inside team West', path: (s) => `${API}/territory-changes/${s.changeId}/accounts`, allow: ['manager', ...READ_ALL], holds: ['revenueMoved', 'pipelineMoved'] }],
    query: { as: 'ops', path: (s) => `${API}/territory-changes/${s.changeId}/accounts`, params: { limit: { kind: 'int', min: 1, max: 5000 }, after: { kind: 'uuid' } } },
  },
  'POST /territory-changes/:id/cancel': {
    targets: [{ name: 'the change inside team West', path: (s) => `${API}/territory-changes/${s.changeId}/cancel`, allow: ['ops'], valid: () => ({ body: { comment: 'not needed any more' } }) }],
    malformed: { as: 'ops', optional: ['comment'], mayBeEmpty: ['comment'], emptyBodyOk: true },
  },
  'GET /accounts/:id/owner': {
    targets: [
      { name: 'Acme (West Coast)', path: (s) => `${API}/accounts/${s.accounts.acme.id}/owner`, allow: ['rep', 'manager', ...READ_ALL] },
      { name: 'Initech (West Two)', path: (s) => `${API}/accounts/${s.accounts.initech.id}/owner`, allow: ['otherRep', 'manager', ...READ_ALL] },
      { name: 'Hooli (East Coast)', path: (s) => `${API}/accounts/${s.accounts.hooli.id}/owner`, allow: ['farRep', 'otherManager', ...READ_ALL] },
    ],
    query: { as: 'ops', path: (s) => `${API}/accounts/${s.accounts.acme.id}/owner`, params: { date: { kind: 'date' } } },
  },

  // ── quota sign-off ────────────────────────────────────────────────────────────────────────
  'POST /quota-sets': {
    targets: only('/quota-sets', ['ops'], { valid: (s) => ({ body: { ...quotaSetBody(s, '2032-Q1', '2032-01-01', '2032-03-31'), changePercentFlag: '10' } }) }),
    malformed: { as: 'ops', optional: ['changePercentFlag', 'teamTargets.*'], maxItems: { quotas: 20000 } },
  },
  'POST /quota-sets/:id/submit': {
    targets: [{ name: 'draft set E', path: (s) => `${API}/quota-sets/${s.sets.e}/submit`, allow: ['ops'], valid: () => ({}) }],
    malformed: { as: 'ops', emptyBodyOk: true },
  },
  'GET /quota-sets/:id': {
    targets: [
      { name: 'set A (both teams)', path: (s) => `${API}/quota-sets/${s.sets.a}`, allow: ROLE_HOLDERS, holds: QUOTA_SET_A_HOLDS },
      { name: 'set D (locked)', path: (s) => `${API}/quota-sets/${s.sets.d}`, allow: ROLE_HOLDERS, holds: QUOTA_SET_A_HOLDS },
      { name: 'set E (team West only)', path: (s) => `${API}/quota-sets/${s.sets.e}`, allow: ['rep', 'otherRep', 'manager', ...READ_ALL], holds: ['repQuota', 'otherRepQuota', 'westTarget', 'companyTarget'] },
    ],
  },
  'POST /quota-sets/:id/adjustments': {
    targets: [
      {
        name: 'set A, team West', path: (s) => `${API}/quota-sets/${s.sets.a}/adjustments`, allow: ['manager'],
        valid: (s) => ({ body: { teamId: s.h.org.team.id, changes: [{ personId: s.people.rep.id, amount: '300000.01' }, { personId: s.people.otherRep.id, amount: '333333.32' }], comment: 'rebalance' } }),
      },
      {
        name: 'set A, team East', path: (s) => `${API}/quota-sets/${s.sets.a}/adjustments`, allow: ['otherManager'],
        valid: (s) => ({ body: { teamId: s.h.org.otherTeam.id, changes: [{ personId: s.people.farRep.id, amount: '333333.33' }], comment: 'unchanged' } }),
      },
    ],
    malformed: { as: 'manager', maxItems: { changes: 20000 } },
  },
  'POST /quota-sets/:id/revisions': {
    targets: [{ name: 'locked set D', path: (s) => `${API}/quota-sets/${s.sets.d}/revisions`, allow: ['ops'], valid: (s) => ({ body: { ...contentOf(quotaSetBody(s, '2029-Q4', '2029-10-01', '2029-12-31')), comment: 'mid-period change' } }) }],
    malformed: { as: 'ops', optional: ['teamTargets.*'], maxItems: { quotas: 20000 } },
  },
  'GET /quota-sets/:id/engine-quotas': {
    targets: [{ name: 'locked set D', path: (s) => `${API}/quota-sets/${s.sets.d}/engine-quotas`, allow: ['finance', 'ops'], holds: ['repQuota', 'otherRepQuota', 'farRepQuota'] }],
  },
  'GET /me/quotas': { targets: only('/me/quotas', ROLE_HOLDERS) },

  // ── Temporal codec ────────────────────────────────────────────────────────────────────────
  'POST /temporal-codec/decode': {
    safe: true,
    targets: only('/temporal-codec/decode', ['ops', 'admin'], { valid: () => ({ body: { payloads: [{ metadata: { encoding: b64('json/plain') }, data: b64('"hello"') }] } }) }),
    malformed: { as: 'ops', ...CODEC_HINTS },
  },
  'POST /temporal-codec/encode': {
    targets: only('/temporal-codec/encode', ['admin'], {
      valid: () => ({ body: { payloads: [{ metadata: { encoding: b64('json/plain') }, data: b64('"hello"') }] } }),
      probe: () => ({ body: { payloads: 'not a list' }, status: 400 }),
    }),
    malformed: { as: 'admin', ...CODEC_HINTS },
  },

  // ── imports ───────────────────────────────────────────────────────────────────────────────
  'POST /imports/:kind': {
    targets: only('/imports/products', ['ops', 'admin'], { valid: () => ({ body: { rows: [{ code: 'MATRIX-2', name: 'Second product', list_price: '6.00' }] } }) }),
    query: {
      as: 'ops', path: () => `${API}/imports/products`,
      params: { dryRun: { kind: 'enum', values: ['true', 'false'] }, skipBadRows: { kind: 'enum', values: ['true', 'false'] }, deactivateMissing: { kind: 'enum', values: ['false'] } },
    },
    malformed: { as: 'ops', maxItems: { rows: 50000 }, emptyArrayOk: ['rows'], openObjects: ['rows.*'], optional: ['rows.*.list_price'], mayBeEmpty: ['rows.*.list_price'], fieldStatuses: [422], refusalRecords: ['imports', 'import_issues', 'audit_events'] },
  },
  'GET /imports': {
    targets: only('/imports', READ_ALL),
    query: {
      as: 'ops', path: () => `${API}/imports`,
      params: { kind: { kind: 'enum', values: ['teams', 'people'] }, status: { kind: 'enum', values: ['completed'] }, limit: { kind: 'int', min: 1, max: 500 }, offset: { kind: 'int', min: 0, max: 1_000_000_000 } },
    },
  },
  'GET /imports/:id': { targets: only((s) => `/imports/${s.importId}`, READ_ALL) },
  'GET /imports/:id/report': {
    targets: only((s) => `/imports/${s.importId}/report`, READ_ALL),
    query: { as: 'ops', path: (s) => `${API}/imports/${s.importId}/report`, params: { format: { kind: 'enum', values: ['csv', 'json'] } } },
  },
  'GET /import-profiles': {
    targets: only('/import-profiles', READ_ALL),
    query: { as: 'ops', path: () => `${API}/import-profiles`, params: { kind: { kind: 'enum', values: ['deals'] } } },
  },
  'GET /import-profiles/:key': { targets: only('/import-profiles/salesforce', READ_ALL) },
  'PUT /import-profiles/:key': {
    targets: only('/import-profiles/matrix-deals', ['ops', 'admin'], {
      valid: () => ({
        body: {
          name: 'Matrix deals', kind: 'deals', extends: 'salesforce', description: 'Salesforce with our products',
          columns: { external_id: 'Opportunity ID' }, stages: { 'Closed Won': 'won' }, values: { product: { 'Edge-Plus': 'EDGE-PLUS' } }, dateFormat: 'M/D/YYYY',
        },
      }),
    }),
    malformed: { as: 'ops', mayBeEmpty: ['description'], optional: ['extends', 'description', 'columns', 'columns.*', 'stages', 'stages.*', 'values', 'values.*', 'values.*.*', 'dateFormat'] },
  },

  // ── the monthly close ─────────────────────────────────────────────────────────────────────
  'POST /periods': {
    targets: only('/periods', ['ops'], { valid: () => ({ body: { key: '2032-02' } }) }),
    malformed: { as: 'ops' },
  },
  'GET /periods': { targets: only('/periods', ROLE_HOLDERS) },
  'GET /periods/:id': { targets: only((s) => `/periods/${s.periodId}`, ROLE_HOLDERS) },
  'POST /periods/:id/close': {
    targets: [{ name: 'open period 2030-01', path: (s) => `${API}/periods/${s.periodId}/close`, allow: ['finance'], valid: () => ({ body: {} }) }],
    malformed: { as: 'finance', emptyBodyOk: true },
  },
  'GET /periods/:id/close': { targets: only((s) => `/periods/${s.periodId}/close`, READ_ALL) },
  'GET /periods/:id/close/review': {
    targets: [{ name: 'closed period 2029-12', path: (s) => `${API}/periods/${s.closedPeriodId}/close/review`, allow: READ_ALL }],
  },
  'POST /periods/:id/close/changes': {
    targets: [
      {
        name: 'open period 2030-01, team West', path: (s) => `${API}/periods/${s.periodId}/close/changes`, allow: ['manager'],
        valid: (s) => ({ body: { adjustments: [{ personId: s.people.otherRep.id, amount: '-120.50', reason: 'returned order' }], holds: [{ personId: s.people.rep.id, reason: 'contract in dispute' }], comment: 'West review' } }),
      },
      {
        name: 'open period 2030-01, team East', path: (s) => `${API}/periods/${s.periodId}/close/changes`, allow: ['otherManager'],
        valid: (s) => ({ body: { holds: [{ personId: s.people.farRep.id, reason: 'contract in dispute' }] } }),
      },
    ],
    malformed: { as: 'manager', optional: ['adjustments', 'holds', 'comment'], emptyArrayOk: ['adjustments', 'holds'], maxItems: { adjustments: 100, holds: 100 } },
  },
  'POST /periods/:id/close/negatives/:personId/acknowledgement': {
    targets: [{ name: "open period 2030-01, Rita's payout", path: (s) => `${API}/periods/${s.periodId}/close/negatives/${s.people.rep.id}/acknowledgement`, allow: ['finance'], valid: () => ({ body: { comment: 'clawback, recovered next month' } }) }],
    malformed: { as: 'finance', optional: ['comment'], emptyBodyOk: true },
  },
  'GET /periods/:id/verification': {
    targets: [{ name: 'closed period 2029-12', path: (s) => `${API}/periods/${s.closedPeriodId}/verification`, allow: ['finance', 'auditor', 'admin'] }],
  },
  'GET /periods/:id/payouts': { targets: only((s) => `/periods/${s.periodId}/payouts`, ROLE_HOLDERS) },
  'GET /periods/:id/payroll': { targets: only((s) => `/periods/${s.periodId}/payroll`, ['finance', 'ops']) },
  'GET /periods/:id/statements': {
    targets: [{ name: 'closed period 2029-12', path: (s) => `${API}/periods/${s.closedPeriodId}/statements`, allow: READ_ALL }],
  },
  'POST /periods/:id/statements/:personId/resend': {
    targets: [{ name: "Rita's statement (closed 2029-12)", path: (s) => `${API}/periods/${s.closedPeriodId}/statements/${s.people.rep.id}/resend`, allow: ['finance', 'ops'], valid: () => ({ body: {} }) }],
    malformed: { as: 'finance', emptyBodyOk: true },
  },
  'GET /me/statements': { targets: only('/me/statements', ROLE_HOLDERS) },
  'GET /statements/:id': {
    targets: [{ name: "Rita's statement (West, closed 2029-12)", path: (s) => `${API}/statements/${s.statementId}`, allow: ['rep', 'manager', ...READ_ALL] }],
  },
};

function contentOf(body: ReturnType<typeof quotaSetBody>) {
  const { companyTarget, teamTargets, quotas } = body;
  return { companyTarget, teamTargets, quotas };
}

/** The markers of the scenario that no entry's `holds` names (they must still never leak). */
export function markersNamedNowhere(): MarkerName[] {
  const named = new Set(Object.values(CATALOGUE).flatMap((e) => e.targets.flatMap((t) => t.holds ?? [])));
  return (Object.keys(MARKERS) as MarkerName[]).filter((m) => !named.has(m));
}
