// The one approval state machine: which step is open, who decided what, 'any'/'all' completion,
// reject → one step back, decline, a requested adjustment, reminders, escalation and deadlines.
// Pure and synchronous: the workflow kernel (libs/workflows/src/approval) keeps one of these,
// its Update validator calls `checkApply` (refusals carry stable codes), its handler `apply`, and
// its timer loop `tick`. Every transition returns the effects the kernel must carry out
// (inbox rows, the decision record, emails), in order. Nothing here reads a clock: callers pass
// the time, so replaying a workflow gives the same effects.
//
// A step whose stages are too many for one workflow history is *delegated*: the kernel runs it in
// child workflows (each a machine of its own over a slice of the stages) and reports their
// outcome with `applyStepOutcome`.
import { checkDecision } from './separation-of-duties';
import type { ApprovalDecision, ApprovalStage, DecisionCheckCode, DecisionRecord } from './types';

export type ApprovalStatus = 'pending' | 'approved' | 'returned' | 'declined' | 'expired' | 'cancelled' | 'adjustment-requested';

/** Who asked, and the people the request is about who could otherwise act on it (separation of duties). */
export interface ApprovalRequestRef {
  requesterId: string;
  /**
   * Subject people: nobody approves or rejects a request about themselves. For a large request
   * (a quota set of every rep) the router passes only the subjects that could act on some stage.
   */
  subjectPersonIds: readonly string[];
}

export type ApprovalStep =
  | { kind: 'inline'; stages: ApprovalStage[] }
  /** Run elsewhere (child workflows over slices); only its size and label are known here. */
  | { kind: 'delegated'; stageCount: number; label: string; stageIdPrefix: string };

export interface StageClock {
  reminders: number;
  escalated: boolean;
  deadlinePassed: boolean;
}

/** A decision taken on the request, with where it was taken (a step back voids some). */
export interface RecordedDecision extends DecisionRecord {
  step: number;
  visit: number;
  at: string;
  comment?: string;
  /** Carried to the decision record (ip, user agent, idempotency key, adjustment). */
  data?: Record<string, unknown>;
}

export interface ApprovalState {
  request: ApprovalRequestRef;
  steps: ApprovalStep[];
  /** Index of the open step (the last one once approved). */
  current: number;
  /** Per step: how many times it has been opened (a step back reopens the step before). */
  visits: number[];
  status: ApprovalStatus;
  /** When the current visit opened (epoch ms, the caller's clock): deadlines count from here. */
  openedAt: number;
  /** Decisions in force (a step back voids those of the step it returns to and after). */
  decisions: RecordedDecision[];
  /** People who signed a delegated step, by step (separation of duties across steps). */
  delegatedSigners: Record<number, string[]>;
  flaggedStageIds: string[];
  clocks: Record<string, StageClock>;
  /** The decision that ended the request (reject at the first step, decline, adjustment). */
  outcome?: RecordedDecision;
}

export interface StageRef {
  stage: ApprovalStage;
  step: number;
  visit: number;
}

export type ApprovalEffect =
  | { kind: 'step-opened'; step: number; visit: number; stages: ApprovalStage[]; deadline?: string; returnedBy?: RecordedDecision & { stageLabel: string } }
  | { kind: 'delegated-step-opened'; step: number; visit: number; returnedBy?: RecordedDecision & { stageLabel: string } }
  | { kind: 'decided'; decision: RecordedDecision; stage: ApprovalStage; stageCompleted: boolean }
  | { kind: 'step-closed'; step: number; visit: number }
  | { kind: 'reminder'; stage: ApprovalStage; step: number; visit: number; reminder: number }
  | { kind: 'escalation'; stage: ApprovalStage; step: number; visit: number }
  | { kind: 'deadline'; stage: ApprovalStage; step: number; visit: number }
  | { kind: 'ended'; status: Exclude<ApprovalStatus, 'pending'>; decision?: RecordedDecision };

export type Refusal = { ok: false; code: DecisionCheckCode | AreaCode; reason: string; field?: string };
/** Area-specific codes a caller maps the generic ones to (e.g. `PLAN_ASSIGNMENT.ALREADY_DECIDED`). */
export type AreaCode = `${string}.${string}`;

