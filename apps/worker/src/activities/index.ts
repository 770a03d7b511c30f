import type { INestApplicationContext } from '@nestjs/common';
import type { PlanAcceptanceActivities } from '@quotaflow/workflows';
import { AssignmentStateActivity } from './assignment-state.activity';
import { AuditActivity } from './audit.activity';
import { EmailActivity } from './email.activity';
import { PlanDocumentActivity } from './plan-document.activity';

export { AssignmentStateActivity, AuditActivity, EmailActivity, PlanDocumentActivity };
export const ACTIVITY_CLASSES = [PlanDocumentActivity, EmailActivity, AuditActivity, AssignmentStateActivity];

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
