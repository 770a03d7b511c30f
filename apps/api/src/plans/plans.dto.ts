import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize, ArrayMinSize, ArrayUnique, IsBoolean, IsInt, IsISO8601, IsObject, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min, MinLength, ValidateNested,
} from 'class-validator';

export class CreatePlanVersionDto {
  @ApiProperty({ description: 'A Plan of the plan language (components, draw, clawbackReducesAttainment).', type: 'object', additionalProperties: true })
  @IsObject()
  document!: Record<string, unknown>;

  @ApiProperty({ example: 'FY2026' })
  @IsString() @MinLength(1) @MaxLength(40)
  periodLabel!: string;

  @ApiProperty({ example: '2026-01-01' })
  @IsISO8601({ strict: true })
  effectiveFrom!: string;
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
  @IsOptional() @IsUUID('all', { each: true }) @ArrayMinSize(1) @ArrayMaxSize(1000) @ArrayUnique()
  personIds?: string[];

  @ApiPropertyOptional({ description: 'Publish to every active rep of this team (or personIds).' })
  @IsOptional() @IsUUID()
  teamId?: string;

  @ApiPropertyOptional({ description: 'Quota per rep id for the period, as a decimal string.', example: { '00000000-0000-0000-0000-000000000000': '480000.00' } })
  @IsOptional() @IsObject()
  quotas?: Record<string, string | number>;
}

export class PlanVersionRef {
  @ApiProperty() @IsUUID() id!: string;
}

export class PublishResultItem {
  @ApiProperty() assignmentId!: string;
  @ApiProperty() personId!: string;
  @ApiProperty() status!: string;
  @ApiProperty() workflowId!: string;
  @ApiProperty({ description: 'false when this version had already been published to this rep: nothing new was started.' }) created!: boolean;
}

export class PublishResult {
  @ApiProperty({ type: [PublishResultItem] })
  @ValidateNested({ each: true }) @Type(() => PublishResultItem)
  assignments!: PublishResultItem[];
}
