/**
 * A rep's statement of a closed period sent again on request, id
 * `statement-resend:<periodId>:<personId>:<sequence>`: the stored PDF, a new message (its own outbox
 * row and Message-ID), retried with backoff while SMTP is away; a refused address fails it for good.
 *
 * Changing this file: wrap changed steps in `patched('<id>')`, record new histories under
 * `__histories__/statement-resend` (the replay spec replays every file there).
 */
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import { MAIL_WORK } from '../approval/activity-options';
import type { StatementResendActivities, StatementResendInput, StatementResendResult } from './resend';

const mail = proxyActivities<StatementResendActivities>(MAIL_WORK);

export async function statementResendWorkflow(input: StatementResendInput): Promise<StatementResendResult> {
  const { workflowId, runId } = workflowInfo();
  return mail.resendStatement({ ...input, workflowId, runId, at: new Date().toISOString() });
}
