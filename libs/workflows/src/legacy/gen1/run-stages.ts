// FROZEN: generation 1 (before the approval kernel). Replays and finishes workflows started
// before `approval-kernel` was patched in; never edit, only delete once no such run is left.
/**
 * Reusable approval routine: runs a list of approval stages inside a workflow.
 *
 * Stages are grouped into steps (`stage.step`; without it every stage is its own step, in list
 * order). The stages of one step run in parallel; a step is done when each of its stages is
 * satisfied (`mode: 'any'`: one approver; `'all'`: every approver).
 * 1. open the step (visit n) and tell the caller (who emails the approvers);
 * 2. wait for decisions or the next deadline: per stage, reminders every N days, escalation
 *    after M, `onDeadline` after D days (counted from when the visit opened);
 * 3. approve/accept/acknowledge → the next step once all stages are satisfied;
 *    reject → back one step with the comment (from the first step: the routine ends `rejected`,
 *    back to the requester); decline → ends `declined` (acceptance: the subject's own refusal).
 * Every decision, reminder, escalation and deadline is audited once, under a dedupe key.
 * The caller owns the Update handler and calls `validate` (its synchronous validator) and `decide`.
 */
import { ApplicationFailure, condition } from '@temporalio/workflow';
import { checkDecision, type ApprovalRequest } from '@quotaflow/domain';
import type { ApprovalStage } from './approval-types';

export type DecisionValue = 'approve' | 'reject' | 'accept' | 'decline' | 'acknowledge';

export interface StageDecisionInput {
  actorId: string;
  decision: DecisionValue;
  comment?: string;
  /** Carried into the audit record (e.g. ip, user agent). */
  data?: Record<string, unknown>;
}

export interface RecordedDecision extends StageDecisionInput {
  stageId: string;
  step: number;
  visit: number;
  at: string;
}

export type ApprovalOutcome =
  | { kind: 'approved'; flaggedStageIds: string[]; decisions: RecordedDecision[] }
  | { kind: 'rejected'; decision: RecordedDecision }
  | { kind: 'declined'; decision: RecordedDecision }
  | { kind: 'expired'; stageId: string }
  | { kind: 'cancelled' };

export type ApprovalEventKind = 'stage-opened' | 'reminder' | 'escalation' | 'deadline' | 'decision' | 'returned';

export interface ApprovalEvent {
  kind: ApprovalEventKind;
  stage: ApprovalStage;
  /** How many times this stage's step has been opened (a rejection reopens the step before). */
  visit: number;
  at: string;
  /** Reminder number within the visit (1, 2, …). */
  reminder?: number;
  decision?: RecordedDecision;
  /** `returned`: the stage whose rejection sent the request back here. */
  from?: ApprovalStage;
  /** `stage-opened`: when the stage's deadline passes, if it has one. */
  deadline?: string;
}

export interface ApprovalAuditEntry {
  dedupeKey: string;
  /** `approved`, `rejected`, `accepted`, `declined`, `acknowledged`, `reminded`, `escalated`, `deadline-passed`. */
  action: string;
  actorId?: string;
  comment?: string;
  data: Record<string, unknown>;
}

export interface ApprovalHooks {
  audit(entry: ApprovalAuditEntry, event: ApprovalEvent): Promise<void>;
  notify(event: ApprovalEvent): Promise<void>;
}

/** Stable codes the validator refuses with; callers may map them to their own (plan acceptance does). */
export interface ApprovalCodes {
  forbidden: string;
  alreadyDecided: string;
  notPending: string;
  invalidDecision: string;
}

export const DEFAULT_APPROVAL_CODES: ApprovalCodes = {
  forbidden: 'AUTH.NOT_AN_APPROVER',
  alreadyDecided: 'APPROVAL.ALREADY_DECIDED',
  notPending: 'APPROVAL.WRONG_STAGE',
  invalidDecision: 'VALIDATION.FAILED',
};

export interface ApprovalRunOptions {
  codes?: ApprovalCodes;
  /**
   * Who asked and whom it is about: separation of duties (the domain's `checkDecision`) then
   * refuses self-decisions (`AUTH.SELF_DECISION`) and one person signing two steps
   * (`AUTH.SECOND_STAGE_SAME_PERSON`).
   */
  request?: Pick<ApprovalRequest, 'requesterId' | 'subjectPersonIds'>;
}

export interface ApprovalSnapshot {
  step: number;
  openStageIds: string[];
  visit: number;
  decisions: RecordedDecision[];
  nextDeadline?: string;
  remindersSent: number;
  escalated: boolean;
  outcome?: ApprovalOutcome['kind'];
}

