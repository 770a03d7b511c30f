// The bookkeeping of a multi-stage request as a pure state machine: which step is open, who
// decided what, reject → one step back, 'all'/'any' completion, deadlines. The workflow keeps
// one of these; its update validator calls applyDecision on a copy to refuse bad decisions.
import { checkDecision } from './separation-of-duties';
import type { ApprovalRequest, ApprovalStage, DecisionCheckResult, ApprovalDecision, DecisionRecord } from './types';

/** returned: rejected at the first step, back with the requester for a revision. */
export type ApprovalStatus = 'pending' | 'approved' | 'declined' | 'returned' | 'expired';

export interface ApprovalDecisionInput {
  stageId: string;
  actorId: string;
  decision: ApprovalDecision;
  comment?: string;
  at?: string;
}

export interface ApprovalHistoryEntry extends DecisionRecord {
  round: number;
}

export interface ApprovalState {
  request: Pick<ApprovalRequest, 'requesterId' | 'subjectPersonIds'>;
  /** Every stage carries its step (parallel stages share one). */
  stages: ApprovalStage[];
  currentStep: number;
  status: ApprovalStatus;
  /** Starts at 1; a step back or a resubmission opens a new round. */
  round: number;
  /** Decisions still in force, per stage id. */
  decisions: Record<string, DecisionRecord[]>;
  /** Stages closed by their deadline with `proceed-flagged`. */
  flaggedStageIds: string[];
  /** Every decision ever taken, including those a step back undid. */
  history: ApprovalHistoryEntry[];
}

export type ApprovalApplyResult = { ok: true; state: ApprovalState } | Exclude<DecisionCheckResult, { ok: true }>;

const POSITIVE: readonly ApprovalDecision[] = ['approve', 'accept', 'acknowledge'];

export function createApprovalState(
  request: Pick<ApprovalRequest, 'requesterId' | 'subjectPersonIds'>,
  stages: readonly ApprovalStage[],
): ApprovalState {
  const explicit = stages.every((s) => s.step !== undefined);
  const withSteps = stages.map((stage, index) => ({ ...stage, step: explicit ? (stage.step as number) : index }));
  withSteps.forEach((stage, index) => {
    if (index > 0 && stage.step < withSteps[index - 1].step) {
      throw new RangeError(`stage '${stage.id}' is listed after a later step`);
    }
  });
  const firstStep = withSteps.length > 0 ? withSteps[0].step : 0;
  return {
    request,
    stages: withSteps,
    currentStep: firstStep,
    status: withSteps.length > 0 ? 'pending' : 'approved',
    round: 1,
    decisions: {},
    flaggedStageIds: [],
    history: [],
  };
}

function stepsOf(state: ApprovalState): number[] {
  return [...new Set(state.stages.map((s) => s.step as number))];
}

export function stagesOfStep(state: ApprovalState, step: number): ApprovalStage[] {
  return state.stages.filter((s) => s.step === step);
}

export function isStageComplete(state: ApprovalState, stage: ApprovalStage): boolean {
  if (state.flaggedStageIds.includes(stage.id)) return true;
  const positives = (state.decisions[stage.id] ?? []).filter((d) => POSITIVE.includes(d.decision));
  if (stage.mode === 'any') return positives.length > 0;
  return stage.approverIds.every((id) => positives.some((d) => d.actorId === id));
}

/** Stages of the open step still waiting for someone. */
export function activeStages(state: ApprovalState): ApprovalStage[] {
  if (state.status !== 'pending') return [];
  return stagesOfStep(state, state.currentStep).filter((s) => !isStageComplete(state, s));
}

export function isComplete(state: ApprovalState): boolean {
  return state.status === 'approved';
}

/** Moves on past every finished step; the last one finishing approves the request. */
function advance(state: ApprovalState): ApprovalState {
  const steps = stepsOf(state);
  let position = steps.indexOf(state.currentStep);
  while (position < steps.length && stagesOfStep(state, steps[position]).every((s) => isStageComplete(state, s))) {
    position += 1;
  }
  if (position >= steps.length) return { ...state, currentStep: steps[steps.length - 1], status: 'approved' };
  return { ...state, currentStep: steps[position] };
}

