import { salesOrg } from './__fixtures__/org.mother';
import {
  apply,
  applyStepOutcome,
  cancel,
  checkApply,
  createApprovalState,
  groupIntoSteps,
  nextDeadline,
  nextWakeAt,
  openStages,
  reopenAfterAdjustment,
  tick,
  type ApprovalEffect,
  type ApprovalState,
  type ApprovalStep,
  type DecisionInput,
  type Transition,
} from './approval-state';
import { DEFAULT_APPROVAL_POLICY, resolveStages, routeQuotaSignoff, routeTerritoryChange } from './policy';
import type { ApprovalStage } from './types';

const T0 = Date.parse('2026-03-02T09:00:00.000Z');
const DAY = 24 * 60 * 60 * 1000;
const quotaRequest = { requesterId: 'ops1', subjectTeamIds: ['A', 'B'], subjectPersonIds: ['repA1', 'repB1'] };

const inline = (stages: ApprovalStage[]): ApprovalStep[] => groupIntoSteps(stages).map((s) => ({ kind: 'inline', stages: s }));

function start(request: { requesterId: string; subjectPersonIds?: string[] }, stages: ApprovalStage[], now = T0): Transition {
  return createApprovalState({ requesterId: request.requesterId, subjectPersonIds: request.subjectPersonIds ?? [] }, inline(stages), { now });
}

function quota(): ApprovalState {
  return start(quotaRequest, routeQuotaSignoff(quotaRequest, salesOrg())).state;
}

function decide(state: ApprovalState, actorId: string, decision: DecisionInput['decision'], extra: Partial<DecisionInput> = {}, now = T0): ApprovalState {
  return apply(state, { actorId, decision, ...extra }, now).state;
}

const open = (state: ApprovalState): string[] => openStages(state).map((s) => s.id);
const kinds = (effects: ApprovalEffect[]): string[] => effects.map((e) => e.kind);

