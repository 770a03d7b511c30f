import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class QuotaLineView {
  @ApiProperty({ format: 'uuid' }) personId!: string;
  @ApiProperty({ format: 'uuid' }) teamId!: string;
  @ApiProperty({ example: '300000.00' }) amount!: string;
  @ApiProperty({ nullable: true, type: String, description: 'The rep’s locked quota of the last period.' }) previousAmount!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) acknowledgedAt!: string | null;
}

export class QuotaVersionView {
  @ApiProperty() version!: number;
  @ApiProperty({ enum: ['submission', 'manager-adjustment', 'revision', 'mid-period-change'] }) reason!: string;
  @ApiProperty({ nullable: true, type: String }) comment!: string | null;
  @ApiProperty({ format: 'uuid' }) createdById!: string;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt!: string;
  @ApiProperty() locked!: boolean;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) lockedAt!: string | null;
  @ApiProperty({ nullable: true, type: Number }) supersededByVersion!: number | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) supersededAt!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'Read-all roles only.' }) companyTarget!: string | null;
  @ApiProperty({ type: Object, description: 'Team id → target, of the teams the caller may see.' }) teamTargets!: Record<string, string>;
  @ApiProperty({ description: 'Lines the caller may see in this version.' }) lineCount!: number;
  @ApiProperty({ nullable: true, type: [QuotaLineView], description: 'Up to 1,000 lines inline (null above).' }) lines!: QuotaLineView[] | null;
}

export class QuotaStageBrief {
  @ApiProperty() id!: string;
  @ApiProperty() label!: string;
  @ApiProperty({ type: [String] }) approverIds!: string[];
}

export class QuotaWorkflowView {
  @ApiProperty() state!: string;
  @ApiProperty() version!: number;
  @ApiProperty() round!: number;
  @ApiProperty({ type: [QuotaStageBrief] }) openStages!: QuotaStageBrief[];
  @ApiProperty({ type: [String] }) openStageIds!: string[];
  @ApiPropertyOptional({ type: Object, description: 'A step of many stages running in child workflows.' }) delegated?: { step: number; stageCount: number; label: string };
  @ApiProperty({ nullable: true, type: Object }) returned!: { byId: string; stageId: string; comment?: string; at: string } | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) nextDeadline!: string | null;
}

export class QuotaSetLinks {
  @ApiProperty() self!: string;
  @ApiProperty() trace!: string;
  @ApiProperty() engineQuotas!: string;
}

export class QuotaSetView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: '2026-Q1' }) periodId!: string;
  @ApiProperty({ format: 'date' }) periodStart!: string;
  @ApiProperty({ format: 'date' }) periodEnd!: string;
  @ApiProperty({ nullable: true, type: String, description: 'Read-all roles only.' }) companyTarget!: string | null;
  @ApiProperty() changePercentFlag!: string;
  @ApiProperty({ enum: ['draft', 'in_review', 'returned', 'locked', 'superseded', 'failed'] }) status!: string;
  @ApiProperty() currentVersion!: number;
  @ApiProperty({ nullable: true, type: Number }) effectiveVersion!: number | null;
  @ApiProperty({ nullable: true, type: String }) workflowId!: string | null;
  @ApiProperty({ format: 'uuid' }) createdById!: string;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt!: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) lockedAt!: string | null;
  @ApiProperty({ description: 'Something needs attention: a shortfall or change flag (read-all roles), or reps who did not acknowledge.' }) flagged!: boolean;
  @ApiProperty({ description: 'Some rep did not acknowledge by the deadline; the set locked anyway.' }) acknowledgementsMissed!: boolean;
  @ApiProperty({ nullable: true, type: Object, description: 'Finance’s review (read-all roles): totals, shortfall, change flags.' }) flags!: unknown;
  @ApiProperty({ type: [QuotaVersionView] }) versions!: QuotaVersionView[];
  @ApiProperty({ nullable: true, type: QuotaWorkflowView }) workflow!: QuotaWorkflowView | null;
  @ApiPropertyOptional({ type: Object }) failure?: { code: string; reason: string };
  @ApiProperty({ type: QuotaSetLinks }) links!: QuotaSetLinks;
}