/** How the caller names the generic refusals (plan acceptance has its own, for example). */
export interface RefusalCodes {
  notAnApprover: AreaCode;
  alreadyDecided: AreaCode;
  notPending: AreaCode;
  wrongStage: AreaCode;
}

export const DEFAULT_REFUSAL_CODES: RefusalCodes = {
  notAnApprover: 'AUTH.NOT_AN_APPROVER',
  alreadyDecided: 'APPROVAL.ALREADY_DECIDED',
  notPending: 'APPROVAL.NOT_PENDING',
  wrongStage: 'APPROVAL.WRONG_STAGE',
};

export interface DecisionInput {
  actorId: string;
  decision: ApprovalDecision;
  /** When given, the decision must be for this (open) stage. */
  stageId?: string;
  comment?: string;
  data?: Record<string, unknown>;
}

export type Transition = { state: ApprovalState; effects: ApprovalEffect[] };

const DAY_MS = 24 * 60 * 60 * 1000;
export const POSITIVE_DECISIONS: readonly ApprovalDecision[] = ['approve', 'accept', 'acknowledge'];
/** Decisions that need a reason from the person taking them. */
export const DECISIONS_NEEDING_A_REASON: readonly ApprovalDecision[] = ['reject', 'decline', 'request-adjustment'];

/** Groups stages into steps: stages sharing `step` run in parallel; without steps each stage is its own. */
export function groupIntoSteps(stages: readonly ApprovalStage[]): ApprovalStage[][] {
  if (stages.length === 0) return [];
  if (!stages.some((s) => s.step !== undefined)) return stages.map((s) => [{ ...s }]);
  const byStep = new Map<number, ApprovalStage[]>();
  for (const s of stages) byStep.set(s.step ?? 0, [...(byStep.get(s.step ?? 0) ?? []), { ...s }]);
  return [...byStep.keys()].sort((a, b) => a - b).map((k) => byStep.get(k)!);
}

export function createApprovalState(
  request: ApprovalRequestRef,
  steps: readonly ApprovalStep[],
  options: { now: number; priorSigners?: readonly string[] },
): Transition {
  if (steps.length === 0) throw new RangeError('an approval needs at least one step');
  for (const step of steps) {
    if (step.kind === 'inline' && step.stages.length === 0) throw new RangeError('an inline step needs at least one stage');
    if (step.kind === 'delegated' && step.stageCount <= 0) throw new RangeError('a delegated step needs at least one stage');
  }
  const state: ApprovalState = {
    request: { requesterId: request.requesterId, subjectPersonIds: [...request.subjectPersonIds] },
    // Stages carry the index of their step, the number decisions are recorded under.
    steps: steps.map((s, index) => (s.kind === 'inline' ? { kind: 'inline', stages: s.stages.map((st) => ({ ...st, step: index })) } : { ...s })),
    current: 0,
    visits: steps.map(() => 0),
    status: 'pending',
    openedAt: options.now,
    decisions: [],
    // Signers of steps run elsewhere before this machine (a child's slice): step -1.
    delegatedSigners: options.priorSigners && options.priorSigners.length > 0 ? { [-1]: [...options.priorSigners] } : {},
    flaggedStageIds: [],
    clocks: {},
  };
  return openStep(state, 0, options.now);
}

/** Stages of the open step still waiting for someone (none once the request has ended). */
export function openStages(state: ApprovalState): ApprovalStage[] {
  if (state.status !== 'pending') return [];
  const step = state.steps[state.current];
  if (step.kind !== 'inline') return [];
  return step.stages.filter((s) => !isStageComplete(state, s));
}

export function allStages(state: ApprovalState): ApprovalStage[] {
  return state.steps.flatMap((s) => (s.kind === 'inline' ? s.stages : []));
}

export function isStageComplete(state: ApprovalState, stage: ApprovalStage): boolean {
  if (state.flaggedStageIds.includes(stage.id)) return true;
  const positives = state.decisions.filter((d) => d.stageId === stage.id && POSITIVE_DECISIONS.includes(d.decision));
  if (stage.mode === 'any') return positives.length > 0;
  return stage.approverIds.every((id) => positives.some((d) => d.actorId === id));
}

