import type { INestApplicationContext } from '@nestjs/common';
import type { ApprovalTaskActivities, PlanAcceptanceActivities } from '@quotaflow/workflows';
import type { TerritoryChangeActivities } from '@quotaflow/workflows';
import { ApprovalTaskActivity } from './approval-task.activity';
import { AssignmentStateActivity } from './assignment-state.activity';
import { AuditActivity } from './audit.activity';
import { EmailActivity } from './email.activity';
import { OutboxDelivery } from './outbox-delivery';
import { PlanDocumentActivity } from './plan-document.activity';
import { TerritoryChangeActivity } from './territory-change.activity';
import { QuotaSignoffActivity, quotaSignoffActivities } from './quota-signoff.activity';
import { ImportActivity, importActivities } from './import.activity';

export { QuotaSignoffActivity, quotaSignoffActivities };
export { ImportActivity, importActivities };
export { ApprovalTaskActivity, AssignmentStateActivity, AuditActivity, EmailActivity, OutboxDelivery, PlanDocumentActivity };
export const ACTIVITY_CLASSES = [OutboxDelivery, PlanDocumentActivity, EmailActivity, AuditActivity, AssignmentStateActivity, ApprovalTaskActivity, TerritoryChangeActivity, QuotaSignoffActivity, ImportActivity];

/** The activity functions the worker registers, bound to their Nest-managed instances. */
export function planAcceptanceActivities(app: INestApplicationContext): PlanAcceptanceActivities {
  const documents = app.get(PlanDocumentActivity);
  const email = app.get(EmailActivity);
  const audit = app.get(AuditActivity);
  const state = app.get(AssignmentStateActivity);
  return {
    renderPlanDocument: (input) => documents.renderPlanDocument(input),
    sendEmail: (input) => email.sendEmail(input),
    recordAudit: (input) => audit.recordAudit(input),
    setAssignmentState: (input) => state.setAssignmentState(input),
  };
}

/** The approval inbox activities shared by every workflow with approval stages. */
export function approvalTaskActivities(app: INestApplicationContext): ApprovalTaskActivities {
  const tasks = app.get(ApprovalTaskActivity);
  return {
    openApprovalTasks: (input) => tasks.openApprovalTasks(input),
    closeApprovalTasks: (input) => tasks.closeApprovalTasks(input),
    sendNotice: (input) => tasks.sendNotice(input),
  };
}

/** Territory change: impact over the database, the read model and the apply. */
export function territoryChangeActivities(app: INestApplicationContext): TerritoryChangeActivities {
  const territory = app.get(TerritoryChangeActivity);
  return {
    computeTerritoryChangeImpact: (input) => territory.computeTerritoryChangeImpact(input),
    setTerritoryChangeState: (input) => territory.setTerritoryChangeState(input),
    applyTerritoryChange: (input) => territory.applyTerritoryChange(input),
  };
}
