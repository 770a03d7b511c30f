import type { ApprovalRequestRef, ApprovalStage } from '@quotaflow/domain';
import { DataSource, In, type EntityManager } from 'typeorm';
import { ApprovalDecisionEntity, type ApprovalDecisionValue } from '../entities/approval-decision.entity';
import { ApprovalRouteStageEntity } from '../entities/approval-route-stage.entity';
import { ApprovalRouteEntity } from '../entities/approval-route.entity';
import { ApprovalTaskEntity } from '../entities/approval-task.entity';
import { WorkflowFailureEntity } from '../entities/workflow-failure.entity';

export interface TaskPosition {
  subject: string;
  subjectType: string;
  workflowId: string;
  round: number;
  step: number;
  visit: number;
}

export interface TaskStage {
  id: string;
  label: string;
  approverIds: string[];
  deadline?: string;
  summary: string;
}

export interface DecisionRow {
  subject: string;
  stage: string;
  approverId: string;
  approverRole: string;
  decision: ApprovalDecisionValue;
  comment: string | null;
  idempotencyKey: string;
  workflowId: string;
  runId: string;
  decidedAt: Date;
  round: number;
  step: number;
  visit: number;
}

const ROUTE_BATCH = 1000;

/**
 * The approval records: inbox tasks (a read model the workflows keep current), decisions
 * (append-only, unique on the Idempotency-Key), routed stages of large steps, and failures.
 * Every write is idempotent so a retried activity changes nothing the second time.
 */
export class ApprovalRepository {
  constructor(private readonly dataSource: DataSource) {}

  private m(manager?: EntityManager): EntityManager {
    return manager ?? this.dataSource.manager;
  }

  /** One open task per approver per stage; returns the tasks of these stages (new or already there). */
  async openTasks(position: TaskPosition, stages: readonly TaskStage[], manager?: EntityManager): Promise<ApprovalTaskEntity[]> {
    const m = this.m(manager);
    const rows = stages.flatMap((stage) =>
      stage.approverIds.map((approverId) => ({
        subject: position.subject,
        subjectType: position.subjectType,
        workflowId: position.workflowId,
        round: position.round,
        step: position.step,
        stageId: stage.id,
        stageLabel: stage.label,
        visit: position.visit,
        approverId,
        status: 'open' as const,
        deadline: stage.deadline ? new Date(stage.deadline) : null,
        summary: stage.summary,
      })),
    );
    if (rows.length === 0) return [];
    if (rows.length === 1) {
      // A step of one approver (a plan acceptance): the new task is what was written, no read back.
      const inserted = await m.createQueryBuilder().insert().into(ApprovalTaskEntity).values(rows).orIgnore().returning(['id', 'createdAt']).updateEntity(false).execute();
      const created = (inserted.raw as { id: string; created_at: Date }[])[0];
      if (created) return [Object.assign(new ApprovalTaskEntity(), rows[0], { id: created.id, createdAt: created.created_at, decision: null, decidedById: null, closedAt: null })];
    } else {
      for (let i = 0; i < rows.length; i += ROUTE_BATCH) {
        await m.createQueryBuilder().insert().into(ApprovalTaskEntity).values(rows.slice(i, i + ROUTE_BATCH)).orIgnore().updateEntity(false).execute();
      }
    }
    return m.find(ApprovalTaskEntity, {
      where: { workflowId: position.workflowId, round: position.round, visit: position.visit, stageId: In(stages.map((s) => s.id)) },
      order: { stageId: 'ASC', approverId: 'ASC' },
    });
  }