function stepOf(state: ApprovalState, stageId: string): number | undefined {
  const index = state.steps.findIndex((s) => s.kind === 'inline' && s.stages.some((st) => st.id === stageId));
  return index < 0 ? undefined : index;
}

function refusal(code: Refusal['code'], reason: string, field?: string): Refusal {
  return field === undefined ? { ok: false, code, reason } : { ok: false, code, reason, field };
}

/**
 * The refusal a decision gets, or the stage it belongs to. The order gives the person the real
 * reason first: not an approver at all, the request no longer pending, not waiting for you,
 * a decision the stage does not take, then separation of duties.
 */
export function checkApply(
  state: ApprovalState,
  input: DecisionInput,
  codes: RefusalCodes = DEFAULT_REFUSAL_CODES,
): { ok: true; stage: ApprovalStage } | Refusal {
  const stages = allStages(state);
  const { actorId, decision } = input;
  // Separation of duties first, so the reason given is the real one.
  if (actorId === state.request.requesterId) return refusal('AUTH.SELF_DECISION', 'You asked for this; others decide on it.', 'actorId');
  if ((decision === 'approve' || decision === 'reject' || decision === 'request-adjustment') && state.request.subjectPersonIds.includes(actorId)) {
    return refusal('AUTH.SELF_DECISION', 'Nobody approves a request about themselves.', 'actorId');
  }
  if (state.status === 'pending' && state.steps[state.current]!.kind === 'delegated') {
    return refusal(codes.notPending, 'The open step takes its decisions in its own stages (see your inbox).');
  }
  if (!stages.some((s) => s.approverIds.includes(actorId))) {
    return refusal(codes.notAnApprover, 'You are not an approver of this request.', 'actorId');
  }
  const decidedBefore = state.decisions.some((d) => d.actorId === actorId) || state.outcome?.actorId === actorId;
  if (state.status !== 'pending') {
    if (decidedBefore && state.status !== 'expired' && state.status !== 'cancelled') {
      return refusal(codes.alreadyDecided, 'This request has already been decided.');
    }
    return refusal(codes.notPending, `This request is no longer pending (${state.status}).`);
  }
  const step = state.steps[state.current];
  const mine = step.kind === 'inline' ? step.stages.filter((s) => s.approverIds.includes(actorId)) : [];
  const candidates = input.stageId === undefined ? mine : mine.filter((s) => s.id === input.stageId);
  const stage = candidates.find(
    (s) => !isStageComplete(state, s) && !state.decisions.some((d) => d.stageId === s.id && d.actorId === actorId),
  );
  if (!stage) {
    if (input.stageId !== undefined && !mine.some((s) => s.id === input.stageId)) {
      return refusal(codes.wrongStage, `Stage '${input.stageId}' is not waiting for you.`, 'stageId');
    }
    if (decidedBefore) return refusal(codes.alreadyDecided, 'You have already decided on this request.');
    const waiting = openStages(state).map((s) => s.label);
    const what = waiting.length > 0 ? waiting.slice(0, 3).join(', ') + (waiting.length > 3 ? ', …' : '') : 'another step';
    return refusal(codes.notPending, `This request is not waiting for you (waiting for: ${what}).`, 'actorId');
  }
  if (!(stage.decisions as readonly string[]).includes(decision)) {
    return refusal('VALIDATION.FAILED', `Decision must be one of: ${stage.decisions.join(', ')}.`, 'decision');
  }
  if (DECISIONS_NEEDING_A_REASON.includes(decision) && !input.comment?.trim()) {
    return refusal('VALIDATION.FAILED', `A ${decision} needs a comment giving the reason.`, 'comment');
  }
  const priorDecisions: DecisionRecord[] = [
    ...state.decisions,
    ...Object.entries(state.delegatedSigners).flatMap(([step, ids]) =>
      ids.map((id) => ({ stageId: `step:${step}`, actorId: id, decision: 'approve' as const, step: Number(step) })),
    ),
  ];
  const check = checkDecision({ actor: { id: actorId }, stage, request: state.request, priorDecisions, decision });
  if (!check.ok) return refusal(check.code, check.reason, check.field);
  return { ok: true, stage };
}

