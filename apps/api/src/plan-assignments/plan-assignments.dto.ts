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
