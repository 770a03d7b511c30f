import { DomainError } from '../errors';
import { person, salesOrg, salesOrgWith, salesOrgWithout } from './__fixtures__/org.mother';
import {
  DEFAULT_APPROVAL_POLICY,
  resolveStages,
  routeQuotaSignoff,
  routeTerritoryChange,
  withThresholds,
  type ApprovalPolicy,
} from './policy';
import type { ApprovalRequest, ApprovalStage, Organisation } from './types';

interface Expected {
  /** Stage ids in order, with their step: 'team:A@0'. */
  stages?: string[];
  approvers?: Record<string, string[]>;
  escalateTo?: Record<string, string[]>;
  timing?: Record<string, [number | undefined, number | undefined, number | undefined]>;
  error?: { code: string; stageId?: string; field?: string };
}

const planFor = (rep: string, extra: Partial<ApprovalRequest> = {}): ApprovalRequest => ({
  kind: 'plan-acceptance',
  subject: `plan-assignment:${rep}`,
  requesterId: 'ops1',
  subjectPersonIds: [rep],
  ...extra,
});

const quotaFor = (teams: string[], reps: string[], extra: Partial<ApprovalRequest> = {}): ApprovalRequest => ({
  kind: 'quota-signoff',
  subject: 'quota-set:fy2026',
  requesterId: 'ops1',
  subjectTeamIds: teams,
  subjectPersonIds: reps,
  ...extra,
});

const territoryChange = (
  losing: string[],
  gaining: string[],
  revenueMoved: string | undefined,
  extra: Partial<ApprovalRequest> = {},
): ApprovalRequest => ({
  kind: 'territory-change',
  subject: 'territory-change:tc1',
  requesterId: 'ops1',
  losingTerritoryIds: losing,
  gainingTerritoryIds: gaining,
  ...(revenueMoved !== undefined ? { impact: { revenueMoved } } : {}),
  ...extra,
});

const QUOTA_STAGES = ['team:A@0', 'team:B@0', 'finance@1', 'acknowledge:repA1@2', 'acknowledge:repA2@2', 'acknowledge:repB1@2'];