interface StageClock {
  stage: ApprovalStage;
  reminders: number;
  escalated: boolean;
  deadlinePassed: boolean;
  done: boolean;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const POSITIVE: readonly DecisionValue[] = ['approve', 'accept', 'acknowledge'];
const PAST_TENSE: Record<DecisionValue, string> = {
  approve: 'approved',
  reject: 'rejected',
  accept: 'accepted',
  decline: 'declined',
  acknowledge: 'acknowledged',
};

/** Refuses a decision: non-retryable, the stable code as `type`, the offending field in details. */
export function refuse(type: string, message: string, field?: string): never {
  throw ApplicationFailure.create({ type, message, nonRetryable: true, details: field ? [{ field }] : [] });
}

export function groupIntoSteps(stages: readonly ApprovalStage[]): ApprovalStage[][] {
  const numbered = stages.some((s) => s.step !== undefined);
  if (!numbered) return stages.map((s) => [s]);
  const byStep = new Map<number, ApprovalStage[]>();
  for (const s of stages) {
    const step = s.step ?? 0;
    byStep.set(step, [...(byStep.get(step) ?? []), s]);
  }
  return [...byStep.keys()].sort((a, b) => a - b).map((k) => byStep.get(k)!);
}

export class ApprovalRun {
  private readonly steps: ApprovalStage[][];
  private step = 0;
  private readonly visits: number[];
  /** Decisions that still stand: a step back discards those of the step it returns to. */
  private decisions: RecordedDecision[] = [];
  private readonly inbox: RecordedDecision[] = [];
  private submitted = 0;
  private processed = 0;
  private cancelled = false;
  private nextDeadline?: string;
  private remindersSent = 0;
  private escalated = false;
  private readonly flagged: string[] = [];
  private clocks: StageClock[] = [];
  outcome?: ApprovalOutcome;
  private readonly codes: ApprovalCodes;

  constructor(
    private readonly subject: string,
    stages: readonly ApprovalStage[],
    private readonly hooks: ApprovalHooks,
    private readonly options: ApprovalRunOptions = {},
  ) {
    if (stages.length === 0) throw new Error('an approval needs at least one stage');
    this.codes = options.codes ?? DEFAULT_APPROVAL_CODES;
    this.steps = groupIntoSteps(stages);
    this.visits = this.steps.map(() => 0);
  }

  /** Stages still waiting for decisions (empty once the routine has ended). */
  get openStages(): ApprovalStage[] {
    if (this.outcome) return [];
    return this.steps[this.step].filter((s) => !this.satisfied(s) && !this.flagged.includes(s.id));
  }

  /** Synchronous: throws a non-retryable ApplicationFailure; safe in an Update validator. */
  validate(input: StageDecisionInput): void {
    this.resolve(input);
  }

  /**
   * Records a validated decision synchronously (a second validator already sees it) and
   * resolves once the routine has processed it.
   */
  async decide(input: StageDecisionInput): Promise<void> {
    const seq = this.submit(input);
    await condition(() => this.processed >= seq);
  }

  /**
   * Records a validated decision synchronously and returns at once: the decision is durable in
   * the workflow's history when the Update completes; its effects (audit, next stage) follow in
   * the routine. Returns the sequence number `decide` waits for.
   */
  submit(input: StageDecisionInput): number {
    const stage = this.resolve(input);
    const recorded: RecordedDecision = {
      ...input,
      stageId: stage.id,
      step: this.step,
      visit: this.visits[this.step],
      at: nowIso(),
    };
    this.decisions.push(recorded);
    this.inbox.push(recorded);
    return ++this.submitted;
  }

  cancel(): void {
    this.cancelled = true;
  }

  snapshot(): ApprovalSnapshot {
    return {
      step: this.step,
      openStageIds: this.openStages.map((s) => s.id),
      visit: this.visits[this.step],
      decisions: [...this.decisions],
      nextDeadline: this.outcome ? undefined : this.nextDeadline,
      remindersSent: this.remindersSent,
      escalated: this.escalated,
      outcome: this.outcome?.kind,
    };
  }

  async run(): Promise<ApprovalOutcome> {
    while (!this.outcome) await this.runVisit();
    return this.outcome;
  }