/**
 * A rejection sends the request one step back: the previous step decides again (and the rejecting
 * step after it). At the first step it returns to the requester.
 */
export function stepBack(state: ApprovalState): ApprovalState {
  const steps = stepsOf(state);
  const position = steps.indexOf(state.currentStep);
  const target = position > 0 ? steps[position - 1] : steps[0];
  const undone = new Set(state.stages.filter((s) => (s.step as number) >= target).map((s) => s.id));
  const decisions = Object.fromEntries(Object.entries(state.decisions).filter(([stageId]) => !undone.has(stageId)));
  return {
    ...state,
    currentStep: target,
    status: position > 0 ? 'pending' : 'returned',
    round: state.round + 1,
    decisions,
    flaggedStageIds: state.flaggedStageIds.filter((id) => !undone.has(id)),
  };
}

/** The requester sends a returned request through again from the first step. */
export function resubmit(state: ApprovalState): ApprovalState {
  if (state.status !== 'returned') return state;
  return { ...state, status: 'pending', decisions: {}, flaggedStageIds: [] };
}

export function applyDecision(state: ApprovalState, input: ApprovalDecisionInput): ApprovalApplyResult {
  if (state.status !== 'pending') {
    return { ok: false, code: 'APPROVAL.NOT_PENDING', reason: `the request is ${state.status}` };
  }
  const stage = state.stages.find((s) => s.id === input.stageId);
  if (!stage) return { ok: false, code: 'APPROVAL.WRONG_STAGE', reason: `no stage '${input.stageId}'`, field: 'stageId' };
  const priorDecisions = Object.values(state.decisions).flat();
  const openStageIds = stagesOfStep(state, state.currentStep).map((s) => s.id);
  const check = checkDecision({
    actor: { id: input.actorId },
    stage,
    request: state.request,
    priorDecisions,
    decision: input.decision,
    activeStageIds: openStageIds,
  });
  if (!check.ok) return check;
  if (state.flaggedStageIds.includes(stage.id)) {
    return { ok: false, code: 'APPROVAL.ALREADY_DECIDED', reason: `stage '${stage.id}' closed at its deadline` };
  }

  const record: DecisionRecord = {
    stageId: stage.id,
    actorId: input.actorId,
    decision: input.decision,
    step: stage.step,
    ...(input.comment !== undefined ? { comment: input.comment } : {}),
    ...(input.at !== undefined ? { at: input.at } : {}),
  };
  const recorded: ApprovalState = {
    ...state,
    decisions: { ...state.decisions, [stage.id]: [...(state.decisions[stage.id] ?? []), record] },
    history: [...state.history, { ...record, round: state.round }],
  };
  if (input.decision === 'reject') return { ok: true, state: stepBack(recorded) };
  if (input.decision === 'decline') return { ok: true, state: { ...recorded, status: 'declined' } };
  return { ok: true, state: advance(recorded) };
}

/** A stage's deadline passed without a decision: expire, only escalate, or proceed with a flag. */
export function applyDeadline(state: ApprovalState, stageId: string): ApprovalApplyResult {
  if (state.status !== 'pending') {
    return { ok: false, code: 'APPROVAL.NOT_PENDING', reason: `the request is ${state.status}` };
  }
  const stage = activeStages(state).find((s) => s.id === stageId);
  if (!stage) return { ok: false, code: 'APPROVAL.WRONG_STAGE', reason: `stage '${stageId}' is not waiting`, field: 'stageId' };
  switch (stage.onDeadline) {
    case 'expire':
      return { ok: true, state: { ...state, status: 'expired' } };
    case 'escalate-only':
      return { ok: true, state };
    case 'proceed-flagged':
      return { ok: true, state: advance({ ...state, flaggedStageIds: [...state.flaggedStageIds, stage.id] }) };
  }
}
