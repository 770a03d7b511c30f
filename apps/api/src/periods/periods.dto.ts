import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsObject, IsOptional, IsString, IsUUID, Matches, MaxLength, MinLength, ValidateNested } from 'class-validator';

export class CreatePeriodDto {
  @ApiProperty({ example: '2026-01', description: 'A month, YYYY-MM: the engine period id of the close.' })
  @Matches(/^\d{4}-(0[1-9]|1[0-2])$/, { message: 'key must be a month, YYYY-MM (e.g. 2026-01)' })
  key!: string;
}

export class CloseAdjustmentDto {
  @ApiProperty({ description: "A rep of the team you review (never you)." }) @IsUUID()
  personId!: string;

  @ApiProperty({ example: '-120.50', description: 'Added to the rep’s earnings as an adjustment line: an exact decimal string, at most 2 places, may be negative, not zero.' })
  @IsString() @Matches(/^-?\d{1,12}(\.\d{1,2})?$/, { message: 'amount must be an exact decimal string with at most 2 places, e.g. "250.00" or "-120.50"' })
  amount!: string;

  @ApiProperty({ example: 'Returned order 4711' }) @IsString() @MinLength(1) @MaxLength(500)
  reason!: string;
}

export class CloseHoldDto {
  @ApiProperty({ description: "A rep of the team you review (never you): their payout moves to the next period." }) @IsUUID()
  personId!: string;

  @ApiProperty({ example: 'Contract in dispute' }) @IsString() @MinLength(1) @MaxLength(500)
  reason!: string;
}

export class CloseChangesDto {
  @ApiPropertyOptional({ type: [CloseAdjustmentDto] })
  @IsOptional() @IsObject({ each: true }) @ValidateNested({ each: true }) @Type(() => CloseAdjustmentDto) @ArrayMaxSize(100)
  adjustments?: CloseAdjustmentDto[];

  @ApiPropertyOptional({ type: [CloseHoldDto] })
  @IsOptional() @IsObject({ each: true }) @ValidateNested({ each: true }) @Type(() => CloseHoldDto) @ArrayMaxSize(100)
  holds?: CloseHoldDto[];

  @ApiPropertyOptional({ description: 'The decision comment (default: a summary of the changes).' }) @IsOptional() @IsString() @MinLength(1) @MaxLength(2000)
  comment?: string;
}

export class NegativeAcknowledgementDto {
  @ApiPropertyOptional({ example: 'Clawback of the reversed Hooli deal; recovered next period.' }) @IsOptional() @IsString() @MinLength(1) @MaxLength(2000)
  comment?: string;
}