  /** The stage this decision belongs to, or a refusal. */
  private resolve({ actorId, decision }: StageDecisionInput): ApprovalStage {
    const all = this.steps.flat();
    if (!all.some((s) => s.approverIds.includes(actorId))) {
      refuse(this.codes.forbidden, 'You are not an approver of this request.', 'actorId');
    }
    const decidedBefore = this.decisions.some((d) => d.actorId === actorId);
    if (this.outcome || this.cancelled) {
      const decidedOutcome = this.outcome && this.outcome.kind !== 'expired' && this.outcome.kind !== 'cancelled';
      if (decidedBefore && decidedOutcome) refuse(this.codes.alreadyDecided, 'This request has already been decided.');
      refuse(this.codes.notPending, 'This request is no longer pending.');
    }
    const mine = this.steps[this.step].filter((s) => s.approverIds.includes(actorId));
    const open = mine.find(
      (s) => !this.satisfied(s) && !this.decisions.some((d) => d.stageId === s.id && d.actorId === actorId && d.step === this.step),
    );
    if (!open) {
      if (decidedBefore) refuse(this.codes.alreadyDecided, 'You have already decided on this request.');
      const waiting = this.openStages.map((s) => s.label).join(', ');
      refuse(this.codes.notPending, `This request is not waiting for you (waiting for: ${waiting}).`, 'actorId');
    }
    if (!(open.decisions as readonly string[]).includes(decision)) {
      refuse(this.codes.invalidDecision, `Decision must be one of: ${open.decisions.join(', ')}.`, 'decision');
    }
    if (this.options.request) {
      const stepOf = new Map(all.map((s) => [s.id, s.step]));
      const check = checkDecision({
        actor: { id: actorId },
        stage: open,
        request: this.options.request,
        priorDecisions: this.decisions.map((d) => ({ ...d, step: stepOf.get(d.stageId) })),
        decision,
      });
      if (!check.ok) refuse(check.code, check.reason, check.field);
    }
    return open;
  }

  /** One visit of the current step: ends when the step is left (forward or back) or the routine ends. */
  private async runVisit(): Promise<void> {
    if (this.cancelled) {
      this.outcome = { kind: 'cancelled' };
      return;
    }
    const step = this.step;
    const visit = ++this.visits[step];
    const openedAt = nowMs();
    this.clocks = this.steps[step].map((stage) => ({ stage, reminders: 0, escalated: false, deadlinePassed: false, done: false }));
    for (const { stage } of this.clocks) {
      const deadline = stage.deadlineDays !== undefined ? new Date(openedAt + stage.deadlineDays * DAY_MS).toISOString() : undefined;
      await this.hooks.notify(this.event('stage-opened', stage, visit, { deadline }));
    }

    for (;;) {
      const due = this.clocks
        .filter((c) => !c.done)
        .flatMap((c) => dueTimes(c, openedAt))
        .sort((a, b) => a.at - b.at);
      const next = due.length > 0 ? Math.min(...due.map((d) => d.at)) : undefined;
      const deadlines = due.filter((d) => d.what === 'deadline').map((d) => d.at);
      this.nextDeadline = deadlines.length > 0 ? new Date(Math.min(...deadlines)).toISOString() : undefined;

      const wake = () => this.inbox.length > 0 || this.cancelled;
      if (next === undefined) await condition(wake);
      else await condition(wake, Math.max(0, next - nowMs()));

      if (await this.drainInbox(step, visit)) return;
      if (this.cancelled) {
        this.outcome = { kind: 'cancelled' };
        return;
      }
      const now = nowMs();
      for (const { clock, what } of due.filter((d) => d.at <= now)) {
        if (clock.done) continue;
        if (what === 'reminder') await this.remind(clock, visit);
        else if (what === 'escalation') await this.escalate(clock, visit);
        else await this.passDeadline(clock, visit);
        if (this.outcome) return;
      }
      if (this.clocks.every((c) => c.done)) {
        this.advance();
        return;
      }
    }
  }

  /** Processes queued decisions; true when the visit is over. */
  private async drainInbox(step: number, visit: number): Promise<boolean> {
    let leave = false;
    while (this.inbox.length > 0) {
      // A decision taken while a hook ran after the step moved belongs to the next visit.
      if (this.inbox[0]!.step !== step) break;
      const decision = this.inbox.shift()!;
      const stage = this.steps[step].find((s) => s.id === decision.stageId)!;
      const event = this.event('decision', stage, visit, { decision });
      const data = { decision: decision.decision, ...decision.data };
      await this.audit(event, PAST_TENSE[decision.decision], `decision:${decision.actorId}`, data, decision);
      this.processed += 1;
      if (leave) continue;
      if (decision.decision === 'decline') {
        this.outcome = { kind: 'declined', decision };
        leave = true;
      } else if (decision.decision === 'reject') {
        leave = true;
        await this.stepBack(decision, stage);
      } else if (this.satisfied(stage)) {
        this.clocks.find((c) => c.stage.id === stage.id)!.done = true;
        if (this.steps[step].every((s) => this.satisfied(s) || this.flagged.includes(s.id))) {
          this.advance();
          leave = true;
        }
      }
    }
    return leave;
  }

