// FROZEN: generation 1 (before the approval kernel). Replays and finishes workflows started
// before `approval-kernel` was patched in; never edit, only delete once no such run is left.
// The approval types are the domain's (CONTRACTS.md "Approvals"); re-exported for workflow code.
export type { ApprovalStage, ApproverRef, Role } from '@quotaflow/domain';
