import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize, ArrayMinSize, IsObject, IsOptional, IsString, IsUUID, Matches, MaxLength, MinLength, ValidateNested,
} from 'class-validator';
import { IsCalendarDate, IsMoney } from '../common/validators';


export class QuotaLineDto {
  @ApiProperty() @IsUUID()
  personId!: string;

  @ApiProperty({ example: '300000.00' }) @IsMoney()
  amount!: string;
}

export class QuotaContentDto {
  @ApiProperty({ example: '1000000.00' }) @IsMoney()
  companyTarget!: string;

  @ApiProperty({ description: 'Team id → target (decimal string).', example: { '00000000-0000-0000-0000-000000000000': '600000.00' } })
  @IsObject()
  teamTargets!: Record<string, string>;

  @ApiProperty({ type: [QuotaLineDto] })
  // IsObject: a list inside the list would pass ValidateNested and reach the service as a line without fields.
  @IsObject({ each: true }) @ValidateNested({ each: true }) @Type(() => QuotaLineDto) @ArrayMinSize(1) @ArrayMaxSize(20000)
  quotas!: QuotaLineDto[];
}

export class CreateQuotaSetDto extends QuotaContentDto {
  @ApiProperty({ example: '2026-Q1', description: 'The engine period id: "2026", "2026-Q1", "2026-H1" or "2026-01".' })
  @Matches(/^\d{4}(-(Q[1-4]|H[12]|(0[1-9]|1[0-2])))?$/, { message: 'periodId must look like 2026, 2026-Q1, 2026-H1 or 2026-01' })
  periodId!: string;

  @ApiProperty({ example: '2026-01-01' }) @IsCalendarDate()
  periodStart!: string;

  @ApiProperty({ example: '2026-03-31' }) @IsCalendarDate()
  periodEnd!: string;

  @ApiPropertyOptional({ example: '20', default: '20', description: 'Flag for finance a rep whose quota moves more than this percent from last period.' })
  @IsOptional() @IsString() @Matches(/^\d{1,3}(\.\d{1,2})?$/, { message: 'changePercentFlag must be a percent as a decimal string, e.g. "20"' })
  changePercentFlag?: string;
}

export class RevisionDto extends QuotaContentDto {
  @ApiProperty({ description: 'Why this version: answered rejection, or the mid-period change.' })
  @IsString() @MinLength(1) @MaxLength(2000)
  comment!: string;
}

export class AdjustmentDto {
  @ApiProperty() @IsUUID()
  teamId!: string;

  @ApiProperty({ type: [QuotaLineDto], description: "New amounts for some of the team's reps; the team total must stay the same." })
  @IsObject({ each: true }) @ValidateNested({ each: true }) @Type(() => QuotaLineDto) @ArrayMinSize(1) @ArrayMaxSize(20000)
  changes!: QuotaLineDto[];

  @ApiProperty() @IsString() @MinLength(1) @MaxLength(2000)
  comment!: string;
}
