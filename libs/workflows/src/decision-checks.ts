// A subject's own check of a decision, installed wherever its stages run (the parent workflow, or a
// step child when the step is delegated): a close's manager asking for adjustments and holds.
import type { ApprovalSubjectType } from './approval/activities';
import type { DecisionCheck } from './approval/desk';
import { checkCloseChangeRequest } from './close/checks';

export function decisionCheckFor(subjectType: ApprovalSubjectType): DecisionCheck | undefined {
  return subjectType === 'close' ? checkCloseChangeRequest : undefined;
}