/** Applies a decision `checkApply` accepted (throws otherwise: the validator should have refused). */
export function apply(state: ApprovalState, input: DecisionInput, nowMs: number, codes: RefusalCodes = DEFAULT_REFUSAL_CODES): Transition {
  const check = checkApply(state, input, codes);
  if (!check.ok) throw new RangeError(`${check.code}: ${check.reason}`);
  const { stage } = check;
  const record: RecordedDecision = {
    stageId: stage.id,
    actorId: input.actorId,
    decision: input.decision,
    step: state.current,
    visit: state.visits[state.current],
    at: new Date(nowMs).toISOString(),
    ...(input.comment !== undefined ? { comment: input.comment } : {}),
    ...(input.data !== undefined ? { data: input.data } : {}),
  };
  const recorded: ApprovalState = { ...state, decisions: [...state.decisions, record] };
  const decided = (completed: boolean): ApprovalEffect => ({ kind: 'decided', decision: record, stage, stageCompleted: completed });
  switch (input.decision) {
    case 'reject':
      return chain({ state: recorded, effects: [decided(false)] }, (s) => stepBack(s, record, stage, nowMs));
    case 'decline':
      return end({ ...recorded, outcome: record }, 'declined', [decided(false)], record);
    case 'request-adjustment':
      return end({ ...recorded, outcome: record }, 'adjustment-requested', [decided(false)], record);
    default: {
      const completed = isStageComplete(recorded, stage);
      return chain({ state: recorded, effects: [decided(completed)] }, (s) => (completed ? advanceIfStepDone(s, nowMs) : { state: s, effects: [] }));
    }
  }
}

/** The outcome of a delegated step, reported by the kernel once its children finished. */
export type StepOutcome =
  | { kind: 'approved'; signerIds: readonly string[]; flaggedStageIds: readonly string[] }
  | { kind: 'rejected' | 'declined' | 'adjustment-requested'; decision: RecordedDecision; stageLabel: string }
  | { kind: 'expired'; stageId: string };

export function applyStepOutcome(state: ApprovalState, outcome: StepOutcome, nowMs: number): Transition {
  if (state.status !== 'pending' || state.steps[state.current].kind !== 'delegated') {
    throw new RangeError('no delegated step is open');
  }
  const step = state.current;
  switch (outcome.kind) {
    case 'approved': {
      const next: ApprovalState = {
        ...state,
        delegatedSigners: { ...state.delegatedSigners, [step]: [...outcome.signerIds] },
        flaggedStageIds: [...state.flaggedStageIds, ...outcome.flaggedStageIds],
      };
      return leaveForward(next, nowMs);
    }
    case 'rejected': {
      const pseudo = delegatedStage(step, outcome.decision.stageId, outcome.stageLabel);
      return stepBack(state, { ...outcome.decision, step, visit: state.visits[step] }, pseudo, nowMs);
    }
    case 'declined':
      return end({ ...state, outcome: outcome.decision }, 'declined', [{ kind: 'step-closed', step, visit: state.visits[step] }], outcome.decision);
    case 'adjustment-requested':
      return end({ ...state, outcome: outcome.decision }, 'adjustment-requested', [{ kind: 'step-closed', step, visit: state.visits[step] }], outcome.decision);
    case 'expired':
      return end(state, 'expired', [{ kind: 'step-closed', step, visit: state.visits[step] }]);
  }
}

/** A stand-in for a stage of a delegated step (its details live with the child that ran it). */
function delegatedStage(step: number, stageId: string, label: string): ApprovalStage {
  return {
    id: stageId,
    label,
    approvers: [],
    approverIds: [],
    mode: 'any',
    decisions: ['approve', 'reject'],
    escalateToIds: [],
    onDeadline: 'escalate-only',
    step,
  };
}

