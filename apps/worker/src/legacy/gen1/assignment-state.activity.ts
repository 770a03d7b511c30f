// FROZEN: generation 1 activities, for workflows started before the approval kernel (libs/workflows/src/legacy/gen1).
import { Injectable, Logger } from '@nestjs/common';
import { AcceptanceEntity, PlanAssignmentEntity, PlanVersionEntity } from '@quotaflow/persistence';
import type { SetAssignmentStateInput } from '@quotaflow/workflows/legacy/gen1/plan-acceptance.activities';
import { DataSource } from 'typeorm';
import { notFound } from '../../activities/activity-failures';

const FINAL = ['accepted', 'declined', 'expired', 'superseded'];

/**
 * `setAssignmentState`: one transaction for the assignment row and, for the rep's own decision,
 * the `acceptances` row. Repeating it changes nothing; a final state is never overwritten by
 * another one (the workflow is the only writer, so that would be a bug worth a log line).
 */
@Injectable()
export class AssignmentStateActivity {
  private readonly logger = new Logger(AssignmentStateActivity.name);

  constructor(private readonly dataSource: DataSource) {}

  async setAssignmentState(input: SetAssignmentStateInput): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      const assignment = await m.findOne(PlanAssignmentEntity, {
        where: { id: input.assignmentId },
        lock: { mode: 'pessimistic_write' },
      });
      if (!assignment) throw notFound('PLAN_ASSIGNMENT.NOT_FOUND', `No plan assignment ${input.assignmentId}.`);
      if (FINAL.includes(assignment.status) && assignment.status !== input.status) {
        this.logger.warn(`assignment ${assignment.id} is ${assignment.status}; not moving it to ${input.status}`);
        return;
      }
      const changes: Partial<PlanAssignmentEntity> = { status: input.status };
      if (input.nextDeadline !== undefined) changes.nextDeadline = input.nextDeadline ? new Date(input.nextDeadline) : null;
      if (input.decidedAt) changes.decidedAt = new Date(input.decidedAt);
      if (input.supersededById) changes.supersededById = input.supersededById;
      if (input.effectiveAt) {
        const version = await m.findOneByOrFail(PlanVersionEntity, { id: assignment.planVersionId });
        // Effective from the later of the acceptance and the version's own start date.
        const from = new Date(`${version.effectiveFrom}T00:00:00.000Z`);
        const at = new Date(input.effectiveAt);
        changes.effectiveAt = at > from ? at : from;
      }
      await m.update(PlanAssignmentEntity, { id: assignment.id }, changes);

      const d = input.decision;
      if (!d) return;
      await m
        .createQueryBuilder()
        .insert()
        .into(AcceptanceEntity)
        .values({
          assignmentId: assignment.id,
          personId: d.personId,
          decision: d.decision,
          reason: d.reason ?? null,
          decidedAt: new Date(d.decidedAt),
          ip: d.ip ?? null,
          userAgent: d.userAgent ?? null,
          documentHash: d.documentHash,
        })
        .orIgnore('("assignment_id")')
        .updateEntity(false)
        .execute();
    });
  }
}
