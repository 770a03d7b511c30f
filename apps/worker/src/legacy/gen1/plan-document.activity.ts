// FROZEN: generation 1 activities, for workflows started before the approval kernel (libs/workflows/src/legacy/gen1).
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { AppConfig } from '@quotaflow/config';
import { APP_CONFIG } from '../../worker.tokens';
import type { PlanInput } from '@quotaflow/domain';
import {
  PersonEntity,
  PlanAssignmentEntity,
  PlanDocumentEntity,
  PlanEntity,
  PlanVersionEntity,
} from '@quotaflow/persistence';
import type { RenderPlanDocumentInput, RenderPlanDocumentResult } from '@quotaflow/workflows/legacy/gen1/plan-acceptance.activities';
import { DataSource } from 'typeorm';
import { notFound } from '../../activities/activity-failures';
import { renderPlanPdf } from '../../plan-acceptance/plan-document.renderer';

/** `renderPlanDocument`: idempotent by assignment (one `plan_documents` row, rendered once). */
@Injectable()
export class PlanDocumentActivity {
  private readonly logger = new Logger(PlanDocumentActivity.name);

  constructor(
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async renderPlanDocument({ assignmentId }: RenderPlanDocumentInput): Promise<RenderPlanDocumentResult> {
    const existing = await this.stored(assignmentId);
    if (existing) return existing;

    const m = this.dataSource.manager;
    const assignment = await m.findOneBy(PlanAssignmentEntity, { id: assignmentId });
    if (!assignment) throw notFound('PLAN_ASSIGNMENT.NOT_FOUND', `No plan assignment ${assignmentId}.`);
    const version = await m.findOneBy(PlanVersionEntity, { id: assignment.planVersionId });
    if (!version) throw notFound('PLAN.NOT_FOUND', `No plan version ${assignment.planVersionId}.`);
    const plan = await m.findOneByOrFail(PlanEntity, { id: version.planId });
    const rep = await m.findOneBy(PersonEntity, { id: assignment.personId });
    if (!rep) throw notFound('PERSON.NOT_FOUND', `No person ${assignment.personId}.`);

    const rendered = await renderPlanPdf({
      assignmentId,
      companyName: this.config.organisation.name,
      currency: this.config.organisation.currency,
      effectiveTo: version.effectiveTo,
      acceptBy: { days: assignment.settings.expireAfterDays },
      repName: rep.name,
      planName: plan.name,
      planKey: plan.key,
      version: version.version,
      periodLabel: version.periodLabel,
      effectiveFrom: version.effectiveFrom,
      quota: assignment.quota,
      publishedAt: assignment.publishedAt,
      plan: version.document as unknown as PlanInput,
      planVersionHash: version.documentHash,
    });
    await m
      .createQueryBuilder()
      .insert()
      .into(PlanDocumentEntity)
      .values({ assignmentId, pdf: rendered.pdf, sha256: rendered.sha256, pages: rendered.pages })
      .orIgnore('("assignment_id")')
      .updateEntity(false)
      .execute();
    this.logger.log(`rendered plan document for ${assignmentId}: ${rendered.pages} pages, ${rendered.sha256}`);
    // A concurrent attempt may have stored its copy first: the stored one is the one signed.
    return (await this.stored(assignmentId))!;
  }

  private async stored(assignmentId: string): Promise<RenderPlanDocumentResult | undefined> {
    const row = await this.dataSource.manager.findOne(PlanDocumentEntity, {
      where: { assignmentId },
      select: { sha256: true, pages: true, id: true },
    });
    return row ? { sha256: row.sha256, pages: row.pages } : undefined;
  }
}
