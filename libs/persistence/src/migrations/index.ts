import { InitialSchema1767225600000 } from './1767225600000-InitialSchema';
import { AppRoleAndAppendOnlyAudit1767225600001 } from './1767225600001-AppRoleAndAppendOnlyAudit';
import { ApprovalTasks1767225600010 } from './1767225600010-ApprovalTasks';
import { QuotaSignoff1767225600020 } from './1767225600020-QuotaSignoff';
import { Territories1767225600030 } from './1767225600030-Territories';
import { AnchoredAuditChain1767225600040 } from './1767225600040-AnchoredAuditChain';
import { Imports1767225600100 } from './1767225600100-Imports';
import { ApprovalKernel1767225600200 } from './1767225600200-ApprovalKernel';
import { CommissionClose1767225600300 } from './1767225600300-CommissionClose';
import { CloseReview1767225600400 } from './1767225600400-CloseReview';
import { StatementResends1767225600450 } from './1767225600450-StatementResends';
import { AssignmentInvitedAt1767225600500 } from './1767225600500-AssignmentInvitedAt';

/** Registered as classes, not by glob, so they load the same from TS sources (jest) and from dist/. */
export const MIGRATIONS = [
  InitialSchema1767225600000, AppRoleAndAppendOnlyAudit1767225600001, ApprovalTasks1767225600010, QuotaSignoff1767225600020, Territories1767225600030,
  AnchoredAuditChain1767225600040, Imports1767225600100, ApprovalKernel1767225600200, CommissionClose1767225600300, CloseReview1767225600400, StatementResends1767225600450,
  AssignmentInvitedAt1767225600500,
];
