import { ApiProperty } from '@nestjs/swagger';
import { Matches } from 'class-validator';

export class CreatePeriodDto {
  @ApiProperty({ example: '2026-01', description: 'A month, YYYY-MM: the engine period id of the close.' })
  @Matches(/^\d{4}-(0[1-9]|1[0-2])$/, { message: 'key must be a month, YYYY-MM (e.g. 2026-01)' })
  key!: string;
}