const cases: [string, ApprovalRequest, Organisation, Expected][] = [
  // plan acceptance
  [
    'plan: without pre-approval only the rep decides, escalation to the manager, defaults 3/7/14',
    planFor('repA1'),
    salesOrg(),
    {
      stages: ['rep-acceptance@0'],
      approvers: { 'rep-acceptance': ['repA1'] },
      escalateTo: { 'rep-acceptance': ['mgrA'] },
      timing: { 'rep-acceptance': [3, 7, 14] },
    },
  ],
  [
    'plan: manager pre-approval on adds the manager stage first',
    planFor('repA1', { settings: { managerPreApproval: true } }),
    salesOrg(),
    {
      stages: ['manager-preapproval@0', 'rep-acceptance@1'],
      approvers: { 'manager-preapproval': ['mgrA'], 'rep-acceptance': ['repA1'] },
      escalateTo: { 'manager-preapproval': ['ops1', 'ops2'] },
    },
  ],
  [
    'plan: per-request timing overrides the defaults',
    planFor('repB1', { settings: { reminderEveryDays: 2, escalateAfterDays: 5, expireAfterDays: 10 } }),
    salesOrg(),
    { timing: { 'rep-acceptance': [2, 5, 10] }, escalateTo: { 'rep-acceptance': ['mgrB'] } },
  ],
  [
    'plan: pre-approval off explicitly keeps one stage',
    planFor('repB1', { settings: { managerPreApproval: false } }),
    salesOrg(),
    { stages: ['rep-acceptance@0'] },
  ],
  [
    'plan: the manager who publishes cannot pre-approve their own request',
    planFor('repA1', { requesterId: 'mgrA', settings: { managerPreApproval: true } }),
    salesOrg(),
    { error: { code: 'APPROVAL.NO_ELIGIBLE_APPROVER', stageId: 'manager-preapproval' } },
  ],
  [
    'plan: a rep publishing a plan to themselves has nobody to accept it',
    planFor('repA1', { requesterId: 'repA1' }),
    salesOrg(),
    { error: { code: 'APPROVAL.NO_ELIGIBLE_APPROVER', stageId: 'rep-acceptance' } },
  ],
  [
    'plan: the team manager left (inactive), pre-approval has nobody',
    planFor('repC1', { settings: { managerPreApproval: true } }),
    salesOrg(),
    { error: { code: 'APPROVAL.NO_ELIGIBLE_APPROVER', stageId: 'manager-preapproval' } },
  ],
  [
    'plan: a manager is escalated to their own manager (parent team)',
    planFor('mgrA', { settings: { managerPreApproval: true } }),
    salesOrg(),
    { approvers: { 'manager-preapproval': ['director'] }, escalateTo: { 'rep-acceptance': ['director'] } },
  ],
  [
    'plan: a rep without a manager escalates to sales operations instead',
    planFor('loner'),
    salesOrg(),
    { approvers: { 'rep-acceptance': ['loner'] }, escalateTo: { 'rep-acceptance': ['ops1', 'ops2'] } },
  ],
  [
    'plan: an inactive rep cannot accept',
    planFor('repA3'),
    salesOrg(),
    { error: { code: 'APPROVAL.NO_ELIGIBLE_APPROVER', stageId: 'rep-acceptance' } },
  ],
  [
    'plan: zero reminder days is refused with the field',
    planFor('repA1', { settings: { reminderEveryDays: 0 } }),
    salesOrg(),
    { error: { code: 'VALIDATION.FAILED', field: 'settings.reminderEveryDays' } },
  ],
  [
    'plan: escalating after the default expiry (14 d) is refused too',
    planFor('repA1', { settings: { escalateAfterDays: 20 } }),
    salesOrg(),
    { error: { code: 'VALIDATION.FAILED', field: 'settings.escalateAfterDays' } },
  ],
  [
    'plan: escalating on the day of expiry is allowed',
    planFor('repA1', { settings: { escalateAfterDays: 14 } }),
    salesOrg(),
    { timing: { 'rep-acceptance': [3, 14, 14] } },
  ],
  [
    'plan: escalation after expiry is refused',
    planFor('repA1', { settings: { escalateAfterDays: 15, expireAfterDays: 14 } }),
    salesOrg(),
    { error: { code: 'VALIDATION.FAILED', field: 'settings.escalateAfterDays' } },
  ],
  // quota sign-off
  [
    'quota: team stages in parallel, then finance, then one acknowledgement per rep',
    quotaFor(['A', 'B'], ['repA1', 'repA2', 'repB1']),
    salesOrg(),
    {
      stages: QUOTA_STAGES,
      approvers: { 'team:A': ['mgrA'], 'team:B': ['mgrB'], finance: ['fin1', 'fin2', 'mgrFin'], 'acknowledge:repA2': ['repA2'] },
      escalateTo: { 'team:A': ['ops1', 'ops2'], 'acknowledge:repA1': ['mgrA'], 'acknowledge:repB1': ['mgrB'] },
    },
  ],
  [
    'quota: a manager with a quota of their own is the subject and cannot approve the team',
    quotaFor(['A'], ['mgrA', 'repA1']),
    salesOrg(),
    { error: { code: 'APPROVAL.NO_ELIGIBLE_APPROVER', stageId: 'team:A' } },
  ],
  [
    'quota: the team manager who is also finance is kept out of the finance step',
    quotaFor(['D'], ['repD1']),
    salesOrg(),
    { approvers: { 'team:D': ['mgrFin'], finance: ['fin1', 'fin2'] } },
  ],
  [
    'quota: when that manager is the only finance person, finance has nobody',
    quotaFor(['D'], ['repD1']),
    salesOrgWithout('fin1', 'fin2'),
    { error: { code: 'APPROVAL.NO_ELIGIBLE_APPROVER', stageId: 'finance' } },
  ],
  [
    'quota: a finance requester is excluded from the finance stage',
    quotaFor(['B'], ['repB1'], { requesterId: 'fin1' }),
    salesOrg(),
    { approvers: { finance: ['fin2', 'mgrFin'] } },
  ],
  [
    'quota: no team named is refused with the field',
    quotaFor([], ['repA1']),
    salesOrg(),
    { error: { code: 'VALIDATION.FAILED', field: 'subjectTeamIds' } },
  ],
  [
    'quota: a team whose manager left has nobody to approve',
    quotaFor(['C'], ['repC1']),
    salesOrg(),
    { error: { code: 'APPROVAL.NO_ELIGIBLE_APPROVER', stageId: 'team:C' } },
  ],
  [
    'quota: one manager of two teams approves both parallel stages of the same step',
    quotaFor(['A', 'E'], ['repA1']),
    salesOrg(),
    { stages: ['team:A@0', 'team:E@0', 'finance@1', 'acknowledge:repA1@2'], approvers: { 'team:A': ['mgrA'], 'team:E': ['mgrA'] } },
  ],
  [
    'quota: a rep named twice acknowledges once',
    quotaFor(['B'], ['repB1', 'repB1']),
    salesOrg(),
    { stages: ['team:B@0', 'finance@1', 'acknowledge:repB1@2'] },
  ],
  // territory change
  [
    'territory: below the threshold, managers of both sides then ops; the requester is not an approver',
    territoryChange(['west'], ['east'], '10000.00'),
    salesOrg(),
    { stages: ['territory-managers@0', 'ops@1'], approvers: { 'territory-managers': ['mgrA', 'mgrB'], ops: ['ops2'] } },
  ],
  [
    'territory: above the threshold finance signs as well',
    territoryChange(['west'], ['east'], '50000.01'),
    salesOrg(),
    { stages: ['territory-managers@0', 'ops@1', 'finance@2'], approvers: { finance: ['fin1', 'fin2', 'mgrFin'] } },
  ],
  [
    'territory: exactly at the threshold is not above it',
    territoryChange(['west'], ['east'], '50000'),
    salesOrg(),
    { stages: ['territory-managers@0', 'ops@1'] },
  ],
  [
    'territory: the request can carry a lower threshold',
    territoryChange(['west'], ['east'], '10000.00', { thresholds: { financeAbove: '5000' } }),
    salesOrg(),
    { stages: ['territory-managers@0', 'ops@1', 'finance@2'] },
  ],
  [
    'territory: a request may not raise the threshold above the organisation\'s (it would switch finance off)',
    territoryChange(['west'], ['east'], '60000.00', { thresholds: { financeAbove: '9999999999999999.99' } }),
    salesOrg(),
    { error: { code: 'VALIDATION.LOOSER_THAN_POLICY', field: 'thresholds.financeAbove' } },
  ],
  [
    'territory: an unknown impact goes to finance rather than skipping it',
    territoryChange(['west'], ['east'], undefined),
    salesOrg(),
    { stages: ['territory-managers@0', 'ops@1', 'finance@2'] },
  ],
  [
    'territory: revenue moved is a magnitude (negative counts too)',
    territoryChange(['west'], ['east'], '-60000.00'),
    salesOrg(),
    { stages: ['territory-managers@0', 'ops@1', 'finance@2'] },
  ],
  [
    'territory: a losing manager who requests it is left out; ops may both act',
    territoryChange(['west'], ['east'], '100', { requesterId: 'mgrA' }),
    salesOrg(),
    { approvers: { 'territory-managers': ['mgrB'], ops: ['ops1', 'ops2'] } },
  ],
  [
    'territory: a sub-territory without owner or team uses its parent manager; explicit managers win',
    territoryChange(['west-sub'], ['south'], '100'),
    salesOrg(),
    { approvers: { 'territory-managers': ['mgrA', 'director'] } },
  ],
  [
    'territory: a manager in the all-stage is kept out of the finance step',
    territoryChange(['north'], ['east'], '75000.00'),
    salesOrg(),
    { approvers: { 'territory-managers': ['mgrFin', 'mgrB'], finance: ['fin1', 'fin2'] } },
  ],
  [
    'territory: subject reps never approve a change about themselves',
    territoryChange(['west'], ['east'], '100', { subjectPersonIds: ['mgrB'] }),
    salesOrg(),
    { approvers: { 'territory-managers': ['mgrA'] } },
  ],
  [
    'territory: territories nobody manages leave the manager stage empty',
    territoryChange(['orphan'], ['orphan2'], '100'),
    salesOrg(),
    { error: { code: 'APPROVAL.NO_ELIGIBLE_APPROVER', stageId: 'territory-managers' } },
  ],
  [
    'territory: the only ops person requesting leaves ops empty',
    territoryChange(['west'], ['east'], '100'),
    salesOrgWithout('ops2'),
    { error: { code: 'APPROVAL.NO_ELIGIBLE_APPROVER', stageId: 'ops' } },
  ],
  [
    'territory: the only possible finance signer is kept free of the earlier ops step',
    territoryChange(['west'], ['east'], '75000.00'),
    salesOrgWith([person('opsFin', ['ops', 'finance'])], 'fin1', 'fin2', 'mgrFin'),
    { approvers: { ops: ['ops2'], finance: ['opsFin'] } },
  ],
  [
    'territory: when that person is also the only ops signer, one of the steps has nobody',
    territoryChange(['west'], ['east'], '75000.00'),
    salesOrgWith([person('opsFin', ['ops', 'finance'])], 'fin1', 'fin2', 'mgrFin', 'ops2'),
    { error: { code: 'APPROVAL.NO_ELIGIBLE_APPROVER', stageId: 'finance' } },
  ],
  [
    'territory: a malformed amount is refused with the field',
    territoryChange(['west'], ['east'], '12,000'),
    salesOrg(),
    { error: { code: 'VALIDATION.FAILED', field: 'impact.revenueMoved' } },
  ],
];

