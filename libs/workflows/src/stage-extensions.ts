// Updates beyond `decide` that belong to a kind of stage, installed wherever such a stage runs
// (in the parent workflow, or in a step child when the step is delegated): a quota set's team
// manager adjusting the split during their stage.
import type { ApprovalSubjectType } from './approval/activities';
import type { StageHost } from './approval/stage-host';
import { installQuotaAdjustment } from './quota-signoff/adjust';

export function installStageExtensions(subjectType: ApprovalSubjectType, desk: StageHost, context: { subject: string }): void {
  if (subjectType === 'quota-set') installQuotaAdjustment(desk, context.subject);
}
