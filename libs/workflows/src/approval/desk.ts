/**
 * The approval kernel inside a workflow: one `decide` Update (validated by the domain's state
 * machine, separation of duties included), the machine's effects carried out by the shared
 * activities in order (inbox rows, the decision record with its audit event, reminders and
 * escalation notices — every word of them written by the worker's templates), timers for
 * deadlines, and delegated steps run in `approvalStepWorkflow` children.
 *
 * A decision is answered once it is durable: the Update's handler applies it to the machine and
 * returns a receipt; its effects follow in the main loop. Handlers that do I/O (an extension's
 * Update, the main loop) take turns through one mutex.
 *
 *   const desk = new ApprovalDesk({ subject, subjectType });
 *   const outcome = await desk.run(route, round);   // ends approved, returned, declined, …
 */
import {
  CancellationScope,
  ChildWorkflowCancellationType,
  condition,
  isCancellation,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import {
  APPROVAL_DECISIONS,
  DEFAULT_REFUSAL_CODES,
  allStages,
  apply,
  applyStepOutcome,
  cancel as cancelMachine,
  checkApply,
  createApprovalState,
  findInvalidCharacter,
  nextDeadline,
  nextWakeAt,
  openStages,
  reopenAfterAdjustment,
  tick,
  type ApprovalEffect,
  type ApprovalStage,
  type ApprovalState,
  type ApprovalStatus,
  type DecisionInput,
  type RecordedDecision,
  type RefusalCodes,
  type StepOutcome,
} from '@quotaflow/domain';
import type { ApprovalActivities, ApprovalPosition, ApprovalSubjectType, RecordApprovalDecisionInput, ReturnedBy, RoutedApproval, StageBrief } from './activities';
import { DATABASE_WORK, LOCAL_MAIL_WORK, MAIL_WORK } from './activity-options';
import { refuse } from './failures';
import { ASYNC_EMAIL_STAGE_MIN, DECISION_BATCH_LIMIT, LOCAL_OPEN_STAGE_MAX, STAGE_SLICE_SIZE } from './limits';
import { ASYNC_STEP_EMAILS_PATCH, DECISION_BATCH_PATCH } from './patches';
import { decideUpdate, type ApprovalDecisionRequest, type DecisionReceipt } from './messages';
import { Mutex } from './mutex';
import type { StageHost } from './stage-host';
import type { ApprovalStepInput, ApprovalStepResult, ApprovalStepWorkflow } from './step.types';

const db = proxyActivities<Pick<ApprovalActivities, 'recordApprovalDecision' | 'recordApprovalDecisions' | 'openApprovalStepTasks' | 'cancelOpenApprovalTasks'>>(DATABASE_WORK);
const mail = proxyActivities<Pick<ApprovalActivities, 'openApprovalStep' | 'deliverApprovalMessages' | 'notifyApprovalStage'>>(MAIL_WORK);
const localMail = proxyLocalActivities<Pick<ApprovalActivities, 'openApprovalStep'>>(LOCAL_MAIL_WORK);

const DAY_MS = 24 * 60 * 60 * 1000;
const KEY = /^[A-Za-z0-9._:-]{8,128}$/;

export interface DeskOptions {
  subject: string;
  subjectType: ApprovalSubjectType;
  /** Area codes for the generic refusals (plan acceptance answers with its own). */
  codes?: RefusalCodes;
  /** The refusal while no approval is open yet (e.g. the plan document is still being prepared). */
  notOpenMessage?: string;
  /** A step child stands for this step and visit of its parent's request. */
  frame?: { step: number; visit: number };
  /** Plan acceptance: the hash of the document decided on (receipt and decision record). */
  documentHash?: () => string | undefined;
  /**
   * The subject's own rules for a decision the machine accepts (a close: a manager's changes, the
   * finance approval waiting for every negative payout's acknowledgement); throws a refusal.
   */
  checkDecision?: DecisionCheck;
  /**
   * Steps of at most LOCAL_OPEN_STAGE_MAX stages open in a local activity (plan acceptance: one
   * person per step), inside the workflow task that opened them.
   */
  openStepsLocally?: boolean;
}

/** A subject's own check of a decision on `stage`, run in the Update validator after the machine's. */
export type DecisionCheck = (request: ApprovalDecisionRequest, stage: ApprovalStage) => void;

/** A proposal carried by a decision: at most this many bytes of JSON. */
const MAX_DATA_BYTES = 64 * 1024;

export interface DeskOutcome {
  status: Exclude<ApprovalStatus, 'pending'>;
  /** The decision that ended it (returned, declined, adjustment requested). */
  decision?: RecordedDecision;
  decisions: RecordedDecision[];
  /** Stages that passed their deadline with `proceed-flagged` (delegated steps included). */
  flaggedCount: number;
  flaggedStageIds: string[];
  /** People who signed (positively), for a parent's separation of duties. */
  signerIds: string[];
  /** Expired: which stage's deadline ended it. */
  expiredStageId?: string;
}

export interface DeskView {
  round: number;
  status: ApprovalStatus | 'not-open';
  step?: number;
  visit?: number;
  openStages: { id: string; label: string; approverIds: string[] }[];
  /** A delegated step is open: its stages live in child workflows. */
  delegated?: { step: number; stageCount: number; label: string };
  decisions: { stageId: string; actorId: string; decision: string; comment?: string; at: string; step: number; visit: number }[];
  nextDeadline?: string;
  remindersSent: number;
  escalated: boolean;
  flaggedCount: number;
}

interface Queued {
  effect: ApprovalEffect;
  request?: ApprovalDecisionRequest;
  stepEnded?: boolean;
  returnedBy?: ReturnedBy;
}

function nowMs(): number {
  // Workflow time: deterministic on replay.
  return new Date().getTime();
}

function checkText(value: unknown, field: string, max: number, required = false): void {
  if (value === undefined || value === null) {
    if (required) refuse('VALIDATION.FAILED', `${field} is required.`, field);
    return;
  }
  if (typeof value !== 'string') refuse('VALIDATION.FAILED', `${field} must be text.`, field);
  if ((value as string).length > max) refuse('VALIDATION.FAILED', `${field} is longer than ${max} characters.`, field);
  const bad = findInvalidCharacter(value as string);
  if (bad) refuse('VALIDATION.FAILED', `${field}: ${bad.reason} (${bad.codePoint} at ${bad.index}).`, field);
}

/** The request's shape, before any rule: what the activities could not store is refused here. */
export function validateDecisionShape(request: ApprovalDecisionRequest | undefined): void {
  if (!request || typeof request !== 'object') refuse('VALIDATION.FAILED', 'A decision request is required.');
  checkText(request.actorId, 'actorId', 100, true);
  if (!Array.isArray(request.actorRoles) || request.actorRoles.some((r) => typeof r !== 'string')) {
    refuse('VALIDATION.FAILED', 'actorRoles must list the caller’s roles.', 'actorRoles');
  }
  if (!APPROVAL_DECISIONS.includes(request.decision)) {
    refuse('VALIDATION.FAILED', `decision must be one of: ${APPROVAL_DECISIONS.join(', ')}.`, 'decision');
  }
  checkText(request.comment, 'comment', 2000);
  checkText(request.stageId, 'stageId', 200);
  checkText(request.ip, 'ip', 100);
  checkText(request.userAgent, 'userAgent', 1000);
  if (typeof request.idempotencyKey !== 'string' || !KEY.test(request.idempotencyKey)) {
    refuse('VALIDATION.FAILED', 'idempotencyKey: 8-128 characters of letters, digits, ".", "_", ":" or "-".', 'idempotencyKey');
  }
  if (request.data !== undefined) {
    if (request.decision !== 'request-adjustment') refuse('VALIDATION.FAILED', 'data is taken only with a request-adjustment.', 'data');
    if (!request.data || typeof request.data !== 'object' || Array.isArray(request.data)) refuse('VALIDATION.FAILED', 'data must be an object.', 'data');
    if (JSON.stringify(request.data).length > MAX_DATA_BYTES) refuse('VALIDATION.FAILED', `data is larger than ${MAX_DATA_BYTES} bytes.`, 'data');
  }
}

export function stageBrief(stage: ApprovalStage, openedAt: number): StageBrief {
  return {
    id: stage.id,
    label: stage.label,
    approverIds: [...stage.approverIds],
    mode: stage.mode,
    decisions: [...stage.decisions],
    ...(stage.actingRole ? { actingRole: stage.actingRole } : {}),
    ...(stage.deadlineDays !== undefined ? { deadline: new Date(openedAt + stage.deadlineDays * DAY_MS).toISOString() } : {}),
  };
}

export class ApprovalDesk implements StageHost {
  private state?: ApprovalState;
  private round = 0;
  private routeKey?: string;
  private readonly queue: Queued[] = [];
  /** Request emails of large steps being sent alongside (awaited before the outcome is returned). */
  private readonly deliveries: Promise<void>[] = [];
  private deliveryFailure: unknown;
  private readonly mutex = new Mutex();
  private readonly codes: RefusalCodes;
  private cancelRequested = false;
  private childScope?: CancellationScope;
  private pendingReturnedBy?: ReturnedBy;
  private delegatedFlagged = 0;
  private remindersSent = 0;
  private escalated = false;

  constructor(private readonly options: DeskOptions) {
    this.codes = options.codes ?? DEFAULT_REFUSAL_CODES;
    setHandler(decideUpdate, (request) => this.decide(request), { validator: (request) => this.validate(request) });
  }

  /** Runs one round of approval to its end; a quota set's resubmission runs another round. */
  async run(route: RoutedApproval, round: number, start: { priorSigners?: string[]; returnedBy?: ReturnedBy } = {}): Promise<DeskOutcome> {
    this.round = round;
    this.routeKey = route.routeKey;
    this.delegatedFlagged = 0;
    const t = createApprovalState(route.request, route.steps, { now: nowMs(), priorSigners: start.priorSigners });
    this.state = t.state;
    if (this.cancelRequested) {
      // Cancelled before it opened (superseded while the document rendered): nobody is asked.
      this.applyCancel();
      this.queue.length = 0;
    } else {
      this.enqueue(t.effects, { returnedBy: start.returnedBy });
    }
    return this.loop();
  }

  /** After a requested adjustment was handled: the same step opens again, for a new visit. */
  async reopenAfterAdjustment(): Promise<DeskOutcome> {
    const t = reopenAfterAdjustment(this.state!, nowMs());
    this.state = t.state;
    this.enqueue(t.effects);
    return this.loop();
  }

  private async loop(): Promise<DeskOutcome> {
    for (;;) {
      await this.drain();
      const state = this.state!;
      if (state.status !== 'pending') {
        await this.deliveriesDone();
        return this.outcome(state);
      }
      if (state.steps[state.current]!.kind === 'delegated') {
        await this.runDelegatedStep();
        continue;
      }
      const wake = nextWakeAt(state);
      if (wake === undefined) await condition(() => this.queue.length > 0);
      else await condition(() => this.queue.length > 0, Math.max(0, wake - nowMs()));
      if (this.queue.length === 0 && this.state!.status === 'pending') {
        const due = tick(this.state!, nowMs());
        this.state = due.state;
        this.enqueue(due.effects);
      }
    }
  }

  /** Ends a pending approval as cancelled (superseded, withdrawn); a no-op once it has ended. */
  cancel(): void {
    this.cancelRequested = true;
    this.applyCancel();
    this.childScope?.cancel();
  }

  /** For an extension's Update (e.g. a quota adjustment): takes its turn with the main loop. */
  runExclusive<T>(fn: () => Promise<T>): Promise<T> {
    return this.mutex.runExclusive(fn);
  }

  isApproverOf(actorId: string, stageId: string): boolean {
    return !!this.state && allStages(this.state).some((s) => s.id === stageId && s.approverIds.includes(actorId));
  }

  /** The open stage `stageId` waits for `actorId` (extensions check this in their validators). */
  isOpenFor(actorId: string, stageId: string): boolean {
    if (!this.state) return false;
    return openStages(this.state).some(
      (s) => s.id === stageId && s.approverIds.includes(actorId) && !this.state!.decisions.some((d) => d.stageId === s.id && d.actorId === actorId),
    );
  }

  get isOpen(): boolean {
    return this.state?.status === 'pending';
  }

  get currentRound(): number {
    return this.round;
  }

  position(step: number, visit: number): ApprovalPosition {
    const { workflowId, runId } = workflowInfo();
    const frame = this.options.frame;
    return {
      subject: this.options.subject,
      subjectType: this.options.subjectType,
      workflowId,
      runId,
      round: this.round,
      step: frame ? frame.step : step,
      visit: frame ? frame.visit : visit,
    };
  }

  view(): DeskView {
    const state = this.state;
    if (!state) return { round: this.round, status: 'not-open', openStages: [], decisions: [], remindersSent: 0, escalated: false, flaggedCount: 0 };
    const spec = state.steps[state.current]!;
    const frame = this.options.frame;
    return {
      round: this.round,
      status: state.status,
      step: frame ? frame.step : state.current,
      visit: frame ? frame.visit : state.visits[state.current],
      openStages: openStages(state).map((s) => ({ id: s.id, label: s.label, approverIds: [...s.approverIds] })),
      ...(spec.kind === 'delegated' && state.status === 'pending' ? { delegated: { step: state.current, stageCount: spec.stageCount, label: spec.label } } : {}),
      decisions: state.decisions.map((d) => ({
        stageId: d.stageId, actorId: d.actorId, decision: d.decision, ...(d.comment !== undefined ? { comment: d.comment } : {}), at: d.at, step: d.step, visit: d.visit,
      })),
      ...(state.status === 'pending' && nextDeadline(state) ? { nextDeadline: nextDeadline(state) } : {}),
      remindersSent: this.remindersSent,
      escalated: this.escalated,
      flaggedCount: state.flaggedStageIds.length + this.delegatedFlagged,
    };
  }

  private validate(request: ApprovalDecisionRequest): void {
    validateDecisionShape(request);
    if (!this.state) refuse(this.codes.notPending, this.options.notOpenMessage ?? 'This request is not open for decisions yet.');
    const check = checkApply(this.state, this.toInput(request), this.codes);
    if (!check.ok) refuse(check.code, check.reason, check.field);
    if (request.data !== undefined && !this.options.checkDecision) refuse('VALIDATION.FAILED', 'This request takes no data with a decision.', 'data');
    this.options.checkDecision?.(request, check.stage);
  }

  private decide(request: ApprovalDecisionRequest): DecisionReceipt {
    const input = this.toInput(request);
    const t = apply(this.state!, input, nowMs(), this.codes);
    this.state = t.state;
    const index = t.effects.findIndex((e) => e.kind === 'decided');
    const stepEnded = t.effects.slice(index + 1).some((e) => e.kind === 'step-closed' || e.kind === 'ended');
    this.enqueue(t.effects, { request, stepEnded });
    const decided = t.effects[index] as Extract<ApprovalEffect, { kind: 'decided' }>;
    const where = this.position(decided.decision.step, decided.decision.visit);
    const documentHash = this.options.documentHash?.();
    return {
      subject: this.options.subject,
      stageId: decided.stage.id,
      decision: request.decision,
      round: this.round,
      step: where.step,
      visit: where.visit,
      decidedAt: decided.decision.at,
      approvalStatus: t.state.status,
      ...(documentHash ? { documentHash } : {}),
    };
  }

  private toInput(request: ApprovalDecisionRequest): DecisionInput {
    return {
      actorId: request.actorId,
      decision: request.decision,
      ...(request.stageId !== undefined ? { stageId: request.stageId } : {}),
      ...(request.comment !== undefined ? { comment: request.comment } : {}),
      ...(request.data !== undefined ? { data: request.data } : {}),
    };
  }

  private applyCancel(): void {
    if (!this.state || this.state.status !== 'pending') return;
    const t = cancelMachine(this.state);
    this.state = t.state;
    this.enqueue(t.effects);
  }

  private enqueue(effects: ApprovalEffect[], extra: Omit<Queued, 'effect'> = {}): void {
    for (const effect of effects) this.queue.push({ effect, ...extra });
  }

  /** Carries out queued effects in order; an interrupted one stays queued (every effect is idempotent). */
  async drain(): Promise<void> {
    await this.mutex.runExclusive(async () => {
      while (this.queue.length > 0) {
        const batch = this.decisionsAtHead();
        if (batch > 1 && patched(DECISION_BATCH_PATCH)) {
          const items = this.queue.slice(0, batch);
          await db.recordApprovalDecisions({ decisions: items.map((item) => this.decisionRecord(item)) });
          this.queue.splice(0, batch);
          continue;
        }
        await this.perform(this.queue[0]!);
        this.queue.shift();
      }
    });
  }

  private deliverAlongside(sending: Promise<unknown>): void {
    // Kept, not awaited here: a failure is raised where the outcome is returned (deliveriesDone).
    this.deliveries.push(sending.then(() => undefined, (error: unknown) => { this.deliveryFailure ??= error; }));
  }

  /** Every request email sent alongside has gone out (or the first failure is raised). */
  private async deliveriesDone(): Promise<void> {
    while (this.deliveries.length > 0) await Promise.all(this.deliveries.splice(0));
    if (this.deliveryFailure !== undefined) throw this.deliveryFailure;
  }

  /** How many decisions wait at the head of the queue (at most DECISION_BATCH_LIMIT). */
  private decisionsAtHead(): number {
    let n = 0;
    while (n < this.queue.length && n < DECISION_BATCH_LIMIT && this.queue[n]!.effect.kind === 'decided') n += 1;
    return n;
  }

  private decisionRecord(item: Queued): RecordApprovalDecisionInput {
    const effect = item.effect as Extract<ApprovalEffect, { kind: 'decided' }>;
    const request = item.request!;
    const documentHash = this.options.documentHash?.();
    return {
      ...this.position(effect.decision.step, effect.decision.visit),
      stage: stageBrief(effect.stage, this.state!.openedAt),
      decision: {
        actorId: effect.decision.actorId,
        actorRoles: request.actorRoles,
        decision: effect.decision.decision,
        ...(effect.decision.comment !== undefined ? { comment: effect.decision.comment } : {}),
        decidedAt: effect.decision.at,
        idempotencyKey: request.idempotencyKey,
        ...(request.ip !== undefined ? { ip: request.ip } : {}),
        ...(request.userAgent !== undefined ? { userAgent: request.userAgent } : {}),
      },
      stageCompleted: effect.stageCompleted,
      stepEnded: item.stepEnded ?? false,
      ...(documentHash ? { documentHash } : {}),
    };
  }

  private async perform(item: Queued): Promise<void> {
    const { effect } = item;
    const state = this.state!;
    switch (effect.kind) {
      case 'step-opened': {
        const returnedBy = effect.returnedBy
          ? { actorId: effect.returnedBy.actorId, stageLabel: effect.returnedBy.stageLabel, ...(effect.returnedBy.comment ? { comment: effect.returnedBy.comment } : {}) }
          : item.returnedBy;
        const opening = {
          ...this.position(effect.step, effect.visit),
          stages: effect.stages.map((s) => stageBrief(s, state.openedAt)),
          ...(returnedBy ? { returnedBy } : {}),
        };
        if (effect.stages.length > ASYNC_EMAIL_STAGE_MIN && patched(ASYNC_STEP_EMAILS_PATCH)) {
          // Tasks first (a decision needs its task); the emails go out while decisions are recorded.
          const opened = await db.openApprovalStepTasks(opening);
          if (opened.outboxIds.length > 0) this.deliverAlongside(mail.deliverApprovalMessages({ ...this.position(effect.step, effect.visit), outboxIds: opened.outboxIds }));
          return;
        }
        if (this.options.openStepsLocally && effect.stages.length <= LOCAL_OPEN_STAGE_MAX) {
          await localMail.openApprovalStep(opening);
          return;
        }
        await mail.openApprovalStep(opening);
        return;
      }
      case 'delegated-step-opened':
        this.pendingReturnedBy = effect.returnedBy
          ? { actorId: effect.returnedBy.actorId, stageLabel: effect.returnedBy.stageLabel, ...(effect.returnedBy.comment ? { comment: effect.returnedBy.comment } : {}) }
          : undefined;
        return;
      case 'decided':
        await db.recordApprovalDecision(this.decisionRecord(item));
        return;
      case 'reminder':
      case 'escalation':
      case 'deadline': {
        if (effect.kind === 'reminder') this.remindersSent += 1;
        if (effect.kind === 'escalation') this.escalated = true;
        const { stage } = effect;
        await mail.notifyApprovalStage({
          ...this.position(effect.step, effect.visit),
          event: effect.kind,
          ...(effect.kind === 'reminder' ? { reminder: effect.reminder } : {}),
          stage: {
            ...stageBrief(stage, state.openedAt),
            escalateToIds: [...stage.escalateToIds],
            ...(stage.deadlineNotifyIds ? { deadlineNotifyIds: [...stage.deadlineNotifyIds] } : {}),
            onDeadline: stage.onDeadline,
            ...(stage.escalateAfterDays !== undefined ? { escalateAfterDays: stage.escalateAfterDays } : {}),
          },
        });
        return;
      }
      case 'step-closed':
      case 'ended':
        // Tasks of a step close with the decision that ended it (recordApprovalDecision), with a
        // deadline notice, or when the owning workflow finishes (cancelOpenApprovalTasks).
        return;
    }
  }

  /** A delegated step: its stages in slices, one child workflow each; the first refusal ends it. */
  private async runDelegatedStep(): Promise<void> {
    const state = this.state!;
    const step = state.current;
    const visit = state.visits[step]!;
    const spec = state.steps[step]!;
    if (spec.kind !== 'delegated') return;
    const { workflowId } = workflowInfo();
    const withSigners = step < state.steps.length - 1;
    const returnedBy = this.pendingReturnedBy;
    this.pendingReturnedBy = undefined;
    const scope = new CancellationScope();
    this.childScope = scope;
    const handles = await scope.run(async () => {
      const started = [];
      for (let offset = 0; offset < spec.stageCount; offset += STAGE_SLICE_SIZE) {
        const input: ApprovalStepInput = {
          subject: this.options.subject,
          subjectType: this.options.subjectType,
          parentWorkflowId: workflowId,
          routeKey: this.routeKey!,
          round: this.round,
          step,
          visit,
          offset,
          limit: STAGE_SLICE_SIZE,
          withSigners,
          ...(returnedBy ? { returnedBy } : {}),
        };
        started.push(
          await startChild<ApprovalStepWorkflow>('approvalStepWorkflow', {
            workflowId: `${workflowId}:r${this.round}:s${step}:v${visit}:${offset}`,
            args: [input],
            cancellationType: ChildWorkflowCancellationType.WAIT_CANCELLATION_COMPLETED,
          }),
        );
      }
      return started;
    });
    const results = handles.map((h, i) => h.result().then((r: ApprovalStepResult) => ({ i, r })));
    const remaining = new Set(results.map((_, i) => i));
    const signers: string[] = [];
    let flagged = 0;
    let outcome: StepOutcome | 'cancelled' | undefined;
    const cancelled = condition(() => this.cancelRequested).then(() => 'cancelled' as const);
    while (remaining.size > 0 && outcome === undefined) {
      const next = await Promise.race([...[...remaining].map((i) => results[i]!), cancelled]);
      if (next === 'cancelled') {
        outcome = 'cancelled';
        break;
      }
      remaining.delete(next.i);
      const r = next.r;
      if (r.kind === 'approved') {
        signers.push(...r.signerIds);
        flagged += r.flaggedCount;
      } else if (r.kind === 'expired') {
        outcome = { kind: 'expired', stageId: r.stageId };
      } else if (r.kind === 'cancelled') {
        outcome = 'cancelled';
      } else {
        outcome = { kind: r.kind, decision: r.decision, stageLabel: r.stageLabel };
      }
    }
    if (remaining.size > 0) {
      scope.cancel();
      await Promise.allSettled([...remaining].map((i) => results[i]!));
    }
    this.childScope = undefined;
    if (outcome === 'cancelled' || this.cancelRequested) {
      this.applyCancel();
      return;
    }
    this.delegatedFlagged += flagged;
    const t = applyStepOutcome(this.state!, outcome ?? { kind: 'approved', signerIds: withSigners ? signers : [], flaggedStageIds: [] }, nowMs());
    this.state = t.state;
    this.enqueue(t.effects);
  }

  private outcome(state: ApprovalState): DeskOutcome {
    const status = state.status as DeskOutcome['status'];
    const positives = state.decisions.filter((d) => d.decision === 'approve' || d.decision === 'accept' || d.decision === 'acknowledge');
    const expiredStage = status === 'expired' ? Object.entries(state.clocks).find(([, c]) => c.deadlinePassed)?.[0] : undefined;
    return {
      status,
      ...(state.outcome ? { decision: state.outcome } : {}),
      decisions: [...state.decisions],
      flaggedCount: state.flaggedStageIds.length + this.delegatedFlagged,
      flaggedStageIds: [...state.flaggedStageIds],
      signerIds: [...new Set(positives.map((d) => d.actorId))],
      ...(expiredStage ? { expiredStageId: expiredStage } : {}),
    };
  }
}

/** Is this the cancellation of the workflow (or of its scope)? */
export { isCancellation };
