import { groupIntoSteps, type ApprovalRequestRef, type ApprovalStage, type ApprovalStep } from '@quotaflow/domain';
import type { ApprovalRepository } from '@quotaflow/persistence';
import { INLINE_STAGE_LIMIT, type RoutedApproval } from '@quotaflow/workflows';

/** A label for a step of many stages ("Quota acknowledgement by …" ×10,000 → "Quota acknowledgement by each of 10,000"). */
function stepLabel(stages: ApprovalStage[]): string {
  const first = stages[0]!.label;
  const cut = first.search(/ by | of |Team /);
  const base = cut > 0 ? first.slice(0, cut) : first.replace(/:.*$/, '');
  return `${base.trim()} (${stages.length} in parallel)`;
}

/**
 * The routed stages as the kernel runs them: steps of up to INLINE_STAGE_LIMIT stages inline,
 * larger ones stored (once per route key) for step children to load in slices. Subjects are
 * kept only where they could act (separation of duties needs no more), so the result stays
 * small whatever the organisation's size.
 */
export async function toRoutedApproval(
  approvals: ApprovalRepository,
  routeKey: string,
  subject: string,
  request: { requesterId: string; subjectPersonIds: readonly string[] },
  stages: ApprovalStage[],
): Promise<RoutedApproval> {
  const grouped = groupIntoSteps(stages);
  // The workflow checks separation of duties only for its inline stages' approvers (a delegated
  // step's children read the stored request, cut to their slice's approvers): the subjects it
  // carries are those among them, not every rep of a 10,000-rep sign-off (390 kB in its history).
  const inlineApprovers = new Set(grouped.filter((step) => step.length <= INLINE_STAGE_LIMIT).flatMap((step) => step.flatMap((s) => s.approverIds)));
  const ref: ApprovalRequestRef = {
    requesterId: request.requesterId,
    subjectPersonIds: request.subjectPersonIds.filter((id) => inlineApprovers.has(id)),
  };
  const steps: ApprovalStep[] = [];
  let stored = false;
  for (const [index, step] of grouped.entries()) {
    if (step.length <= INLINE_STAGE_LIMIT) {
      steps.push({ kind: 'inline', stages: step });
      continue;
    }
    await approvals.storeRoute(routeKey, index, step.map((s) => ({ ...s, step: 0 })));
    stored = true;
    const prefix = step[0]!.id.includes(':') ? `${step[0]!.id.slice(0, step[0]!.id.indexOf(':') + 1)}` : step[0]!.id;
    steps.push({ kind: 'delegated', stageCount: step.length, label: stepLabel(step), stageIdPrefix: prefix });
  }
  if (stored) await approvals.storeRouteRequest(routeKey, subject, { requesterId: request.requesterId, subjectPersonIds: [...request.subjectPersonIds] });
  return { request: ref, steps, ...(stored ? { routeKey } : {}) };
}