describe('approval state machine', () => {
  it('opens the first step at creation and says so', () => {
    const t = start(quotaRequest, routeQuotaSignoff(quotaRequest, salesOrg()));
    expect(kinds(t.effects)).toEqual(['step-opened']);
    expect(t.effects[0]).toMatchObject({ kind: 'step-opened', step: 0, visit: 1 });
    expect(open(t.state)).toEqual(['team:A', 'team:B']);
  });

  it('quota sign-off runs teams in parallel, then finance, then acknowledgements, then approves', () => {
    let state = quota();
    const first = apply(state, { actorId: 'mgrB', decision: 'approve' }, T0);
    expect(kinds(first.effects)).toEqual(['decided']);
    expect(first.effects[0]).toMatchObject({ stageCompleted: true, decision: { stageId: 'team:B', step: 0, visit: 1 } });
    state = first.state;
    expect([state.current, open(state)]).toEqual([0, ['team:A']]);
    const second = apply(state, { actorId: 'mgrA', decision: 'approve' }, T0);
    expect(kinds(second.effects)).toEqual(['decided', 'step-closed', 'step-opened']);
    state = decide(second.state, 'fin2', 'approve');
    expect(open(state)).toEqual(['acknowledge:repA1', 'acknowledge:repB1']);
    state = decide(state, 'repA1', 'acknowledge');
    expect(state.status).toBe('pending');
    const last = apply(state, { actorId: 'repB1', decision: 'acknowledge' }, T0);
    expect(kinds(last.effects)).toEqual(['decided', 'step-closed', 'ended']);
    expect([last.state.status, open(last.state)]).toEqual(['approved', []]);
  });

  it('a rejection at finance goes one step back: the teams decide again on a new visit', () => {
    let state = decide(decide(quota(), 'mgrA', 'approve'), 'mgrB', 'approve');
    const rejected = apply(state, { actorId: 'fin1', decision: 'reject', comment: 'total below company target' }, T0);
    expect(kinds(rejected.effects)).toEqual(['decided', 'step-closed', 'step-opened']);
    expect(rejected.effects[2]).toMatchObject({ step: 0, visit: 2, returnedBy: { actorId: 'fin1', stageLabel: 'Finance approval of the quota set', comment: 'total below company target' } });
    state = rejected.state;
    expect([state.status, state.current, state.decisions, open(state)]).toEqual(['pending', 0, [], ['team:A', 'team:B']]);
    state = decide(decide(state, 'mgrA', 'approve'), 'mgrB', 'approve');
    expect([state.visits, open(state)]).toEqual([[2, 2, 0], ['finance']]);
  });

  it('a rejection at the first step returns the request to the requester', () => {
    const t = apply(quota(), { actorId: 'mgrA', decision: 'reject', comment: 'rep A2 too high' }, T0);
    expect(kinds(t.effects)).toEqual(['decided', 'step-closed', 'ended']);
    expect(t.effects[2]).toMatchObject({ kind: 'ended', status: 'returned', decision: { actorId: 'mgrA' } });
    expect(checkApply(t.state, { actorId: 'mgrB', decision: 'approve' })).toMatchObject({ ok: false, code: 'APPROVAL.NOT_PENDING' });
    expect(checkApply(t.state, { actorId: 'mgrA', decision: 'approve' })).toMatchObject({ ok: false, code: 'APPROVAL.ALREADY_DECIDED' });
  });

  it("an 'all' stage needs every approver before the next step opens", () => {
    const request = { requesterId: 'ops1', losingTerritoryIds: ['west'], gainingTerritoryIds: ['east'], impact: { revenueMoved: '10' } };
    let state = start(request, routeTerritoryChange(request, salesOrg())).state;
    const first = apply(state, { actorId: 'mgrA', decision: 'approve' }, T0);
    expect(first.effects[0]).toMatchObject({ kind: 'decided', stageCompleted: false });
    state = first.state;
    expect(open(state)).toEqual(['territory-managers']);
    state = decide(state, 'mgrB', 'approve');
    expect(open(state)).toEqual(['ops']);
    expect(decide(state, 'ops2', 'approve').status).toBe('approved');
  });

  it('a double decision is refused and leaves the state untouched', () => {
    const request = { requesterId: 'ops1', losingTerritoryIds: ['west'], gainingTerritoryIds: ['east'], impact: { revenueMoved: '10' } };
    const state = decide(start(request, routeTerritoryChange(request, salesOrg())).state, 'mgrA', 'approve');
    const snapshot = JSON.stringify(state);
    expect(checkApply(state, { actorId: 'mgrA', decision: 'approve' })).toMatchObject({ ok: false, code: 'APPROVAL.ALREADY_DECIDED' });
    expect(() => apply(state, { actorId: 'mgrA', decision: 'approve' }, T0)).toThrow('APPROVAL.ALREADY_DECIDED');
    expect(JSON.stringify(state)).toBe(snapshot);
  });

  it('refuses with the real reason first: not an approver, not waiting for you, wrong stage, decision not offered, no comment', () => {
    const state = quota();
    expect(checkApply(state, { actorId: 'auditor1', decision: 'approve' })).toEqual({ ok: false, code: 'AUTH.NOT_AN_APPROVER', reason: 'You are not an approver of this request.', field: 'actorId' });
    expect(checkApply(state, { actorId: 'fin1', decision: 'approve' })).toMatchObject({ ok: false, code: 'APPROVAL.NOT_PENDING', field: 'actorId' });
    expect(checkApply(state, { actorId: 'mgrA', decision: 'approve', stageId: 'team:B' })).toMatchObject({ ok: false, code: 'APPROVAL.WRONG_STAGE', field: 'stageId' });
    expect(checkApply(state, { actorId: 'mgrA', decision: 'accept' })).toMatchObject({ ok: false, code: 'VALIDATION.FAILED', field: 'decision' });
    expect(checkApply(state, { actorId: 'mgrA', decision: 'reject', comment: '  ' })).toMatchObject({ ok: false, code: 'VALIDATION.FAILED', field: 'comment' });
    expect(checkApply(state, { actorId: 'mgrA', decision: 'approve', stageId: 'team:A' })).toMatchObject({ ok: true, stage: { id: 'team:A' } });
  });

  it('area codes replace the generic ones', () => {
    const codes = { notAnApprover: 'AUTH.FORBIDDEN', alreadyDecided: 'PLAN_ASSIGNMENT.ALREADY_DECIDED', notPending: 'PLAN_ASSIGNMENT.NOT_PENDING', wrongStage: 'PLAN_ASSIGNMENT.NOT_PENDING' } as const;
    const request = { requesterId: 'ops1', subjectPersonIds: ['repA1'] };
    const state = start(request, resolveStages(DEFAULT_APPROVAL_POLICY, { ...request, kind: 'plan-acceptance', settings: {} }, salesOrg())).state;
    expect(checkApply(state, { actorId: 'repB1', decision: 'accept' }, codes)).toMatchObject({ ok: false, code: 'AUTH.FORBIDDEN' });
    const accepted = apply(state, { actorId: 'repA1', decision: 'accept' }, T0, codes).state;
    expect(checkApply(accepted, { actorId: 'repA1', decision: 'decline', comment: 'no' }, codes)).toMatchObject({ ok: false, code: 'PLAN_ASSIGNMENT.ALREADY_DECIDED' });
  });

  it('the same person cannot sign two steps even when the policy lists them in both', () => {
    const stages: ApprovalStage[] = [
      { id: 'team:A', label: 'A', approvers: [], approverIds: ['mgrA', 'fin1'], mode: 'any', decisions: ['approve', 'reject'], escalateToIds: [], onDeadline: 'escalate-only' },
      { id: 'finance', label: 'F', approvers: [], approverIds: ['fin1', 'fin2'], mode: 'any', decisions: ['approve', 'reject'], escalateToIds: [], onDeadline: 'escalate-only' },
    ];
    const state = decide(start({ requesterId: 'ops1' }, stages).state, 'fin1', 'approve');
    expect(checkApply(state, { actorId: 'fin1', decision: 'approve' })).toMatchObject({ ok: false, code: 'AUTH.SECOND_STAGE_SAME_PERSON' });
    expect(decide(state, 'fin2', 'approve').status).toBe('approved');
  });

  it('people who signed an earlier step elsewhere (prior signers of a child slice) may not sign here', () => {
    const stages: ApprovalStage[] = [
      { id: 'finance', label: 'F', approvers: [], approverIds: ['fin1', 'fin2'], mode: 'any', decisions: ['approve', 'reject'], escalateToIds: [], onDeadline: 'escalate-only' },
    ];
    const { state } = createApprovalState({ requesterId: 'ops1', subjectPersonIds: [] }, inline(stages), { now: T0, priorSigners: ['fin1'] });
    expect(checkApply(state, { actorId: 'fin1', decision: 'approve' })).toMatchObject({ ok: false, code: 'AUTH.SECOND_STAGE_SAME_PERSON' });
    expect(checkApply(state, { actorId: 'fin2', decision: 'approve' }).ok).toBe(true);
  });

  it('plan acceptance: the subject may not pre-approve; a decline ends it; pre-approval then acceptance approves', () => {
    const request = { requesterId: 'ops1', subjectPersonIds: ['repA1'] };
    const state = start(request, resolveStages(DEFAULT_APPROVAL_POLICY, { ...request, kind: 'plan-acceptance', settings: { managerPreApproval: true } }, salesOrg())).state;
    expect(open(state)).toEqual(['manager-preapproval']);
    const approved = decide(state, 'mgrA', 'approve');
    expect(checkApply(approved, { actorId: 'repA1', decision: 'decline' })).toMatchObject({ ok: false, code: 'VALIDATION.FAILED', field: 'comment' });
    const declined = apply(approved, { actorId: 'repA1', decision: 'decline', comment: 'territory too small' }, T0);
    expect(kinds(declined.effects)).toEqual(['decided', 'ended']);
    expect([declined.state.status, declined.state.outcome?.comment]).toEqual(['declined', 'territory too small']);
    expect(decide(approved, 'repA1', 'accept').status).toBe('approved');
  });

  it('a requested adjustment ends the visit; reopening votes again from a new visit', () => {
    const stages: ApprovalStage[] = [
      { id: 'team:A', label: 'Team A review', approvers: [], approverIds: ['mgrA'], mode: 'any', decisions: ['approve', 'request-adjustment', 'reject'], escalateToIds: [], onDeadline: 'escalate-only' },
      { id: 'team:B', label: 'Team B review', approvers: [], approverIds: ['mgrB'], mode: 'any', decisions: ['approve', 'request-adjustment', 'reject'], escalateToIds: [], onDeadline: 'escalate-only', step: 0 },
    ].map((s): ApprovalStage => ({ ...s, mode: 'any', onDeadline: 'escalate-only', decisions: ['approve', 'request-adjustment', 'reject'], step: 0 }));
    let state = decide(start({ requesterId: 'fin1' }, stages).state, 'mgrB', 'approve');
    const asked = apply(state, { actorId: 'mgrA', decision: 'request-adjustment', comment: 'repA1: +500.00 spiff', data: { adjustment: { personId: 'repA1', amount: '500.00' } } }, T0);
    expect(kinds(asked.effects)).toEqual(['decided', 'ended']);
    expect(asked.state.status).toBe('adjustment-requested');
    const reopened = reopenAfterAdjustment(asked.state, T0 + DAY);
    expect(kinds(reopened.effects)).toEqual(['step-opened']);
    expect([reopened.state.visits, open(reopened.state), reopened.state.decisions]).toEqual([[2], ['team:A', 'team:B'], []]);
    state = decide(decide(reopened.state, 'mgrA', 'approve'), 'mgrB', 'approve');
    expect(state.status).toBe('approved');
  });

  it('reminders, escalation and the deadline fire in order; nothing fires early', () => {
    const request = { requesterId: 'ops1', subjectPersonIds: ['repA1'] };
    let state = start(request, resolveStages(DEFAULT_APPROVAL_POLICY, { ...request, kind: 'plan-acceptance', settings: {} }, salesOrg())).state;
    expect(nextWakeAt(state)).toBe(T0 + 3 * DAY);
    expect(nextDeadline(state)).toBe(new Date(T0 + 14 * DAY).toISOString());
    expect(tick(state, T0 + 3 * DAY - 1).effects).toEqual([]);
    const fired: string[] = [];
    for (const at of [3, 6, 7, 9, 12, 14].map((d) => T0 + d * DAY)) {
      const t = tick(state, at);
      fired.push(...t.effects.map((e) => (e.kind === 'reminder' ? `reminder ${e.reminder}` : e.kind === 'ended' ? `ended ${e.status}` : e.kind)));
      state = t.state;
    }
    expect(fired).toEqual(['reminder 1', 'reminder 2', 'escalation', 'reminder 3', 'reminder 4', 'deadline', 'ended expired']);
    expect([state.status, nextWakeAt(state)]).toEqual(['expired', undefined]);
  });

  it('deadlines: acknowledgements proceed flagged, escalate-only escalates once and waits', () => {
    let state = decide(decide(decide(quota(), 'mgrA', 'approve'), 'mgrB', 'approve'), 'fin1', 'approve', {}, T0 + DAY);
    state = decide(state, 'repA1', 'acknowledge', {}, T0 + 2 * DAY);
    // acknowledgement: deadline 10 days after its step opened (T0 + 1 day)
    const late = tick(state, T0 + 11 * DAY);
    expect(late.effects.map((e) => e.kind)).toContain('deadline');
    expect([late.state.status, late.state.flaggedStageIds]).toEqual(['approved', ['acknowledge:repB1']]);

    const team = tick(quota(), T0 + 30 * DAY);
    // Team stages: reminders every 2 days, escalation at 5, no deadline: they wait.
    expect(team.state.status).toBe('pending');
    expect(team.effects.filter((e) => e.kind === 'escalation')).toHaveLength(2);
    expect(open(team.state)).toEqual(['team:A', 'team:B']);
  });

  it('a delegated step reports its outcome; signers of it may not sign a later step', () => {
    const financeStage: ApprovalStage = { id: 'finance', label: 'F', approvers: [], approverIds: ['fin1', 'mgrFin'], mode: 'any', decisions: ['approve', 'reject'], escalateToIds: [], onDeadline: 'escalate-only' };
    const t = createApprovalState({ requesterId: 'ops1', subjectPersonIds: [] }, [
      { kind: 'delegated', stageCount: 400, label: 'Team manager approvals', stageIdPrefix: 'team:' },
      { kind: 'inline', stages: [financeStage] },
    ], { now: T0 });
    expect(kinds(t.effects)).toEqual(['delegated-step-opened']);
    expect(checkApply(t.state, { actorId: 'fin1', decision: 'approve' })).toMatchObject({ ok: false, code: 'APPROVAL.NOT_PENDING' });
    const done = applyStepOutcome(t.state, { kind: 'approved', signerIds: ['mgrFin', 'mgrA'], flaggedStageIds: [] }, T0 + DAY);
    expect(kinds(done.effects)).toEqual(['step-closed', 'step-opened']);
    expect(checkApply(done.state, { actorId: 'mgrFin', decision: 'approve' })).toMatchObject({ ok: false, code: 'AUTH.SECOND_STAGE_SAME_PERSON' });
    const back = apply(done.state, { actorId: 'fin1', decision: 'reject', comment: 'look again' }, T0 + 2 * DAY);
    expect(kinds(back.effects)).toEqual(['decided', 'step-closed', 'delegated-step-opened']);
    expect(back.state.delegatedSigners).toEqual({});
    const rejectedBelow = applyStepOutcome(back.state, {
      kind: 'rejected', stageLabel: 'Team A', decision: { stageId: 'team:A', actorId: 'mgrA', decision: 'reject', step: 0, visit: 2, at: new Date(T0).toISOString(), comment: 'no' },
    }, T0 + 3 * DAY);
    expect(rejectedBelow.state.status).toBe('returned');
  });

  it('cancel ends a pending request once', () => {
    const t = cancel(quota());
    expect(kinds(t.effects)).toEqual(['step-closed', 'ended']);
    expect(cancel(t.state).effects).toEqual([]);
  });
});