  private async stepBack(decision: RecordedDecision, from: ApprovalStage): Promise<void> {
    if (this.step === 0) {
      this.outcome = { kind: 'rejected', decision };
      return;
    }
    this.step -= 1;
    // The rejected step's and the reopened step's decisions no longer stand.
    this.decisions = this.decisions.filter((d) => d.step < this.step);
    for (const back of this.steps[this.step]) {
      await this.hooks.notify({ ...this.event('returned', back, this.visits[this.step] + 1, { decision }), from });
    }
  }

  private satisfied(stage: ApprovalStage): boolean {
    const positive = this.decisions.filter((d) => d.stageId === stage.id && POSITIVE.includes(d.decision));
    if (stage.mode === 'any') return positive.length > 0;
    return stage.approverIds.every((id) => positive.some((d) => d.actorId === id));
  }

  private advance(): void {
    if (this.step + 1 < this.steps.length) {
      this.step += 1;
      return;
    }
    this.outcome = { kind: 'approved', flaggedStageIds: [...this.flagged], decisions: [...this.decisions] };
  }

  private async remind(clock: StageClock, visit: number): Promise<void> {
    clock.reminders += 1;
    this.remindersSent += 1;
    const event = this.event('reminder', clock.stage, visit, { reminder: clock.reminders });
    await this.hooks.notify(event);
    await this.audit(event, 'reminded', `reminder:${clock.reminders}`, { reminder: clock.reminders });
  }

  private async escalate(clock: StageClock, visit: number): Promise<void> {
    clock.escalated = true;
    this.escalated = true;
    const event = this.event('escalation', clock.stage, visit);
    await this.hooks.notify(event);
    await this.audit(event, 'escalated', 'escalation', { escalateToIds: clock.stage.escalateToIds });
  }

  private async passDeadline(clock: StageClock, visit: number): Promise<void> {
    clock.deadlinePassed = true;
    const { stage } = clock;
    const event = this.event('deadline', stage, visit);
    await this.audit(event, 'deadline-passed', 'deadline', { onDeadline: stage.onDeadline });
    if (stage.onDeadline === 'expire') {
      this.outcome = { kind: 'expired', stageId: stage.id };
    } else if (stage.onDeadline === 'proceed-flagged') {
      this.flagged.push(stage.id);
      clock.done = true;
    } else if (!clock.escalated) {
      // escalate-only: make sure someone above knows, then wait without further reminders.
      await this.escalate(clock, visit);
    }
    await this.hooks.notify(event);
  }

  private async audit(
    event: ApprovalEvent,
    action: string,
    key: string,
    data: Record<string, unknown>,
    decision?: RecordedDecision,
  ): Promise<void> {
    await this.hooks.audit(
      {
        dedupeKey: `${this.subject}:${event.stage.id}:${event.visit}:${key}`,
        action,
        actorId: decision?.actorId,
        comment: decision?.comment,
        data: { stageId: event.stage.id, visit: event.visit, ...data },
      },
      event,
    );
  }

  private event(kind: ApprovalEventKind, stage: ApprovalStage, visit: number, extra: Partial<ApprovalEvent> = {}): ApprovalEvent {
    return { kind, stage, visit, at: nowIso(), ...extra };
  }
}

/** The stage's next reminder, escalation and deadline (none at or after the deadline but the deadline itself). */
function dueTimes(clock: StageClock, openedAt: number): { clock: StageClock; what: 'reminder' | 'escalation' | 'deadline'; at: number }[] {
  const { stage } = clock;
  const deadlineAt = stage.deadlineDays !== undefined ? openedAt + stage.deadlineDays * DAY_MS : undefined;
  const out: { clock: StageClock; what: 'reminder' | 'escalation' | 'deadline'; at: number }[] = [];
  if (stage.reminderEveryDays && !clock.deadlinePassed) {
    const at = openedAt + (clock.reminders + 1) * stage.reminderEveryDays * DAY_MS;
    if (deadlineAt === undefined || at < deadlineAt) out.push({ clock, what: 'reminder', at });
  }
  if (stage.escalateAfterDays !== undefined && !clock.escalated) {
    const at = openedAt + stage.escalateAfterDays * DAY_MS;
    if (deadlineAt === undefined || at < deadlineAt) out.push({ clock, what: 'escalation', at });
  }
  if (deadlineAt !== undefined && !clock.deadlinePassed) out.push({ clock, what: 'deadline', at: deadlineAt });
  return out;
}

// Workflow time: Date is replay-safe inside the workflow sandbox.
function nowMs(): number {
  return new Date().getTime();
}

function nowIso(): string {
  return new Date().toISOString();
}
