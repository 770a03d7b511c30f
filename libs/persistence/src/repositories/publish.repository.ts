import { DataSource, type EntityManager } from 'typeorm';
import type { PlanAssignmentSettings } from '../entities/plan-assignment.entity';
import { PublishEntity, type PublishStatus } from '../entities/publish.entity';

export interface PublishTarget {
  personId: string;
  /** The quota offered (the caller falls back to the person's default annual quota). */
  quota?: string;
}

export interface PublishedAssignment {
  assignmentId: string;
  personId: string;
  status: string;
  workflowId: string;
  created: boolean;
}

export interface PublishProgress {
  targets: number;
  created: number;
  started: number;
  invited: number;
  accepted: number;
  declined: number;
  pending: number;
}

/**
 * Publishes and the assignments they create, set-based: ten thousand reps are one INSERT, not
 * ten thousand; the acceptance workflows are started by the publish workflow in batches.
 */
export class PublishRepository {
  constructor(private readonly dataSource: DataSource) {}

  private m(manager?: EntityManager): EntityManager {
    return manager ?? this.dataSource.manager;
  }

  find(id: string, manager?: EntityManager): Promise<PublishEntity | null> {
    return this.m(manager).findOneBy(PublishEntity, { id });
  }

  /** The publish and its assignments in one transaction (a rep already holding this version keeps theirs). */
  async create(
    m: EntityManager,
    input: { planVersionId: string; requestedById: string; settings: PlanAssignmentSettings; targets: readonly PublishTarget[] },
  ): Promise<{ publish: PublishEntity; created: number }> {
    const publish = await m.save(
      m.create(PublishEntity, {
        planVersionId: input.planVersionId,
        requestedById: input.requestedById,
        settings: input.settings,
        targetCount: input.targets.length,
        createdCount: 0,
        status: 'waiting',
        workflowId: 'pending',
      }),
    );
    const workflowId = `publish:${publish.id}`;
    const status = input.settings.managerPreApproval ? 'pending_manager' : 'pending_rep';
    const rows = (await m.query(
      `INSERT INTO plan_assignments (id, plan_version_id, person_id, quota, published_at, status, settings, workflow_id, published_by_id, publish_id)
       SELECT x.id, $1, x.person_id, x.quota, now(), $2, $3::jsonb, 'plan-acceptance:' || x.id, $4, $5
       FROM (SELECT gen_random_uuid() AS id, t.person_id, t.quota FROM unnest($6::uuid[], $7::numeric[]) AS t(person_id, quota)) x
       ON CONFLICT (plan_version_id, person_id) DO NOTHING
       RETURNING id`,
      [input.planVersionId, status, JSON.stringify(input.settings), input.requestedById, publish.id, input.targets.map((t) => t.personId), input.targets.map((t) => t.quota ?? null)],
    )) as { id: string }[];
    await m.update(PublishEntity, { id: publish.id }, { createdCount: rows.length, workflowId });
    return { publish: { ...publish, createdCount: rows.length, workflowId }, created: rows.length };
  }

  /** The assignments of these reps for the version (created now or by an earlier publish). */
  async assignmentsOf(planVersionId: string, publishId: string, personIds: readonly string[], manager?: EntityManager): Promise<PublishedAssignment[]> {
    const rows = (await this.m(manager).query(
      `SELECT id AS "assignmentId", person_id AS "personId", status, workflow_id AS "workflowId", publish_id = $2 AS created
       FROM plan_assignments WHERE plan_version_id = $1 AND person_id = ANY($3::uuid[])`,
      [planVersionId, publishId, [...personIds]],
    )) as PublishedAssignment[];
    const order = new Map(personIds.map((id, i) => [id, i]));
    return rows.sort((a, b) => order.get(a.personId)! - order.get(b.personId)!);
  }

