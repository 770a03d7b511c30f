import { checkDecision, type DecisionCheckInput } from './separation-of-duties';
import type { ApprovalStage, DecisionRecord } from './types';

function stage(id: string, approverIds: string[], extra: Partial<ApprovalStage> = {}): ApprovalStage {
  return {
    id,
    label: id,
    approvers: approverIds.map((personId) => ({ kind: 'person', personId })),
    approverIds,
    mode: 'any',
    decisions: ['approve', 'reject'],
    escalateToIds: [],
    onDeadline: 'escalate-only',
    ...extra,
  };
}

const request = { requesterId: 'ops1', subjectPersonIds: ['repA1'] };
const teamA = stage('team:A', ['mgrA', 'mgrX'], { step: 0 });
const teamB = stage('team:B', ['mgrX'], { step: 0 });
const finance = stage('finance', ['fin1', 'mgrX'], { step: 1 });
const managers = stage('territory-managers', ['mgrA', 'mgrB'], { mode: 'all', step: 0 });
const acceptance = stage('rep-acceptance', ['repA1'], { decisions: ['accept', 'decline'], step: 0 });
const decided = (stageId: string, actorId: string, step?: number): DecisionRecord => ({
  stageId,
  actorId,
  decision: 'approve',
  ...(step !== undefined ? { step } : {}),
});

const cases: [string, Omit<DecisionCheckInput, 'request'> & { request?: DecisionCheckInput['request'] }, string | 'ok'][] = [
  ['an approver of the open stage may decide', { actor: { id: 'mgrA' }, stage: teamA, priorDecisions: [], decision: 'approve' }, 'ok'],
  ['the requester never decides', { actor: { id: 'ops1' }, stage: stage('ops', ['ops1', 'ops2']), priorDecisions: [] }, 'AUTH.SELF_DECISION'],
  [
    'the subject may not approve a request about themselves',
    { actor: { id: 'repA1' }, stage: stage('peer', ['repA1', 'repA2']), priorDecisions: [] },
    'AUTH.SELF_DECISION',
  ],
  ['the subject accepts their own plan (their own act)', { actor: { id: 'repA1' }, stage: acceptance, priorDecisions: [], decision: 'accept' }, 'ok'],
  ['someone outside the stage is not an approver', { actor: { id: 'fin1' }, stage: teamA, priorDecisions: [] }, 'AUTH.NOT_AN_APPROVER'],
  ['deciding the same stage twice is refused', { actor: { id: 'mgrA' }, stage: managers, priorDecisions: [decided('territory-managers', 'mgrA', 0)] }, 'APPROVAL.ALREADY_DECIDED'],
  ['an any-stage someone else settled is closed', { actor: { id: 'mgrX' }, stage: teamA, priorDecisions: [decided('team:A', 'mgrA', 0)] }, 'APPROVAL.ALREADY_DECIDED'],
  ['an all-stage waits for the other approver', { actor: { id: 'mgrB' }, stage: managers, priorDecisions: [decided('territory-managers', 'mgrA', 0)] }, 'ok'],
  ['a signer of an earlier step may not sign a later one', { actor: { id: 'mgrX' }, stage: finance, priorDecisions: [decided('team:A', 'mgrX', 0)] }, 'AUTH.SECOND_STAGE_SAME_PERSON'],
  ['parallel stages of one step may share a person (manager of two teams)', { actor: { id: 'mgrX' }, stage: teamB, priorDecisions: [decided('team:A', 'mgrX', 0)] }, 'ok'],
  ['without step information any other stage counts as another step', { actor: { id: 'mgrX' }, stage: stage('finance', ['mgrX']), priorDecisions: [decided('team:A', 'mgrX')] }, 'AUTH.SECOND_STAGE_SAME_PERSON'],
  ['a stage that is not open is the wrong stage', { actor: { id: 'fin1' }, stage: finance, priorDecisions: [], activeStageIds: ['team:A', 'team:B'] }, 'APPROVAL.WRONG_STAGE'],
  ['a decision the stage does not take is invalid', { actor: { id: 'mgrA' }, stage: teamA, priorDecisions: [], decision: 'accept' }, 'VALIDATION.FAILED'],
  ['acknowledging an approval stage is invalid too', { actor: { id: 'fin1' }, stage: finance, priorDecisions: [], decision: 'acknowledge' }, 'VALIDATION.FAILED'],
  ['the requester is refused even when listed as an approver', { actor: { id: 'ops1' }, stage: stage('ops', ['ops1']), priorDecisions: [], decision: 'approve' }, 'AUTH.SELF_DECISION'],
];

describe('checkDecision', () => {
  it.each(cases)('%s', (_name, input, expected) => {
    const result = checkDecision({ request, ...input });
    expect(result.ok ? 'ok' : result.code).toBe(expected);
    if (!result.ok) expect(result.reason.length).toBeGreaterThan(0);
  });

  it('names the offending field of an invalid decision', () => {
    expect(checkDecision({ actor: { id: 'mgrA' }, stage: teamA, request, priorDecisions: [], decision: 'decline' })).toMatchObject({
      ok: false,
      field: 'decision',
    });
  });
});

describe('checkDecision for a later stage', () => {
  it('approvers yes; the requester, the subject and signers of other steps no', () => {
    const prior = [decided('team:A', 'mgrX', 0)];
    expect(
      ['mgrX', 'fin1', 'ops1', 'repA1'].map((id) => [id, checkDecision({ actor: { id }, stage: finance, request, priorDecisions: prior }).ok]),
    ).toEqual([
      ['mgrX', false],
      ['fin1', true],
      ['ops1', false],
      ['repA1', false],
    ]);
  });
});
