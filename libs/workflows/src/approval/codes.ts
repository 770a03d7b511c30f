// Refusal codes per area (a typed list): a quota error is never reported as a plan-assignment one.
import { DEFAULT_REFUSAL_CODES, type RefusalCodes } from '@quotaflow/domain';
import type { ApprovalSubjectType } from './activities';

export const PLAN_ASSIGNMENT_CODES = {
  notAnApprover: 'AUTH.FORBIDDEN',
  alreadyDecided: 'PLAN_ASSIGNMENT.ALREADY_DECIDED',
  notPending: 'PLAN_ASSIGNMENT.NOT_PENDING',
  wrongStage: 'PLAN_ASSIGNMENT.NOT_PENDING',
} as const satisfies RefusalCodes;

export const QUOTA_SET_CODES = DEFAULT_REFUSAL_CODES;
export const TERRITORY_CHANGE_APPROVAL_CODES = DEFAULT_REFUSAL_CODES;
export const CLOSE_APPROVAL_CODES = DEFAULT_REFUSAL_CODES;

export function refusalCodesFor(subjectType: ApprovalSubjectType): RefusalCodes {
  switch (subjectType) {
    case 'plan-assignment':
      return PLAN_ASSIGNMENT_CODES;
    case 'quota-set':
      return QUOTA_SET_CODES;
    case 'territory-change':
      return TERRITORY_CHANGE_APPROVAL_CODES;
    case 'close':
      return CLOSE_APPROVAL_CODES;
  }
}
