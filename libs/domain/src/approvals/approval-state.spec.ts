import { salesOrg } from './__fixtures__/org.mother';
import {
  activeStages,
  applyDeadline,
  applyDecision,
  createApprovalState,
  isComplete,
  resubmit,
  stepBack,
  type ApprovalDecisionInput,
  type ApprovalState,
} from './approval-state';
import { routePlanAcceptance, routeQuotaSignoff, routeTerritoryChange } from './policy';
import type { ApprovalStage } from './types';

const quotaRequest = { requesterId: 'ops1', subjectTeamIds: ['A', 'B'], subjectPersonIds: ['repA1', 'repB1'] };

function quotaState(): ApprovalState {
  return createApprovalState(quotaRequest, routeQuotaSignoff(quotaRequest, salesOrg()));
}

function decide(state: ApprovalState, stageId: string, actorId: string, decision: ApprovalDecisionInput['decision'], comment?: string): ApprovalState {
  const result = applyDecision(state, { stageId, actorId, decision, ...(comment ? { comment } : {}) });
  if (!result.ok) throw new Error(`${result.code}: ${result.reason}`);
  return result.state;
}

const open = (state: ApprovalState): string[] => activeStages(state).map((s) => s.id);

describe('approval state machine', () => {
  it('quota sign-off runs teams in parallel, then finance, then acknowledgements, then is complete', () => {
    let state = quotaState();
    expect(open(state)).toEqual(['team:A', 'team:B']);
    state = decide(state, 'team:B', 'mgrB', 'approve');
    expect([state.currentStep, open(state)]).toEqual([0, ['team:A']]);
    state = decide(state, 'team:A', 'mgrA', 'approve');
    expect(open(state)).toEqual(['finance']);
    state = decide(state, 'finance', 'fin2', 'approve');
    expect(open(state)).toEqual(['acknowledge:repA1', 'acknowledge:repB1']);
    state = decide(state, 'acknowledge:repA1', 'repA1', 'acknowledge');
    expect(isComplete(state)).toBe(false);
    state = decide(state, 'acknowledge:repB1', 'repB1', 'acknowledge');
    expect([isComplete(state), state.status, open(state)]).toEqual([true, 'approved', []]);
  });

  it('a rejection at finance goes one step back: the teams decide again, history keeps everything', () => {
    let state = quotaState();
    state = decide(state, 'team:A', 'mgrA', 'approve');
    state = decide(state, 'team:B', 'mgrB', 'approve');
    state = decide(state, 'finance', 'fin1', 'reject', 'total below company target');
    expect([state.status, state.currentStep, state.round, open(state)]).toEqual(['pending', 0, 2, ['team:A', 'team:B']]);
    expect(state.decisions).toEqual({});
    expect(state.history.map((h) => [h.stageId, h.actorId, h.decision, h.round])).toEqual([
      ['team:A', 'mgrA', 'approve', 1],
      ['team:B', 'mgrB', 'approve', 1],
      ['finance', 'fin1', 'reject', 1],
    ]);
    expect(state.history[2].comment).toBe('total below company target');
    // The same managers approve the revision; finance (any of them) decides again.
    state = decide(state, 'team:A', 'mgrA', 'approve');
    state = decide(state, 'team:B', 'mgrB', 'approve');
    expect(open(state)).toEqual(['finance']);
  });

  it('a rejection at the first step returns the request to the requester until resubmitted', () => {
    let state = decide(quotaState(), 'team:A', 'mgrA', 'reject', 'rep A2 too high');
    expect([state.status, open(state)]).toEqual(['returned', []]);
    const refused = applyDecision(state, { stageId: 'team:B', actorId: 'mgrB', decision: 'approve' });
    expect(refused).toMatchObject({ ok: false, code: 'APPROVAL.NOT_PENDING' });
    state = resubmit(state);
    expect([state.status, state.currentStep, open(state)]).toEqual(['pending', 0, ['team:A', 'team:B']]);
  });

  it("an 'all' stage needs every approver before the next step opens", () => {
    const request = { requesterId: 'ops1', losingTerritoryIds: ['west'], gainingTerritoryIds: ['east'], impact: { revenueMoved: '10' } };
    let state = createApprovalState(request, routeTerritoryChange(request, salesOrg()));
    state = decide(state, 'territory-managers', 'mgrA', 'approve');
    expect(open(state)).toEqual(['territory-managers']);
    state = decide(state, 'territory-managers', 'mgrB', 'approve');
    expect(open(state)).toEqual(['ops']);
    state = decide(state, 'ops', 'ops2', 'approve');
    expect(isComplete(state)).toBe(true);
  });

  it('a double decision is refused and leaves the state untouched', () => {
    const request = { requesterId: 'ops1', losingTerritoryIds: ['west'], gainingTerritoryIds: ['east'], impact: { revenueMoved: '10' } };
    const state = decide(createApprovalState(request, routeTerritoryChange(request, salesOrg())), 'territory-managers', 'mgrA', 'approve');
    const snapshot = JSON.stringify(state);
    const again = applyDecision(state, { stageId: 'territory-managers', actorId: 'mgrA', decision: 'approve' });
    expect(again).toMatchObject({ ok: false, code: 'APPROVAL.ALREADY_DECIDED' });
    expect(JSON.stringify(state)).toBe(snapshot);
  });

  it('a decision on a stage that is not open is the wrong stage; an unknown stage too', () => {
    const state = quotaState();
    expect(applyDecision(state, { stageId: 'finance', actorId: 'fin1', decision: 'approve' })).toMatchObject({ ok: false, code: 'APPROVAL.WRONG_STAGE' });
    expect(applyDecision(state, { stageId: 'nope', actorId: 'fin1', decision: 'approve' })).toMatchObject({ ok: false, code: 'APPROVAL.WRONG_STAGE', field: 'stageId' });
  });

  it('the same person cannot sign two steps even when the policy lists them in both', () => {
    const stages: ApprovalStage[] = [
      { id: 'team:A', label: 'A', approvers: [], approverIds: ['mgrA', 'fin1'], mode: 'any', decisions: ['approve', 'reject'], escalateToIds: [], onDeadline: 'escalate-only' },
      { id: 'finance', label: 'F', approvers: [], approverIds: ['fin1', 'fin2'], mode: 'any', decisions: ['approve', 'reject'], escalateToIds: [], onDeadline: 'escalate-only' },
    ];
    const state = decide(createApprovalState({ requesterId: 'ops1' }, stages), 'team:A', 'fin1', 'approve');
    expect(state.stages.map((s) => s.step)).toEqual([0, 1]);
    expect(applyDecision(state, { stageId: 'finance', actorId: 'fin1', decision: 'approve' })).toMatchObject({ ok: false, code: 'AUTH.SECOND_STAGE_SAME_PERSON' });
    expect(isComplete(decide(state, 'finance', 'fin2', 'approve'))).toBe(true);
  });

  it('plan acceptance: a decline ends the request; pre-approval then acceptance completes it', () => {
    const request = { requesterId: 'ops1', subjectPersonIds: ['repA1'] };
    const stages = routePlanAcceptance(request, salesOrg(), { managerPreApproval: true });
    let state = createApprovalState(request, stages);
    expect(applyDecision(state, { stageId: 'manager-preapproval', actorId: 'repA1', decision: 'approve' })).toMatchObject({ ok: false, code: 'AUTH.SELF_DECISION' });
    state = decide(state, 'manager-preapproval', 'mgrA', 'approve');
    expect(decide(state, 'rep-acceptance', 'repA1', 'decline', 'territory too small').status).toBe('declined');
    expect(isComplete(decide(state, 'rep-acceptance', 'repA1', 'accept'))).toBe(true);
  });

  it('deadlines: acknowledgements proceed flagged, acceptance expires, escalate-only changes nothing', () => {
    let state = quotaState();
    state = decide(decide(decide(state, 'team:A', 'mgrA', 'approve'), 'team:B', 'mgrB', 'approve'), 'finance', 'fin1', 'approve');
    expect(applyDeadline(state, 'finance')).toMatchObject({ ok: false, code: 'APPROVAL.WRONG_STAGE' });
    state = decide(state, 'acknowledge:repA1', 'repA1', 'acknowledge');
    const late = applyDeadline(state, 'acknowledge:repB1');
    expect(late.ok).toBe(true);
    if (late.ok) expect([late.state.status, late.state.flaggedStageIds]).toEqual(['approved', ['acknowledge:repB1']]);

    const request = { requesterId: 'ops1', subjectPersonIds: ['repA1'] };
    const plan = createApprovalState(request, routePlanAcceptance(request, salesOrg()));
    const expired = applyDeadline(plan, 'rep-acceptance');
    expect(expired.ok && expired.state.status).toBe('expired');

    const team = applyDeadline(quotaState(), 'team:A');
    expect(team.ok && open(team.state)).toEqual(['team:A', 'team:B']);
  });

  it('stepBack from a later step clears that step and the one before it only', () => {
    let state = quotaState();
    state = decide(decide(state, 'team:A', 'mgrA', 'approve'), 'team:B', 'mgrB', 'approve');
    state = decide(state, 'finance', 'fin1', 'approve');
    const back = stepBack(state);
    // From the acknowledgements (step 2) back to finance (step 1): the team approvals stand.
    expect([back.currentStep, Object.keys(back.decisions).sort(), open(back)]).toEqual([1, ['team:A', 'team:B'], ['finance']]);
  });
});
