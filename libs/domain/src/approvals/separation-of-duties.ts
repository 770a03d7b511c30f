// Separation of duties at decision time: the resolver already left barred people out of the
// stages; this check is the last word when a decision arrives (the workflow's update validator).
import type { ApprovalActor, ApprovalStage, DecisionCheckResult, ApprovalDecision, DecisionRecord } from './types';

export interface DecisionCheckInput {
  actor: ApprovalActor;
  stage: ApprovalStage;
  request: { requesterId: string; subjectPersonIds?: readonly string[] };
  /** Effective decisions so far on the request (all stages). */
  priorDecisions: readonly DecisionRecord[];
  /** The decision being taken; checked against the stage's choices when given. */
  decision?: ApprovalDecision;
  /** Stages open for decisions right now; when given, any other stage is the wrong one. */
  activeStageIds?: readonly string[];
}

function refuse(code: Exclude<DecisionCheckResult, { ok: true }>['code'], reason: string, field?: string): DecisionCheckResult {
  return field === undefined ? { ok: false, code, reason } : { ok: false, code, reason, field };
}

function isApproveReject(stage: ApprovalStage): boolean {
  return stage.decisions[0] === 'approve';
}

export function checkDecision(input: DecisionCheckInput): DecisionCheckResult {
  const { actor, stage, request, priorDecisions, decision, activeStageIds } = input;

  if (activeStageIds && !activeStageIds.includes(stage.id)) {
    return refuse('APPROVAL.WRONG_STAGE', `stage '${stage.id}' is not open for decisions`, 'stageId');
  }
  if (decision !== undefined && !(stage.decisions as readonly string[]).includes(decision)) {
    return refuse('VALIDATION.FAILED', `stage '${stage.id}' takes ${stage.decisions.join(' or ')}, not '${decision}'`, 'decision');
  }
  if (actor.id === request.requesterId) {
    return refuse('AUTH.SELF_DECISION', 'nobody decides on their own request');
  }
  if (isApproveReject(stage) && (request.subjectPersonIds ?? []).includes(actor.id)) {
    return refuse('AUTH.SELF_DECISION', 'nobody approves a request about themselves');
  }
  if (!stage.approverIds.includes(actor.id)) {
    return refuse('AUTH.NOT_AN_APPROVER', `not an approver of stage '${stage.id}'`);
  }
  const onThisStage = priorDecisions.filter((d) => d.stageId === stage.id);
  if (onThisStage.some((d) => d.actorId === actor.id)) {
    return refuse('APPROVAL.ALREADY_DECIDED', `already decided stage '${stage.id}'`);
  }
  if (stage.mode === 'any' && onThisStage.length > 0) {
    return refuse('APPROVAL.ALREADY_DECIDED', `stage '${stage.id}' was already decided by ${onThisStage[0].actorId}`);
  }
  // Parallel stages of one step (a manager of two teams) may share a person; steps may not.
  const elsewhere = priorDecisions.find(
    (d) =>
      d.actorId === actor.id &&
      d.stageId !== stage.id &&
      (d.step === undefined || stage.step === undefined || d.step !== stage.step),
  );
  if (elsewhere) {
    return refuse('AUTH.SECOND_STAGE_SAME_PERSON', `already signed stage '${elsewhere.stageId}'; two stages need two people`);
  }
  return { ok: true };
}
