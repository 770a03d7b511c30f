import type { INestApplicationContext, Provider } from '@nestjs/common';
import type {
  ApprovalActivities,
  CloseActivities,
  ImportActivities,
  StatementResendActivities,
  PlanAcceptanceActivities,
  PublishActivities,
  QuotaSignoffActivities,
  ScheduledCloseActivities,
  TerritoryChangeActivities,
} from '@quotaflow/workflows';
import { ApprovalActivitiesService } from '../approvals/approval.activities';
import { SUBJECT_HANDLERS } from '../approvals/subject-handler';
import { gen1Activities, GEN1_ACTIVITY_CLASSES } from '../legacy/gen1';
import { PlanAcceptanceActivitiesService } from '../plan-acceptance/plan-acceptance.activities';
import { PlanAcceptanceHandler } from '../plan-acceptance/plan-acceptance.handler';
import { PublishActivitiesService } from '../publish/publish.activities';
import { QuotaSignoffActivitiesService } from '../quota-signoff/quota-signoff.activities';
import { QuotaSignoffHandler } from '../quota-signoff/quota-signoff.handler';
import { TerritoryChangeActivitiesService } from '../territory-change/territory-change.activities';
import { TerritoryChangeHandler } from '../territory-change/territory-change.handler';
import { ImportActivitiesService } from '../imports/import.activities';
import { CloseActivitiesService } from '../close/close.activities';
import { CloseHandler } from '../close/close.handler';
import { StatementResendActivitiesService } from '../close/statement-resend.activities';
import { CloseScheduleActivitiesService } from '../close/close-schedule.activities';
import { OutboxDelivery } from './outbox-delivery';

/** The worker's activity services (Nest providers), the approval kernel's subject handlers among them. */
export const ACTIVITY_PROVIDERS: Provider[] = [
  OutboxDelivery,
  PlanAcceptanceHandler,
  QuotaSignoffHandler,
  TerritoryChangeHandler,
  CloseHandler,
  {
    provide: SUBJECT_HANDLERS,
    inject: [PlanAcceptanceHandler, QuotaSignoffHandler, TerritoryChangeHandler, CloseHandler],
    useFactory: (...handlers: unknown[]) => handlers,
  },
  ApprovalActivitiesService,
  PlanAcceptanceActivitiesService,
  QuotaSignoffActivitiesService,
  TerritoryChangeActivitiesService,
  PublishActivitiesService,
  ImportActivitiesService,
  CloseActivitiesService,
  StatementResendActivitiesService,
  CloseScheduleActivitiesService,
  ...GEN1_ACTIVITY_CLASSES,
];

type Activities = ApprovalActivities & PlanAcceptanceActivities & QuotaSignoffActivities & TerritoryChangeActivities & PublishActivities & ImportActivities & CloseActivities & StatementResendActivities & ScheduledCloseActivities;

/** Binds each method of a service to its instance, by name (what the worker registers). */
function bound<T extends object, K extends keyof T & string>(service: T, names: readonly K[]): Pick<T, K> {
  return Object.fromEntries(names.map((name) => [name, (service[name] as (...args: unknown[]) => unknown).bind(service)])) as Pick<T, K>;
}

/** Every activity the worker registers: the current generation's and generation 1's. */
export function workerActivities(app: INestApplicationContext): Activities & Record<string, unknown> {
  const approvals = app.get(ApprovalActivitiesService);
  const plan = app.get(PlanAcceptanceActivitiesService);
  const quota = app.get(QuotaSignoffActivitiesService);
  const territory = app.get(TerritoryChangeActivitiesService);
  const publish = app.get(PublishActivitiesService);
  const imports = app.get(ImportActivitiesService);
  const close = app.get(CloseActivitiesService);
  const resend = app.get(StatementResendActivitiesService);
  const closeSchedule = app.get(CloseScheduleActivitiesService);
  // Typed: an activity of an interface that is not bound here fails to compile, not at run time
  // (`recordAudit` is generation 1's, shared).
  const current: Omit<Activities, 'recordAudit'> = {
    ...bound(approvals, ['openApprovalStep', 'openApprovalStepTasks', 'deliverApprovalMessages', 'recordApprovalDecision', 'recordApprovalDecisions', 'notifyApprovalStage', 'cancelOpenApprovalTasks', 'loadApprovalSlice', 'reportWorkflowFailure']),
    ...bound(plan, ['preparePlanAcceptance', 'finishPlanAcceptance']),
    ...bound(quota, ['beginQuotaSignoff', 'routeQuotaSignoff', 'returnQuotaSet', 'acceptQuotaRevision', 'lockQuotaVersion', 'adjustQuotaTeam']),
    ...bound(territory, ['routeTerritoryChange', 'scheduleTerritoryChange', 'applyTerritoryMoves', 'finishTerritoryChange']),
    ...bound(publish, ['beginPublish', 'startAcceptanceBatch', 'finishPublish']),
    ...bound(imports, ['runImport', 'failImport']),
    ...bound(close, ['beginClose', 'freezeClose', 'blockClose', 'calculateCloseBatch', 'finishCalculation', 'routeCloseApproval', 'returnClose', 'sendStatementBatch', 'completeClose',
      'recordCloseChanges', 'recalculateCloseVersion', 'prepareCloseReview', 'acknowledgeNegativePayout']),
    ...bound(resend, ['resendStatement']),
    ...bound(closeSchedule, ['startScheduledClose']),
  };
  // Generation 1 first: `recordAudit` is shared, and generation 1's also writes its decision rows.
  // Any other name in both would hand generation 1's runs today's activity: refuse to start.
  const gen1 = gen1Activities(app);
  const clash = Object.keys(current).filter((name) => name in gen1);
  if (clash.length > 0) throw new Error(`activity names registered by two generations: ${clash.join(', ')}`);
  return { ...gen1, ...current } as Activities & Record<string, unknown>;
}
