// The approval types are the domain's (CONTRACTS.md "Approvals"); re-exported for workflow code.
export type { ApprovalStage, ApproverRef, Role } from '@quotaflow/domain';