/** Cancels a pending request (superseded, withdrawn). */
export function cancel(state: ApprovalState): Transition {
  if (state.status !== 'pending') return { state, effects: [] };
  return end(state, 'cancelled', [{ kind: 'step-closed', step: state.current, visit: state.visits[state.current] }]);
}

/** Reopens the current step after a requested adjustment was handled (a new visit, same decisions voided). */
export function reopenAfterAdjustment(state: ApprovalState, nowMs: number): Transition {
  if (state.status !== 'adjustment-requested') throw new RangeError('no adjustment was requested');
  const step = state.current;
  const reopened: ApprovalState = {
    ...state,
    status: 'pending',
    outcome: undefined,
    decisions: state.decisions.filter((d) => d.step < step),
    delegatedSigners: withoutStepsFrom(state.delegatedSigners, step),
    flaggedStageIds: state.flaggedStageIds.filter((id) => (stepOf(state, id) ?? step) < step),
  };
  return openStep(reopened, step, nowMs);
}

interface Due {
  stage: ApprovalStage;
  what: 'reminder' | 'escalation' | 'deadline';
  at: number;
}

/** Reminders, escalation and deadline of each waiting stage (none at or after its deadline but the deadline itself). */
export function dueTimes(state: ApprovalState): Due[] {
  const out: Due[] = [];
  for (const stage of openStages(state)) {
    const clock = state.clocks[stage.id] ?? { reminders: 0, escalated: false, deadlinePassed: false };
    const deadlineAt = stage.deadlineDays !== undefined ? state.openedAt + stage.deadlineDays * DAY_MS : undefined;
    if (stage.reminderEveryDays && !clock.deadlinePassed) {
      const at = state.openedAt + (clock.reminders + 1) * stage.reminderEveryDays * DAY_MS;
      if (deadlineAt === undefined || at < deadlineAt) out.push({ stage, what: 'reminder', at });
    }
    if (stage.escalateAfterDays !== undefined && !clock.escalated) {
      const at = state.openedAt + stage.escalateAfterDays * DAY_MS;
      if (deadlineAt === undefined || at < deadlineAt) out.push({ stage, what: 'escalation', at });
    }
    if (deadlineAt !== undefined && !clock.deadlinePassed) out.push({ stage, what: 'deadline', at: deadlineAt });
  }
  return out.sort((a, b) => a.at - b.at);
}

/** When the kernel should wake up next (undefined: only a decision moves the request). */
export function nextWakeAt(state: ApprovalState): number | undefined {
  return dueTimes(state)[0]?.at;
}

/** The earliest deadline among the waiting stages, for people ("decide by …"). */
export function nextDeadline(state: ApprovalState): string | undefined {
  const at = dueTimes(state).filter((d) => d.what === 'deadline').map((d) => d.at)[0];
  return at === undefined ? undefined : new Date(at).toISOString();
}

/** Applies everything due at `nowMs`: reminders, escalations, deadlines (expire, escalate-only, proceed-flagged). */
export function tick(state: ApprovalState, nowMs: number): Transition {
  let t: Transition = { state, effects: [] };
  for (const due of dueTimes(state).filter((d) => d.at <= nowMs)) {
    if (t.state.status !== 'pending' || !openStages(t.state).some((s) => s.id === due.stage.id)) continue;
    t = chain(t, (s) => fire(s, due, nowMs));
  }
  return t;
}

function fire(state: ApprovalState, due: Due, nowMs: number): Transition {
  const { stage } = due;
  const step = state.current;
  const visit = state.visits[step];
  const clock = { ...(state.clocks[stage.id] ?? { reminders: 0, escalated: false, deadlinePassed: false }) };
  const withClock = (s: ApprovalState): ApprovalState => ({ ...s, clocks: { ...s.clocks, [stage.id]: clock } });
  if (due.what === 'reminder') {
    clock.reminders += 1;
    return { state: withClock(state), effects: [{ kind: 'reminder', stage, step, visit, reminder: clock.reminders }] };
  }
  if (due.what === 'escalation') {
    clock.escalated = true;
    return { state: withClock(state), effects: [{ kind: 'escalation', stage, step, visit }] };
  }
  clock.deadlinePassed = true;
  const passed: ApprovalEffect = { kind: 'deadline', stage, step, visit };
  switch (stage.onDeadline) {
    case 'expire':
      return end(withClock(state), 'expired', [passed]);
    case 'proceed-flagged': {
      const flagged = withClock({ ...state, flaggedStageIds: [...state.flaggedStageIds, stage.id] });
      return chain({ state: flagged, effects: [passed] }, (s) => advanceIfStepDone(s, nowMs));
    }
    case 'escalate-only': {
      // Make sure someone above knows, then wait without further reminders.
      if (clock.escalated) return { state: withClock(state), effects: [passed] };
      clock.escalated = true;
      return { state: withClock(state), effects: [passed, { kind: 'escalation', stage, step, visit }] };
    }
  }
}

