/**
 * One slice of a delegated step, id `<parent>:r<round>:s<step>:v<visit>:<offset>`: a step with
 * more stages than one history should carry (a quota acknowledgement per rep, a manager review
 * per team) runs in children of at most STAGE_SLICE_SIZE stages. The child loads its stages,
 * runs them with the same kernel (the inbox tasks point at it, so decisions arrive here) and
 * reports the slice's outcome: approved (with its signers), or the first rejection.
 */
import { CancellationScope, isCancellation, proxyActivities, workflowInfo } from '@temporalio/workflow';
import { decisionCheckFor } from '../decision-checks';
import { installStageExtensions } from '../stage-extensions';
import type { ApprovalActivities } from './activities';
import { DATABASE_WORK } from './activity-options';
import { refusalCodesFor } from './codes';
import { ApprovalDesk } from './desk';
import type { ApprovalStepInput, ApprovalStepResult } from './step.types';

const acts = proxyActivities<Pick<ApprovalActivities, 'loadApprovalSlice' | 'cancelOpenApprovalTasks'>>(DATABASE_WORK);

export async function approvalStepWorkflow(input: ApprovalStepInput): Promise<ApprovalStepResult> {
  const desk = new ApprovalDesk({
    subject: input.subject,
    subjectType: input.subjectType,
    codes: refusalCodesFor(input.subjectType),
    frame: { step: input.step, visit: input.visit },
    checkDecision: decisionCheckFor(input.subjectType),
  });
  installStageExtensions(input.subjectType, desk, { subject: input.subject });
  const { workflowId } = workflowInfo();
  try {
    const slice = await acts.loadApprovalSlice({
      subject: input.subject,
      routeKey: input.routeKey,
      round: input.round,
      step: input.step,
      offset: input.offset,
      limit: input.limit,
    });
    const outcome = await desk.run({ request: slice.request, steps: [{ kind: 'inline', stages: slice.stages }] }, input.round, {
      priorSigners: slice.priorSigners,
      ...(input.returnedBy ? { returnedBy: input.returnedBy } : {}),
    });
    switch (outcome.status) {
      case 'approved':
        return { kind: 'approved', signerIds: input.withSigners ? outcome.signerIds : [], flaggedCount: outcome.flaggedCount };
      case 'returned':
        return { kind: 'rejected', decision: outcome.decision!, stageLabel: slice.stages.find((s) => s.id === outcome.decision!.stageId)?.label ?? outcome.decision!.stageId };
      case 'declined':
      case 'adjustment-requested':
        return { kind: outcome.status, decision: outcome.decision!, stageLabel: slice.stages.find((s) => s.id === outcome.decision!.stageId)?.label ?? outcome.decision!.stageId };
      case 'expired':
        await acts.cancelOpenApprovalTasks({ workflowId, status: 'cancelled' });
        return { kind: 'expired', stageId: outcome.expiredStageId ?? '' };
      case 'cancelled':
        await acts.cancelOpenApprovalTasks({ workflowId, status: 'cancelled' });
        return { kind: 'cancelled' };
    }
  } catch (error) {
    if (!isCancellation(error)) throw error;
    // The parent moved on (another slice rejected, the request was cancelled): record what was
    // decided here, then close what is still open.
    await CancellationScope.nonCancellable(async () => {
      await desk.drain();
      await acts.cancelOpenApprovalTasks({ workflowId, status: 'cancelled' });
    });
    return { kind: 'cancelled' };
  }
}
