/**
 * Recording activities for workflow specs on the time-skipping server: every call of every
 * activity is kept, in order, so a spec asserts exact counts (a workflow that emails or records
 * a decision twice fails). Behaviour per activity comes from the spec (`handlers`); an activity
 * the spec does not give answers a neutral result.
 */
import type {
  ApprovalActivities,
  PlanAcceptanceActivities,
  PublishActivities,
  QuotaSignoffActivities,
  TerritoryChangeActivities,
} from '@quotaflow/workflows';

export type AllActivities = ApprovalActivities & PlanAcceptanceActivities & QuotaSignoffActivities & TerritoryChangeActivities & PublishActivities;
export type ActivityName = keyof AllActivities;
type Input<K extends ActivityName> = Parameters<AllActivities[K]>[0];

export interface Call<K extends ActivityName = ActivityName> {
  name: K;
  input: Input<K>;
}

const NEUTRAL: Partial<Record<ActivityName, unknown>> = {
  openApprovalStep: { opened: 1 },
  deliverApprovalMessages: { sent: 0 },
  recordApprovalDecision: { recorded: true },
  notifyApprovalStage: { notified: 1 },
  cancelOpenApprovalTasks: { closed: 0 },
  recordAudit: undefined,
  reportWorkflowFailure: undefined,
  finishPlanAcceptance: undefined,
  beginQuotaSignoff: undefined,
  returnQuotaSet: undefined,
  acceptQuotaRevision: undefined,
  scheduleTerritoryChange: { scheduledFor: new Date(0).toISOString() },
  finishTerritoryChange: undefined,
  applyTerritoryMoves: { accountsMoved: 0, alreadyApplied: false },
};

export function activityRecorder(handlers: Partial<{ [K in ActivityName]: (input: Input<K>) => Promise<Awaited<ReturnType<AllActivities[K]>>> }> = {}) {
  const calls: Call[] = [];
  const names: ActivityName[] = [
    'openApprovalStep', 'openApprovalStepTasks', 'deliverApprovalMessages', 'recordApprovalDecision', 'recordApprovalDecisions', 'notifyApprovalStage', 'cancelOpenApprovalTasks', 'loadApprovalSlice', 'recordAudit', 'reportWorkflowFailure',
    'preparePlanAcceptance', 'finishPlanAcceptance',
    'beginQuotaSignoff', 'routeQuotaSignoff', 'returnQuotaSet', 'acceptQuotaRevision', 'lockQuotaVersion', 'adjustQuotaTeam',
    'routeTerritoryChange', 'scheduleTerritoryChange', 'applyTerritoryMoves', 'finishTerritoryChange',
    'beginPublish', 'startAcceptanceBatch', 'finishPublish',
  ];
  const activities = Object.fromEntries(
    names.map((name) => [
      name,
      async (input: never) => {
        calls.push({ name, input });
        const handler = (handlers as Record<string, ((i: unknown) => Promise<unknown>) | undefined>)[name];
        if (handler) return handler(input);
        if (name === 'openApprovalStepTasks') {
          const opening = input as Input<'openApprovalStepTasks'>;
          return { opened: opening.stages.length, outboxIds: opening.stages.map((st) => `outbox:${opening.workflowId}:${st.id}`) };
        }
        if (name === 'recordApprovalDecisions') return { recorded: (input as Input<'recordApprovalDecisions'>).decisions.length };
        if (name in NEUTRAL) return NEUTRAL[name];
        throw new Error(`the spec gives no ${name}`);
      },
    ]),
  ) as unknown as AllActivities;
  const of = <K extends ActivityName>(name: K): Input<K>[] => calls.filter((c) => c.name === name).map((c) => c.input as Input<K>);
  const count = (name: ActivityName): number => calls.filter((c) => c.name === name).length;
  /** Every step opened, with its emails sent by the same activity (small steps) or alongside (large ones), in order. */
  const opens = (): Input<'openApprovalStep'>[] =>
    calls.flatMap((c) => (c.name === 'openApprovalStep' || c.name === 'openApprovalStepTasks' ? [c.input as Input<'openApprovalStep'>] : []));
  /** Every decision recorded, one at a time or in a batch, in order. */
  const decisions = (): Input<'recordApprovalDecision'>[] =>
    calls.flatMap((c) => (c.name === 'recordApprovalDecision' ? [c.input as Input<'recordApprovalDecision'>] : c.name === 'recordApprovalDecisions' ? (c.input as Input<'recordApprovalDecisions'>).decisions : []));
  /** Every call's name, in order (a spec asserts the whole sequence where it matters). */
  const sequence = (): string[] => calls.map((c) => c.name);
  return { calls, activities, of, count, opens, decisions, sequence };
}

export type ActivityRecorder = ReturnType<typeof activityRecorder>;
