// The approval types are the domain's; re-exported for workflow code.
export type { ApprovalStage, ApproverRef, Role } from '@quotaflow/domain';