function resolveOrError(request: ApprovalRequest, org: Organisation): ApprovalStage[] | DomainError {
  try {
    return resolveStages(DEFAULT_APPROVAL_POLICY, request, org);
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
}

describe('approval policy (DEFAULT_APPROVAL_POLICY)', () => {
  it.each(cases)('%s', (_name, request, org, expected) => {
    const result = resolveOrError(request, org);
    if (expected.error) {
      expect(result).toBeInstanceOf(DomainError);
      const error = result as DomainError;
      expect(error.code).toBe(expected.error.code);
      const details = error.details as { stageId?: string; field?: string };
      if (expected.error.stageId) expect(details.stageId).toBe(expected.error.stageId);
      if (expected.error.field) expect(details.field).toBe(expected.error.field);
      return;
    }
    expect(result).not.toBeInstanceOf(DomainError);
    const stages = result as ApprovalStage[];
    const byId = new Map(stages.map((s) => [s.id, s]));
    if (expected.stages) expect(stages.map((s) => `${s.id}@${s.step}`)).toEqual(expected.stages);
    for (const [id, ids] of Object.entries(expected.approvers ?? {})) expect([id, byId.get(id)?.approverIds]).toEqual([id, ids]);
    for (const [id, ids] of Object.entries(expected.escalateTo ?? {})) expect([id, byId.get(id)?.escalateToIds]).toEqual([id, ids]);
    for (const [id, [reminder, escalate, deadline]] of Object.entries(expected.timing ?? {})) {
      const stage = byId.get(id);
      expect([stage?.reminderEveryDays, stage?.escalateAfterDays, stage?.deadlineDays]).toEqual([reminder, escalate, deadline]);
    }
  });
});

describe('approval policy details', () => {
  it('names who was excluded and why when a stage is empty', () => {
    const error = resolveOrError(planFor('repA1', { requesterId: 'mgrA', settings: { managerPreApproval: true } }), salesOrg());
    expect((error as DomainError).details).toEqual({
      stageId: 'manager-preapproval',
      approvers: [{ kind: 'manager-of', personId: 'repA1' }],
      excluded: [{ personId: 'mgrA', reason: 'requester' }],
    });
  });

  it('records the bound references, mode, decisions and deadline behaviour on each stage', () => {
    const stages = routeQuotaSignoff(quotaFor(['A'], ['repA1']), salesOrg());
    expect(stages.map((s) => [s.id, s.approvers, s.mode, s.decisions, s.onDeadline])).toEqual([
      ['team:A', [{ kind: 'manager-of', teamId: 'A' }], 'any', ['approve', 'reject'], 'escalate-only'],
      ['finance', [{ kind: 'role', role: 'finance' }], 'any', ['approve', 'reject'], 'escalate-only'],
      ['acknowledge:repA1', [{ kind: 'person', personId: 'repA1' }], 'any', ['acknowledge'], 'proceed-flagged'],
    ]);
    expect(stages[0].label).toBe('Team A manager approval');
  });

  it('labels a fanned-out stage with the team or person name when the organisation knows it', () => {
    const org = salesOrg();
    const named = {
      ...org,
      teams: org.teams.map((t) => (t.id === 'A' ? { ...t, name: 'Enterprise West' } : t)),
      people: org.people.map((p) => (p.id === 'repA1' ? { ...p, name: 'Liam Carter' } : p)),
    };
    const stages = routeQuotaSignoff(quotaFor(['A'], ['repA1']), named);
    expect(stages.map((s) => s.label)).toEqual(['Team Enterprise West manager approval', expect.any(String), 'Quota acknowledgement by Liam Carter']);
  });

  it('territory managers decide together (mode all) and expiry of a plan notifies ops', () => {
    const [managers] = routeTerritoryChange(territoryChange(['west'], ['east'], '1'), salesOrg());
    expect(managers.mode).toBe('all');
    expect(managers.approvers).toEqual([
      { kind: 'manager-of', territoryId: 'west' },
      { kind: 'manager-of', territoryId: 'east' },
    ]);
    const [acceptance] = resolveStages(DEFAULT_APPROVAL_POLICY, { kind: 'plan-acceptance', requesterId: 'ops1', subjectPersonIds: ['repA1'], settings: {} }, salesOrg());
    expect([acceptance.onDeadline, acceptance.deadlineNotifyIds]).toEqual(['expire', ['ops1', 'ops2']]);
  });

  it('the configured threshold replaces the default, and a request can only go below it', () => {
    const policy = withThresholds(DEFAULT_APPROVAL_POLICY, { financeAbove: '100000.00' });
    const ids = (request: ApprovalRequest) => resolveStages(policy, request, salesOrg()).map((s) => s.id);
    expect(ids(territoryChange(['west'], ['east'], '60000.00'))).toEqual(['territory-managers', 'ops']);
    expect(ids(territoryChange(['west'], ['east'], '60000.00', { thresholds: { financeAbove: '50000.00' } }))).toEqual(['territory-managers', 'ops', 'finance']);
    expect(() => ids(territoryChange(['west'], ['east'], '60000.00', { thresholds: { financeAbove: '100000.01' } }))).toThrow(DomainError);
  });

  it('is data: a JSON copy of the policy routes identically', () => {
    const copy = JSON.parse(JSON.stringify(DEFAULT_APPROVAL_POLICY)) as ApprovalPolicy;
    const request = quotaFor(['A', 'B'], ['repA1', 'repB1']);
    expect(resolveStages(copy, request, salesOrg())).toEqual(resolveStages(DEFAULT_APPROVAL_POLICY, request, salesOrg()));
  });

  it('a template marked skipIfEmpty is dropped instead of failing, and steps stay contiguous', () => {
    const policy: ApprovalPolicy = {
      ...DEFAULT_APPROVAL_POLICY,
      routes: {
        ...DEFAULT_APPROVAL_POLICY.routes,
        'territory-change': DEFAULT_APPROVAL_POLICY.routes['territory-change'].map((t) =>
          t.id === 'territory-managers' ? { ...t, skipIfEmpty: true } : t,
        ),
      },
    };
    const stages = resolveStages(policy, territoryChange(['orphan'], ['orphan2'], '100'), salesOrg());
    expect(stages.map((s) => `${s.id}@${s.step}`)).toEqual(['ops@0']);
  });

  it('a custom route can escalate to a named person and require a role inside a team', () => {
    const policy: ApprovalPolicy = {
      version: 'custom',
      thresholds: {},
      routes: {
        ...DEFAULT_APPROVAL_POLICY.routes,
        'plan-acceptance': [
          {
            id: 'team-rep-review',
            label: 'Peer review',
            approvers: [{ kind: 'role', role: 'rep', teamId: 'A' }],
            actingRole: 'rep',
            mode: 'any',
            decisions: ['approve', 'reject'],
            escalateTo: [{ kind: 'person', personId: 'director' }],
            onDeadline: 'escalate-only',
          },
        ],
      },
    };
    const [stage] = resolveStages(policy, planFor('repA1'), salesOrg());
    // repA1 is the subject, repA3 is inactive.
    expect([stage.approverIds, stage.escalateToIds]).toEqual([['mgrA', 'repA2'], ['director']]);
  });
});