  /**
   * A decision's effect on the inbox: the approver's own task is done; with `stageCompleted` and
   * mode `any` every approver's task of the stage is done (decided by this person); with
   * `stepEnded` what else is open in this visit of the step is cancelled.
   */
  async closeForDecision(
    input: { workflowId: string; round: number; step: number; visit: number; stageId: string; approverId: string; decision: string; stageCompleted: boolean; mode: 'any' | 'all'; stepEnded: boolean },
    manager?: EntityManager,
  ): Promise<void> {
    const m = this.m(manager);
    const base = { workflowId: input.workflowId, round: input.round, visit: input.visit, status: 'open' as const };
    const done = { status: 'done' as const, decision: input.decision, decidedById: input.approverId, closedAt: () => 'now()' };
    await m.createQueryBuilder().update(ApprovalTaskEntity).set(done).where({ ...base, stageId: input.stageId, approverId: input.approverId }).execute();
    if (input.stageCompleted && input.mode === 'any') {
      // The others of an 'any' stage have nothing left to decide: done, decided by this person —
      // their own decision stays empty, so no trace shows them deciding.
      await m
        .createQueryBuilder()
        .update(ApprovalTaskEntity)
        .set({ status: 'done', decision: null, decidedById: input.approverId, closedAt: () => 'now()' })
        .where({ ...base, stageId: input.stageId })
        .execute();
    }
    if (input.stepEnded) {
      await m
        .createQueryBuilder()
        .update(ApprovalTaskEntity)
        .set({ status: 'cancelled', closedAt: () => 'now()' })
        .where('workflow_id = :workflowId AND round = :round AND visit = :visit AND status = :open AND (step = :step OR step IS NULL)', {
          workflowId: input.workflowId,
          round: input.round,
          visit: input.visit,
          step: input.step,
          open: 'open',
        })
        .execute();
    }
  }

  /** Cancels what is still open: of one stage, one visit of a step, a round, or the whole workflow. */
  async closeOpen(
    input: { workflowId: string; round?: number; step?: number; visit?: number; stageId?: string },
    manager?: EntityManager,
  ): Promise<number> {
    const qb = this.m(manager)
      .createQueryBuilder()
      .update(ApprovalTaskEntity)
      .set({ status: 'cancelled', closedAt: () => 'now()' })
      .where('workflow_id = :workflowId AND status = :open', { workflowId: input.workflowId, open: 'open' });
    if (input.round !== undefined) qb.andWhere('round = :round', { round: input.round });
    if (input.step !== undefined) qb.andWhere('step = :step', { step: input.step });
    if (input.visit !== undefined) qb.andWhere('visit = :visit', { visit: input.visit });
    if (input.stageId !== undefined) qb.andWhere('stage_id = :stageId', { stageId: input.stageId });
    const result = await qb.execute();
    return result.affected ?? 0;
  }

  /** Appends a decision unless its Idempotency-Key is already recorded; true when it was new. */
  async insertDecision(row: DecisionRow, manager?: EntityManager): Promise<boolean> {
    const result = await this.m(manager)
      .createQueryBuilder()
      .insert()
      .into(ApprovalDecisionEntity)
      .values(row)
      .orIgnore('("idempotency_key")')
      .returning(['id'])
      .updateEntity(false)
      .execute();
    return (result.raw as unknown[]).length > 0;
  }

  decisionByKey(idempotencyKey: string, manager?: EntityManager): Promise<ApprovalDecisionEntity | null> {
    return this.m(manager).findOneBy(ApprovalDecisionEntity, { idempotencyKey });
  }

  /**
   * People among `among` who signed an earlier step of this round, counting each step's latest
   * visit only (a step back voids the visit before): separation of duties across steps.
   */
  async priorSigners(subject: string, round: number, beforeStep: number, among: readonly string[], manager?: EntityManager): Promise<string[]> {
    if (beforeStep <= 0 || among.length === 0) return [];
    const rows = (await this.m(manager).query(
      `SELECT DISTINCT d.approver_id AS id FROM approval_decisions d
       JOIN (SELECT step, max(visit) AS visit FROM approval_decisions WHERE subject = $1 AND round = $2 AND step < $3 GROUP BY step) latest
         ON latest.step = d.step AND latest.visit = d.visit
       WHERE d.subject = $1 AND d.round = $2 AND d.decision IN ('approve', 'accept', 'acknowledge') AND d.approver_id = ANY($4::uuid[])`,
      [subject, round, beforeStep, [...among]],
    )) as { id: string }[];
    return rows.map((r) => r.id).sort();
  }

  /** Stores who asked and whom the routed request is about, once per route. */
  async storeRouteRequest(routeKey: string, subject: string, request: ApprovalRequestRef, manager?: EntityManager): Promise<void> {
    await this.m(manager).createQueryBuilder().insert().into(ApprovalRouteEntity).values({ routeKey, subject, request }).orIgnore().updateEntity(false).execute();
  }