function chain(t: Transition, next: (s: ApprovalState) => Transition): Transition {
  const n = next(t.state);
  return { state: n.state, effects: [...t.effects, ...n.effects] };
}

function end(state: ApprovalState, status: Exclude<ApprovalStatus, 'pending'>, effects: ApprovalEffect[], decision?: RecordedDecision): Transition {
  return { state: { ...state, status }, effects: [...effects, { kind: 'ended', status, ...(decision ? { decision } : {}) }] };
}

function advanceIfStepDone(state: ApprovalState, nowMs: number): Transition {
  const step = state.steps[state.current];
  if (step.kind !== 'inline' || !step.stages.every((s) => isStageComplete(state, s))) return { state, effects: [] };
  return leaveForward(state, nowMs);
}

function leaveForward(state: ApprovalState, nowMs: number): Transition {
  const closed: ApprovalEffect = { kind: 'step-closed', step: state.current, visit: state.visits[state.current] };
  if (state.current + 1 >= state.steps.length) return end(state, 'approved', [closed]);
  return chain({ state, effects: [closed] }, (s) => openStep(s, s.current + 1, nowMs));
}

function withoutStepsFrom(signers: Record<number, string[]>, step: number): Record<number, string[]> {
  return Object.fromEntries(Object.entries(signers).filter(([s]) => Number(s) < step));
}

/**
 * A rejection sends the request one step back: the previous step decides again (and the rejecting
 * step after it). At the first step it returns to the requester (`returned`).
 */
function stepBack(state: ApprovalState, decision: RecordedDecision, from: ApprovalStage, nowMs: number): Transition {
  const closed: ApprovalEffect = { kind: 'step-closed', step: state.current, visit: state.visits[state.current] };
  if (state.current === 0) return end({ ...state, outcome: decision }, 'returned', [closed], decision);
  const target = state.current - 1;
  const back: ApprovalState = {
    ...state,
    decisions: state.decisions.filter((d) => d.step < target),
    delegatedSigners: withoutStepsFrom(state.delegatedSigners, target),
    flaggedStageIds: state.flaggedStageIds.filter((id) => (stepOf(state, id) ?? target) < target),
  };
  return chain({ state: back, effects: [closed] }, (s) => openStep(s, target, nowMs, { ...decision, stageLabel: from.label }));
}

function openStep(state: ApprovalState, index: number, nowMs: number, returnedBy?: RecordedDecision & { stageLabel: string }): Transition {
  const visits = state.visits.map((v, i) => (i === index ? v + 1 : v));
  const spec = state.steps[index];
  const clocks = { ...state.clocks };
  if (spec.kind === 'inline') for (const stage of spec.stages) clocks[stage.id] = { reminders: 0, escalated: false, deadlinePassed: false };
  const opened: ApprovalState = { ...state, current: index, visits, openedAt: nowMs, clocks };
  if (spec.kind === 'delegated') {
    return { state: opened, effects: [{ kind: 'delegated-step-opened', step: index, visit: visits[index], ...(returnedBy ? { returnedBy } : {}) }] };
  }
  const deadline = nextDeadline(opened);
  return {
    state: opened,
    effects: [{ kind: 'step-opened', step: index, visit: visits[index], stages: spec.stages, ...(deadline ? { deadline } : {}), ...(returnedBy ? { returnedBy } : {}) }],
  };
}
