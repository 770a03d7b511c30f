// Test-only workflow: the approval routine on its own, with recording activities (used by specs).
import { allHandlersFinished, condition, defineQuery, defineSignal, defineUpdate, proxyActivities, setHandler } from '@temporalio/workflow';
import {
  ApprovalRun,
  type ApprovalAuditEntry,
  type ApprovalHooks,
  type ApprovalRunOptions,
  type ApprovalOutcome,
  type ApprovalSnapshot,
  type StageDecisionInput,
} from '../approval/run-stages';
import type { ApprovalStage } from '../approval/types';

export interface RoutineNotice {
  kind: string;
  stageId: string;
  visit: number;
  at: string;
  reminder?: number;
  fromStageId?: string;
  comment?: string;
}

export interface RoutineActivities {
  audit(entry: ApprovalAuditEntry): Promise<void>;
  notify(notice: RoutineNotice): Promise<void>;
}

export const routineDecide = defineUpdate<ApprovalSnapshot, [StageDecisionInput]>('decide');
export const routineStatus = defineQuery<ApprovalSnapshot>('status');
export const routineCancel = defineSignal('cancel');

const acts = proxyActivities<RoutineActivities>({ startToCloseTimeout: '10 seconds' });

export async function approvalRoutineWorkflow(input: {
  subject: string;
  stages: ApprovalStage[];
  request?: ApprovalRunOptions['request'];
}): Promise<ApprovalOutcome> {
  const hooks: ApprovalHooks = {
    audit: (entry) => acts.audit(entry),
    notify: (e) =>
      acts.notify({
        kind: e.kind,
        stageId: e.stage.id,
        visit: e.visit,
        at: e.at,
        reminder: e.reminder,
        fromStageId: e.from?.id,
        comment: e.decision?.comment,
      }),
  };
  const run = new ApprovalRun(input.subject, input.stages, hooks, { request: input.request });
  setHandler(routineStatus, () => run.snapshot());
  setHandler(routineCancel, () => run.cancel());
  setHandler(
    routineDecide,
    async (decision) => {
      await run.decide(decision);
      return run.snapshot();
    },
    { validator: (decision) => run.validate(decision) },
  );
  const outcome = await run.run();
  await condition(allHandlersFinished);
  return outcome;
}
