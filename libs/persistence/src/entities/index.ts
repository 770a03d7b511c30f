import { AcceptanceEntity } from './acceptance.entity';
import { ApprovalDecisionEntity } from './approval-decision.entity';
import { ApprovalRouteStageEntity } from './approval-route-stage.entity';
import { ApprovalRouteEntity } from './approval-route.entity';
import { IdempotencyRequestEntity } from './idempotency-request.entity';
import { ApprovalTaskEntity } from './approval-task.entity';
import { AuditEventEntity } from './audit-event.entity';
import { EmailOutboxEntity } from './email-outbox.entity';
import { PersonEntity } from './person.entity';
import { PlanAssignmentEntity } from './plan-assignment.entity';
import { PublishEntity } from './publish.entity';
import { PlanDocumentEntity } from './plan-document.entity';
import { PlanVersionEntity } from './plan-version.entity';
import { PlanEntity } from './plan.entity';
import { TeamEntity } from './team.entity';
import { QuotaLineEntity } from './quota-line.entity';
import { QuotaSetVersionEntity } from './quota-set-version.entity';
import { QuotaSetEntity } from './quota-set.entity';
import { AccountOwnershipEntity } from './account-ownership.entity';
import { AccountEntity } from './account.entity';
import { DealEntity } from './deal.entity';
import { TerritoryChangeEntity } from './territory-change.entity';
import { TerritoryChangeAccountEntity } from './territory-change-account.entity';
import { TerritoryEntity } from './territory.entity';
import { WorkflowFailureEntity } from './workflow-failure.entity';
import { ProductEntity } from './product.entity';
import { DealRevisionEntity } from './deal-revision.entity';
import { ImportEntity, ImportIssueEntity, ImportProfileEntity } from './import.entity';
import { PeriodEntity } from './period.entity';
import { CloseSnapshotEntity } from './close-snapshot.entity';
import { PayoutEntity } from './payout.entity';
import { StatementEntity } from './statement.entity';
import { StatementResendEntity } from './statement-resend.entity';

export * from './acceptance.entity';
export * from './approval-decision.entity';
export * from './approval-route-stage.entity';
export * from './approval-route.entity';
export * from './idempotency-request.entity';
export * from './approval-task.entity';
export * from './audit-event.entity';
export * from './email-outbox.entity';
export * from './person.entity';
export * from './plan-assignment.entity';
export * from './publish.entity';
export * from './plan-document.entity';
export * from './plan-version.entity';
export * from './plan.entity';
export * from './team.entity';
export * from './quota-line.entity';
export * from './quota-set-version.entity';
export * from './quota-set.entity';
export * from './account-ownership.entity';
export * from './account.entity';
export * from './deal.entity';
export * from './territory-change.entity';
export * from './territory-change-account.entity';
export * from './territory.entity';
export * from './workflow-failure.entity';
export * from './product.entity';
export * from './deal-revision.entity';
export * from './import.entity';
export * from './period.entity';
export * from './close-snapshot.entity';
export * from './payout.entity';
export * from './statement.entity';
export * from './statement-resend.entity';

export const ENTITIES = [
  TeamEntity,
  PersonEntity,
  PlanEntity,
  PlanVersionEntity,
  PlanAssignmentEntity,
  PublishEntity,
  PlanDocumentEntity,
  AcceptanceEntity,
  ApprovalDecisionEntity,
  ApprovalTaskEntity,
  ApprovalRouteStageEntity,
  ApprovalRouteEntity,
  IdempotencyRequestEntity,
  WorkflowFailureEntity,
  EmailOutboxEntity,
  AuditEventEntity,
  QuotaSetEntity, QuotaSetVersionEntity, QuotaLineEntity,
  TerritoryEntity, AccountEntity, DealEntity, TerritoryChangeEntity, TerritoryChangeAccountEntity, AccountOwnershipEntity,
  ProductEntity, DealRevisionEntity, ImportEntity, ImportIssueEntity, ImportProfileEntity,
  PeriodEntity, CloseSnapshotEntity, PayoutEntity, StatementEntity, StatementResendEntity,
] as const;
