import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';

export class AcceptDto {
  @ApiPropertyOptional({ description: 'Optional note recorded with the acceptance.' })
  @IsOptional() @IsString() @MaxLength(2000)
  comment?: string;
}

export class DeclineDto {
  @ApiProperty({ description: 'Why the rep declines (required).' })
  @IsString() @MinLength(3) @MaxLength(2000)
  reason!: string;
}

export class PreApprovalDto {
  @ApiProperty({ enum: ['approve', 'reject'] })
  @IsIn(['approve', 'reject'])
  decision!: 'approve' | 'reject';

  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(2000)
  comment?: string;
}

export class PersonBrief {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() email!: string;
}

export class PlanBrief {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() key!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ format: 'uuid' }) versionId!: string;
  @ApiProperty() version!: number;
  @ApiProperty() periodLabel!: string;
  @ApiProperty({ format: 'date' }) effectiveFrom!: string;
  @ApiProperty({ format: 'date' }) effectiveTo!: string;
}

export class PlanDocumentBrief {
  @ApiProperty({ description: 'SHA-256 of the PDF file the rep was sent (recorded with the decision).' }) sha256!: string;
  @ApiProperty() pages!: number;
  @ApiProperty() href!: string;
}

export class AcceptanceView {
  @ApiProperty({ enum: ['accepted', 'declined'] }) decision!: string;
  @ApiProperty({ nullable: true, type: String }) reason!: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) decidedAt!: string;
  @ApiProperty({ nullable: true, type: String }) ip!: string | null;
  @ApiProperty({ nullable: true, type: String }) userAgent!: string | null;
  @ApiProperty({ description: 'SHA-256 of the PDF the rep decided on.' }) documentHash!: string;
  @ApiProperty({ nullable: true, type: String, description: 'The plan rules fingerprint printed on that PDF (SHA-256 of the plan version).' }) rulesFingerprint!: string | null;
}

export class AuditEntryView {
  @ApiProperty({ type: String, format: 'date-time' }) at!: string;
  @ApiProperty() action!: string;
  @ApiProperty({ nullable: true, type: String }) actorId!: string | null;
  @ApiProperty({ nullable: true, type: String }) actorRole!: string | null;
  @ApiProperty({ nullable: true, type: String }) comment!: string | null;
  @ApiProperty({ nullable: true, type: String }) runId!: string | null;
}

export class PlanAcceptanceLive {
  @ApiProperty() state!: string;
  @ApiPropertyOptional({ type: String, format: 'date-time' }) nextDeadline?: string;
  @ApiProperty() remindersSent!: number;
  @ApiProperty() escalated!: boolean;
  @ApiPropertyOptional() documentHash?: string;
}

export class AssignmentLinks {
  @ApiProperty() self!: string;
  @ApiProperty() document!: string;
  @ApiProperty() accept!: string;
  @ApiProperty() decline!: string;
  @ApiProperty() trace!: string;
}

export class PlanAssignmentView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: ['pending_manager', 'pending_rep', 'accepted', 'declined', 'expired', 'superseded', 'failed'] }) status!: string;
  @ApiProperty({ type: PersonBrief }) person!: PersonBrief;
  @ApiProperty({ type: PlanBrief }) plan!: PlanBrief;
  @ApiProperty({ nullable: true, type: String, example: '480000.00' }) quota!: string | null;
  @ApiProperty({ type: Object, description: 'managerPreApproval, reminderEveryDays, escalateAfterDays, expireAfterDays' }) settings!: Record<string, unknown>;
  @ApiProperty({ type: String, format: 'date-time' }) publishedAt!: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) decidedAt!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) effectiveAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) supersededById!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) nextDeadline!: string | null;
  @ApiProperty() workflowId!: string;
  @ApiProperty({ nullable: true, type: PlanDocumentBrief }) document!: PlanDocumentBrief | null;
  @ApiProperty({ nullable: true, type: AcceptanceView }) decision!: AcceptanceView | null;
  @ApiProperty({ nullable: true, type: PlanAcceptanceLive }) workflow!: PlanAcceptanceLive | null;
  @ApiPropertyOptional({ nullable: true, type: Object, description: 'Why it failed, when it did.' }) failure?: { code: string; reason: string } | null;
  @ApiProperty({ type: [AuditEntryView] }) history!: AuditEntryView[];
  @ApiProperty({ type: AssignmentLinks }) links!: AssignmentLinks;
}

export class PlanDecisionLinks {
  @ApiProperty() self!: string;
}

export class PlanDecisionResult {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ description: 'The assignment’s state once this decision takes effect.' }) status!: string;
  @ApiProperty({ enum: ['accept', 'decline', 'approve', 'reject'] }) decision!: string;
  @ApiProperty() workflowId!: string;
  @ApiProperty({ nullable: true, type: String, description: 'SHA-256 of the PDF decided on.' }) documentHash!: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) decidedAt!: string;
  @ApiProperty({ type: PlanDecisionLinks }) links!: PlanDecisionLinks;
}
