import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ApprovalStage } from '@quotaflow/domain';

/**
 * The routed stages of a step too large for one workflow history (a quota acknowledgement per
 * rep): written once by the routing activity, read in slices by the step child workflows.
 */
@Entity('approval_route_stages')
export class ApprovalRouteStageEntity {
  /** `<workflowId>:r<round>`. */
  @PrimaryColumn('text') routeKey!: string;
  @PrimaryColumn('int') step!: number;
  @PrimaryColumn('int') position!: number;
  @Column('text') stageId!: string;
  @Column('jsonb') stage!: ApprovalStage;
}
