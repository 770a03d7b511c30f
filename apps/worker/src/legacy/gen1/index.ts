// FROZEN: generation 1 activities, registered so that workflows started before the approval
// kernel finish (libs/workflows/src/legacy/gen1). Their names are the old ones; `recordAudit`
// (a superset of the kernel's) serves both generations.
import type { INestApplicationContext } from '@nestjs/common';
import { ApprovalTaskActivity } from './approval-task.activity';
import { AssignmentStateActivity } from './assignment-state.activity';
import { AuditActivity } from './audit.activity';
import { EmailActivity } from './email.activity';
import { PlanDocumentActivity } from './plan-document.activity';
import { QuotaSignoffActivity } from './quota-signoff.activity';
import { TerritoryChangeActivity } from './territory-change.activity';

export const GEN1_ACTIVITY_CLASSES = [PlanDocumentActivity, EmailActivity, AuditActivity, AssignmentStateActivity, ApprovalTaskActivity, TerritoryChangeActivity, QuotaSignoffActivity];

export function gen1Activities(app: INestApplicationContext): Record<string, (input: never) => Promise<unknown>> {
  const documents = app.get(PlanDocumentActivity);
  const email = app.get(EmailActivity);
  const audit = app.get(AuditActivity);
  const state = app.get(AssignmentStateActivity);
  const tasks = app.get(ApprovalTaskActivity);
  const territory = app.get(TerritoryChangeActivity);
  const quota = app.get(QuotaSignoffActivity);
  return {
    renderPlanDocument: (input) => documents.renderPlanDocument(input),
    sendEmail: (input) => email.sendEmail(input),
    recordAudit: (input) => audit.recordAudit(input),
    setAssignmentState: (input) => state.setAssignmentState(input),
    openApprovalTasks: (input) => tasks.openApprovalTasks(input),
    closeApprovalTasks: (input) => tasks.closeApprovalTasks(input),
    sendNotice: (input) => tasks.sendNotice(input),
    computeTerritoryChangeImpact: (input) => territory.computeTerritoryChangeImpact(input),
    setTerritoryChangeState: (input) => territory.setTerritoryChangeState(input),
    applyTerritoryChange: (input) => territory.applyTerritoryChange(input),
    saveQuotaVersion: (input) => quota.saveQuotaVersion(input),
    setQuotaSetState: (input) => quota.setQuotaSetState(input),
    acknowledgeQuota: (input) => quota.acknowledgeQuota(input),
    lockQuotaSet: (input) => quota.lockQuotaSet(input),
  };
}
