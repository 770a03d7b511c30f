import { DataSource, type EntityManager } from 'typeorm';
import { AcceptanceEntity } from '../entities/acceptance.entity';
import { PersonEntity } from '../entities/person.entity';
import { PlanAssignmentEntity, type PlanAssignmentStatus } from '../entities/plan-assignment.entity';
import { PlanDocumentEntity } from '../entities/plan-document.entity';
import { PlanVersionEntity } from '../entities/plan-version.entity';
import { PlanEntity } from '../entities/plan.entity';

export const FINAL_ASSIGNMENT_STATES: readonly PlanAssignmentStatus[] = ['accepted', 'declined', 'expired', 'superseded', 'failed'];
export const PENDING_ASSIGNMENT_STATES: readonly PlanAssignmentStatus[] = ['pending_manager', 'pending_rep'];

/** The key of an (assignment, actor) pair in `decisionFactsOf`'s answer. */
export const decisionKey = (assignmentId: string, actorId: string): string => `${assignmentId.toLowerCase()} ${actorId.toLowerCase()}`;

export interface AssignmentDecisionFacts {
  status: PlanAssignmentStatus;
  workflowId: string;
  publishedById: string;
  repId: string;
  repManagerId: string | null;
  /** The stage of the deciding person's open task in this assignment's workflow, if they have one. */
  openStageId: string | null;
}

export interface AssignmentContext {
  assignment: PlanAssignmentEntity;
  version: PlanVersionEntity;
  plan: PlanEntity;
  rep: PersonEntity;
}

export interface AcceptanceRecord {
  assignmentId: string;
  personId: string;
  decision: 'accepted' | 'declined';
  reason?: string | null;
  decidedAt: Date;
  ip?: string | null;
  userAgent?: string | null;
  /** SHA-256 of the PDF the rep was sent. */
  documentHash: string;
  /** SHA-256 of the plan version's canonical JSON, printed on the PDF. */
  rulesFingerprint: string;
}

/** Plan assignments, their documents and acceptances: the one place that writes them. */
export class PlanAssignmentRepository {
  constructor(private readonly dataSource: DataSource) {}

  private m(manager?: EntityManager): EntityManager {
    return manager ?? this.dataSource.manager;
  }

  ofPerson(personId: string, manager?: EntityManager): Promise<PlanAssignmentEntity[]> {
    return this.m(manager).find(PlanAssignmentEntity, { where: { personId }, order: { publishedAt: 'DESC' } });
  }

  find(id: string, manager?: EntityManager): Promise<PlanAssignmentEntity | null> {
    return this.m(manager).findOneBy(PlanAssignmentEntity, { id });
  }

  /**
   * What a decision on the assignment by the actor is checked against (its state, workflow and
   * publisher; the rep and their manager; the actor's open task there), for many (assignment,
   * actor) pairs in one query, by `decisionKey`; unknown assignments are absent. Not the plan
   * version and its document, which `context` loads.
   */
  async decisionFactsOf(pairs: readonly { id: string; actorId: string }[], manager?: EntityManager): Promise<Map<string, AssignmentDecisionFacts>> {
    if (pairs.length === 0) return new Map();
    const rows = (await this.m(manager).query(
      `SELECT k.id AS "assignmentId", k.actor_id AS "actorId",
              a.status, a.workflow_id AS "workflowId", a.published_by_id AS "publishedById", p.id AS "repId", p.manager_id AS "repManagerId",
              t.stage_id AS "openStageId"
         FROM unnest($1::uuid[], $2::uuid[]) AS k(id, actor_id)
         JOIN plan_assignments a ON a.id = k.id
         JOIN people p ON p.id = a.person_id
         LEFT JOIN LATERAL (
           SELECT stage_id FROM approval_tasks
           WHERE workflow_id = a.workflow_id AND approver_id = k.actor_id AND status = 'open'
           ORDER BY created_at DESC LIMIT 1) t ON true`,
      [pairs.map((p) => p.id), pairs.map((p) => p.actorId)],
    )) as Array<AssignmentDecisionFacts & { assignmentId: string; actorId: string }>;
    return new Map(rows.map(({ assignmentId, actorId, ...facts }) => [decisionKey(assignmentId, actorId), facts]));
  }

  /** The assignment with its plan version, plan and rep (one query), or null when the assignment is unknown. */
  async context(id: string, manager?: EntityManager): Promise<AssignmentContext | null> {
    // Each plan acceptance reads this two or three times; a publish to 10,000 reps, tens of thousands of times.
    const row = (await this.m(manager)
      .createQueryBuilder(PlanAssignmentEntity, 'a')
      .innerJoinAndMapOne('a.__version', PlanVersionEntity, 'v', 'v.id = a.planVersionId')
      .innerJoinAndMapOne('a.__plan', PlanEntity, 'p', 'p.id = v.planId')
      .innerJoinAndMapOne('a.__rep', PersonEntity, 'r', 'r.id = a.personId')
      .where('a.id = :id', { id })
      .getOne()) as (PlanAssignmentEntity & { __version?: PlanVersionEntity; __plan?: PlanEntity; __rep?: PersonEntity }) | null;
    if (!row) return null;
    const { __version: version, __plan: plan, __rep: rep, ...fields } = row;
    const assignment = Object.assign(new PlanAssignmentEntity(), fields);
    return { assignment, version: version!, plan: plan!, rep: rep! };
  }

