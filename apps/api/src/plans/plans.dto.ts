import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize, ArrayMinSize, IsBoolean, IsInt, IsObject, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min, MinLength,
} from 'class-validator';
import { IsCalendarDate, IsUniqueList } from '../common/validators';

export class CreatePlanVersionDto {
  @ApiProperty({ description: 'A Plan of the plan language (components, draw, clawbackReducesAttainment).', type: 'object', additionalProperties: true })
  @IsObject()
  document!: Record<string, unknown>;

  @ApiProperty({ example: 'FY2026' })
  @IsString() @MinLength(1) @MaxLength(40)
  periodLabel!: string;

  @ApiProperty({ example: '2026-01-01' })
  @IsCalendarDate()
  effectiveFrom!: string;

  @ApiPropertyOptional({ example: '2026-12-31', description: 'Last day of the period (default: a year from effectiveFrom).' })
  @IsOptional() @IsCalendarDate()
  effectiveTo?: string;
}

export class CreatePlanDto extends CreatePlanVersionDto {
  @ApiProperty({ example: 'ae-2026', description: 'Stable key: lower case letters, digits and dashes.' })
  @Matches(/^[a-z0-9][a-z0-9-]{1,62}$/, { message: 'key must be 2-63 lower-case letters, digits or dashes' })
  key!: string;

  @ApiProperty({ example: 'Account Executive 2026' })
  @IsString() @MinLength(1) @MaxLength(200)
  name!: string;
}

export class PublishSettingsDto {
  @ApiPropertyOptional({ default: false, description: "The rep's manager approves before the rep is asked." })
  @IsOptional() @IsBoolean()
  managerPreApproval?: boolean;

  @ApiPropertyOptional({ default: 3 }) @IsOptional() @IsInt() @Min(1) @Max(30)
  reminderEveryDays?: number;

  @ApiPropertyOptional({ default: 7 }) @IsOptional() @IsInt() @Min(1) @Max(90)
  escalateAfterDays?: number;

  @ApiPropertyOptional({ default: 14 }) @IsOptional() @IsInt() @Min(1) @Max(180)
  expireAfterDays?: number;
}

export class PublishPlanVersionDto extends PublishSettingsDto {
  @ApiPropertyOptional({ type: [String], description: 'Reps to publish to (or teamId).' })
  @IsOptional() @IsUUID('all', { each: true }) @ArrayMinSize(1) @ArrayMaxSize(20000) @IsUniqueList()
  personIds?: string[];

  @ApiPropertyOptional({ description: 'Publish to every active rep of this team (or personIds).' })
  @IsOptional() @IsUUID()
  teamId?: string;

  @ApiPropertyOptional({ description: 'Quota per rep id for the period, as a decimal string (never a JSON number).', example: { '00000000-0000-0000-0000-000000000000': '480000.00' } })
  @IsOptional() @IsObject()
  quotas?: Record<string, string>;
}

export class PlanVersionRef {
  @ApiProperty() @IsUUID() id!: string;
}

export class PublishResultItem {
  @ApiProperty({ format: 'uuid' }) assignmentId!: string;
  @ApiProperty({ format: 'uuid' }) personId!: string;
  @ApiProperty() status!: string;
  @ApiProperty() workflowId!: string;
  @ApiProperty({ description: 'false when this version had already been published to this rep: nothing new was started.' }) created!: boolean;
}

export class PublishLinks {
  @ApiProperty() self!: string;
}

export class PublishResult {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: ['waiting', 'running', 'done', 'failed'], description: '`waiting`: the workflow service was unreachable; the publish starts as soon as it is back.' }) status!: string;
  @ApiProperty({ description: 'publish:<id>' }) workflowId!: string;
  @ApiProperty() targets!: number;
  @ApiProperty({ description: 'Assignments this publish created.' }) created!: number;
  @ApiPropertyOptional({ type: [PublishResultItem], description: 'Listed when the publish has at most 200 targets.' }) assignments?: PublishResultItem[];
  @ApiProperty({ type: PublishLinks }) links!: PublishLinks;
}

export class PublishProgressView {
  @ApiProperty() targets!: number;
  @ApiProperty() created!: number;
  @ApiProperty({ description: 'Acceptance workflows started.' }) started!: number;
  @ApiProperty({ description: 'Invites sent (each with its plan PDF).' }) invited!: number;
  @ApiProperty() accepted!: number;
  @ApiProperty() declined!: number;
  @ApiProperty() pending!: number;
}

export class PublishView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) planVersionId!: string;
  @ApiProperty({ format: 'uuid' }) requestedById!: string;
  @ApiProperty({ enum: ['waiting', 'running', 'done', 'failed'] }) status!: string;
  @ApiProperty() workflowId!: string;
  @ApiProperty({ type: PublishProgressView }) progress!: PublishProgressView;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt!: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) finishedAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) lastError!: string | null;
}
