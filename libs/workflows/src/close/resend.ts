// A statement sent again on request (finance or ops): workflow `statement-resend:<periodId>:<personId>:<sequence>`,
// one email from its own outbox row, SMTP failures retried with backoff (MAIL_WORK).

export interface StatementResendInput {
  periodId: string;
  personId: string;
  /** 1, 2, … per (period, rep); the close's own send is 0. */
  sequence: number;
  requestedById: string;
}

export interface StatementResendResult {
  purpose: string;
  messageId: string;
}

export const statementResendWorkflowId = (periodId: string, personId: string, sequence: number): string => `statement-resend:${periodId}:${personId}:${sequence}`;

/** Outbox purpose of a resend: its own row, its own Message-ID. */
export const statementResendPurpose = (periodId: string, personId: string, sequence: number): string => `close:${periodId}:statement:${personId}:resend:${sequence}`;

export interface StatementResendActivities {
  /** The stored statement emailed again (idempotent by purpose); audit `period.statement-resent`. */
  resendStatement(input: StatementResendInput & { workflowId: string; runId: string; at: string }): Promise<StatementResendResult>;
}