  routeRequest(routeKey: string, manager?: EntityManager): Promise<ApprovalRouteEntity | null> {
    return this.m(manager).findOneBy(ApprovalRouteEntity, { routeKey });
  }

  /** Stores the stages of a large step once (a retried routing inserts nothing new). */
  async storeRoute(routeKey: string, step: number, stages: readonly ApprovalStage[], manager?: EntityManager): Promise<void> {
    const m = this.m(manager);
    for (let i = 0; i < stages.length; i += ROUTE_BATCH) {
      const rows = stages.slice(i, i + ROUTE_BATCH).map((stage, j) => ({ routeKey, step, position: i + j, stageId: stage.id, stage }));
      await m.createQueryBuilder().insert().into(ApprovalRouteStageEntity).values(rows).orIgnore().updateEntity(false).execute();
    }
  }

  async loadSlice(routeKey: string, step: number, offset: number, limit: number, manager?: EntityManager): Promise<ApprovalStage[]> {
    const rows = await this.m(manager)
      .createQueryBuilder(ApprovalRouteStageEntity, 's')
      .where('s.route_key = :routeKey AND s.step = :step AND s.position >= :from AND s.position < :to', { routeKey, step, from: offset, to: offset + limit })
      .orderBy('s.position', 'ASC')
      .getMany();
    return rows.map((r) => r.stage);
  }

  /** Open tasks of the approver, soonest deadline first, keyset-paginated after a cursor task. */
  async inbox(approverId: string, page: { limit: number; after?: { deadline: Date | null; createdAt: Date; id: string } }, manager?: EntityManager): Promise<ApprovalTaskEntity[]> {
    const qb = this.m(manager)
      .createQueryBuilder(ApprovalTaskEntity, 't')
      .where('t.approver_id = :me AND t.status = :open', { me: approverId, open: 'open' });
    if (page.after) {
      // Order: deadline ASC NULLS LAST, created_at ASC, id ASC — the row strictly after the cursor.
      const { deadline, createdAt, id } = page.after;
      if (deadline === null) {
        qb.andWhere('t.deadline IS NULL AND (t.created_at, t.id) > (:createdAt, :id)', { createdAt, id });
      } else {
        qb.andWhere('(t.deadline IS NULL OR (t.deadline, t.created_at, t.id) > (:deadline, :createdAt, :id))', { deadline, createdAt, id });
      }
    }
    return qb.orderBy('t.deadline', 'ASC', 'NULLS LAST').addOrderBy('t.created_at', 'ASC').addOrderBy('t.id', 'ASC').take(page.limit).getMany();
  }

  /** Open tasks of a stage in the workflows of a subject (a quota team's stage may live in a step child). */
  openTasksOfStage(subject: string, stageId: string, manager?: EntityManager): Promise<ApprovalTaskEntity[]> {
    return this.m(manager).find(ApprovalTaskEntity, { where: { subject, stageId, status: 'open' }, order: { createdAt: 'DESC' } });
  }

  task(id: string, manager?: EntityManager): Promise<ApprovalTaskEntity | null> {
    return this.m(manager).findOneBy(ApprovalTaskEntity, { id });
  }

  tasksOfSubject(subject: string, manager?: EntityManager): Promise<ApprovalTaskEntity[]> {
    return this.m(manager).find(ApprovalTaskEntity, { where: { subject }, order: { createdAt: 'ASC', stageId: 'ASC' } });
  }

  decisionsOfSubject(subject: string, manager?: EntityManager): Promise<ApprovalDecisionEntity[]> {
    return this.m(manager).find(ApprovalDecisionEntity, { where: { subject }, order: { decidedAt: 'ASC' } });
  }

  async recordFailure(row: Omit<WorkflowFailureEntity, 'id'>, manager?: EntityManager): Promise<void> {
    await this.m(manager).createQueryBuilder().insert().into(WorkflowFailureEntity).values(row).orIgnore().updateEntity(false).execute();
  }

  failureOf(subject: string, manager?: EntityManager): Promise<WorkflowFailureEntity | null> {
    return this.m(manager).findOne(WorkflowFailureEntity, { where: { subject }, order: { occurredAt: 'DESC' } });
  }
}
