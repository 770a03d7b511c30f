import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsCalendarDate, IsMoney, IsUniqueList } from '../common/validators';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min, MinLength } from 'class-validator';


export class CreateTerritoryChangeDto {
  @ApiProperty({ format: 'uuid', description: 'The territory losing the accounts.' })
  @IsUUID() fromTerritoryId!: string;

  @ApiProperty({ format: 'uuid', description: 'The territory gaining them.' })
  @IsUUID() toTerritoryId!: string;

  @ApiProperty({ type: [String], description: 'Accounts of the losing territory that move (1–10,000).' })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(10000) @IsUniqueList() @IsUUID('all', { each: true }) accountIds!: string[];

  @ApiProperty({ example: '2027-01-01', description: 'From this day (00:00 UTC) the accounts and their credits belong to the new owner; today or later.' })
  @IsString() @IsCalendarDate() effectiveDate!: string;

  @ApiProperty({ description: 'Why the accounts move (shown to every approver).' })
  @IsString() @MinLength(3) @MaxLength(2000) reason!: string;

  @ApiPropertyOptional({ description: 'Record the suggested quota adjustment for the affected reps once applied.' })
  @IsOptional() @IsBoolean() openQuotaAdjustment?: boolean;

  @ApiPropertyOptional({ example: '25000.00', description: "Finance signs off above this revenue moved; only a threshold below the organisation's (APPROVAL_FINANCE_THRESHOLD) is taken: a request may make routing stricter, never looser." })
  @IsOptional() @IsMoney() financeThreshold?: string;
}

export class CancelTerritoryChangeDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(2000) comment?: string;
}

export class OwnerQueryDto {
  @ApiPropertyOptional({ example: '2026-12-01', description: 'Default: today (UTC).' })
  @IsOptional() @IsString() @IsCalendarDate() date?: string;
}

export class AccountsPageQuery {
  @ApiPropertyOptional({ default: 500, minimum: 1, maximum: 5000 })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(5000) limit?: number;

  @ApiPropertyOptional({ format: 'uuid', description: 'The `next` of the previous page.' })
  @IsOptional() @IsUUID() after?: string;
}