  /**
   * Moves the assignment (the workflow is its only writer). A final state is never overwritten by
   * another: a retried older write is a no-op, reported as false.
   */
  async setState(
    m: EntityManager,
    id: string,
    changes: { status: PlanAssignmentStatus; nextDeadline?: Date | null; decidedAt?: Date; effectiveAt?: Date; supersededById?: string },
  ): Promise<boolean> {
    const update: Partial<PlanAssignmentEntity> = { status: changes.status };
    if (changes.nextDeadline !== undefined) update.nextDeadline = changes.nextDeadline;
    if (changes.decidedAt) update.decidedAt = changes.decidedAt;
    if (changes.supersededById) update.supersededById = changes.supersededById;
    if (!changes.effectiveAt) {
      // One statement: the row's lock is the UPDATE's own, and the final-state rule its condition.
      const result = await m
        .createQueryBuilder()
        .update(PlanAssignmentEntity)
        .set(update)
        .where('id = :id AND (status <> ALL(:final::text[]) OR status = :status)', { id, final: [...FINAL_ASSIGNMENT_STATES], status: changes.status })
        .execute();
      return (result.affected ?? 0) > 0;
    }
    const assignment = await m.findOne(PlanAssignmentEntity, { where: { id }, lock: { mode: 'pessimistic_write' } });
    if (!assignment) return false;
    if (FINAL_ASSIGNMENT_STATES.includes(assignment.status) && assignment.status !== changes.status) return false;
    const version = await m.findOneByOrFail(PlanVersionEntity, { id: assignment.planVersionId });
    // Effective from the later of the acceptance and the version's own start date.
    const from = new Date(`${version.effectiveFrom}T00:00:00.000Z`);
    update.effectiveAt = changes.effectiveAt > from ? changes.effectiveAt : from;
    await m.update(PlanAssignmentEntity, { id }, update);
    return true;
  }

  /** The rep's e-signature (append-only; one per assignment). */
  async recordAcceptance(m: EntityManager, record: AcceptanceRecord): Promise<void> {
    await m
      .createQueryBuilder()
      .insert()
      .into(AcceptanceEntity)
      .values({
        assignmentId: record.assignmentId,
        personId: record.personId,
        decision: record.decision,
        reason: record.reason ?? null,
        decidedAt: record.decidedAt,
        ip: record.ip ?? null,
        userAgent: record.userAgent ?? null,
        documentHash: record.documentHash,
        rulesFingerprint: record.rulesFingerprint,
      })
      .orIgnore('("assignment_id")')
      .updateEntity(false)
      .execute();
  }

  acceptance(assignmentId: string, manager?: EntityManager): Promise<AcceptanceEntity | null> {
    return this.m(manager).findOneBy(AcceptanceEntity, { assignmentId });
  }

  documentInfo(assignmentId: string, manager?: EntityManager): Promise<Pick<PlanDocumentEntity, 'id' | 'sha256' | 'pages' | 'createdAt'> | null> {
    return this.m(manager).findOne(PlanDocumentEntity, { where: { assignmentId }, select: { id: true, sha256: true, pages: true, createdAt: true } });
  }

  document(assignmentId: string, manager?: EntityManager): Promise<PlanDocumentEntity | null> {
    return this.m(manager).findOneBy(PlanDocumentEntity, { assignmentId });
  }

  /** Stores the rendered PDF once; the stored one is the one signed (a concurrent attempt loses). */
  async storeDocument(assignmentId: string, pdf: Buffer, sha256: string, pages: number, manager?: EntityManager): Promise<Pick<PlanDocumentEntity, 'sha256' | 'pages'> & { stored: boolean }> {
    const m = this.m(manager);
    const inserted = await m
      .createQueryBuilder()
      .insert()
      .into(PlanDocumentEntity)
      .values({ assignmentId, pdf, sha256, pages })
      .orIgnore('("assignment_id")')
      .returning(['id', 'sha256', 'pages'])
      .updateEntity(false)
      .execute();
    const row = (inserted.raw as { id: string; sha256: string; pages: number }[])[0];
    if (row) return { sha256: row.sha256, pages: row.pages, stored: true };
    // Another attempt stored it first: that one is the document.
    const first = await m.findOneOrFail(PlanDocumentEntity, { where: { assignmentId }, select: { sha256: true, pages: true, id: true } });
    return { sha256: first.sha256, pages: first.pages, stored: false };
  }
}