  /** One batch of the assignments a publish created, in a stable order. */
  async batch(publishId: string, offset: number, limit: number, manager?: EntityManager): Promise<{ id: string; personId: string; workflowId: string; status: string }[]> {
    return (await this.m(manager).query(
      `SELECT id, person_id AS "personId", workflow_id AS "workflowId", status FROM plan_assignments WHERE publish_id = $1 ORDER BY id OFFSET $2 LIMIT $3`,
      [publishId, offset, limit],
    )) as { id: string; personId: string; workflowId: string; status: string }[];
  }

  /**
   * How many of these assignments' workflows are past their start: the first step's tasks are open
   * (its emails queued in the same transaction), or the assignment is no longer pending.
   */
  async opened(assignmentIds: readonly string[], manager?: EntityManager): Promise<number> {
    if (assignmentIds.length === 0) return 0;
    const [row] = (await this.m(manager).query(
      `SELECT count(*)::int AS opened FROM plan_assignments a
       WHERE a.id = ANY($1::uuid[])
         AND (a.status NOT IN ('pending_manager', 'pending_rep') OR EXISTS (SELECT 1 FROM approval_tasks t WHERE t.workflow_id = a.workflow_id))`,
      [[...assignmentIds]],
    )) as { opened: number }[];
    return row?.opened ?? 0;
  }

  /** Pending assignments of other versions of the same plan for these reps: the new ones supersede them. */
  async superseded(assignmentIds: readonly string[], manager?: EntityManager): Promise<{ oldId: string; oldWorkflowId: string; newId: string }[]> {
    if (assignmentIds.length === 0) return [];
    return (await this.m(manager).query(
      `SELECT old.id AS "oldId", old.workflow_id AS "oldWorkflowId", new.id AS "newId"
       FROM plan_assignments new
       JOIN plan_versions nv ON nv.id = new.plan_version_id
       JOIN plan_versions ov ON ov.plan_id = nv.plan_id AND ov.id <> nv.id
       JOIN plan_assignments old ON old.plan_version_id = ov.id AND old.person_id = new.person_id AND old.status IN ('pending_manager', 'pending_rep')
       WHERE new.id = ANY($1::uuid[])`,
      [[...assignmentIds]],
    )) as { oldId: string; oldWorkflowId: string; newId: string }[];
  }

  async setStatus(id: string, changes: { status: PublishStatus; lastError?: string | null; finishedAt?: Date }, manager?: EntityManager): Promise<void> {
    await this.m(manager).update(PublishEntity, { id }, changes);
  }

  async addStarted(id: string, started: number, manager?: EntityManager): Promise<void> {
    await this.m(manager).query(`UPDATE publishes SET started_count = LEAST(created_count, started_count + $2) WHERE id = $1`, [id, started]);
  }

  waiting(limit: number, manager?: EntityManager): Promise<PublishEntity[]> {
    return this.m(manager).find(PublishEntity, { where: { status: 'waiting' }, order: { createdAt: 'ASC' }, take: limit });
  }

  /** What happened to a publish's reps so far (invites: sent, as recorded on each assignment). */
  async progress(publish: PublishEntity, manager?: EntityManager): Promise<PublishProgress> {
    const [row] = (await this.m(manager).query(
      `SELECT count(*)::int AS created,
              count(*) FILTER (WHERE a.status = 'accepted')::int AS accepted,
              count(*) FILTER (WHERE a.status = 'declined')::int AS declined,
              count(*) FILTER (WHERE a.status IN ('pending_manager', 'pending_rep'))::int AS pending,
              count(a.invited_at)::int AS invited
       FROM plan_assignments a
       WHERE a.publish_id = $1`,
      [publish.id],
    )) as { created: number; accepted: number; declined: number; pending: number; invited: number }[];
    return {
      targets: publish.targetCount,
      created: row?.created ?? 0,
      started: publish.startedCount,
      invited: row?.invited ?? 0,
      accepted: row?.accepted ?? 0,
      declined: row?.declined ?? 0,
      pending: row?.pending ?? 0,
    };
  }
}
