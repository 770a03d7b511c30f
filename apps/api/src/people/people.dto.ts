import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMinSize, IsEmail, IsIn, IsOptional, IsString, IsUUID, MaxLength, MinLength } from 'class-validator';
import { IsUniqueList } from '../common/validators';
import type { PersonEntity, TeamEntity } from '@quotaflow/persistence';
import { ALL_ROLES, type Principal } from '../auth/principal';

export class CreatePersonDto {
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(200) name!: string;
  @ApiProperty() @IsEmail() @MaxLength(320) email!: string;
  @ApiProperty({ enum: ALL_ROLES, isArray: true }) @IsIn(ALL_ROLES as string[], { each: true }) @ArrayMinSize(1) @IsUniqueList() roles!: Principal['roles'];
  @ApiPropertyOptional() @IsOptional() @IsUUID() teamId?: string;
  @ApiPropertyOptional() @IsOptional() @IsUUID() managerId?: string;
}

export class CreateTeamDto {
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(200) name!: string;
  @ApiPropertyOptional() @IsOptional() @IsUUID() managerId?: string;
}

export class PersonView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() email!: string;
  @ApiProperty({ enum: ALL_ROLES, isArray: true }) roles!: string[];
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) teamId!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) managerId!: string | null;
  @ApiProperty() active!: boolean;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: Object }) links!: { self: string };
}

export class TeamView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) managerId!: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt!: string;
}

export class MeView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() email!: string;
  @ApiProperty({ enum: ALL_ROLES, isArray: true }) roles!: string[];
  @ApiProperty({ nullable: true, type: String }) teamId!: string | null;
  @ApiProperty({ nullable: true, type: String }) managerId!: string | null;
}

export function toPersonView(p: PersonEntity): PersonView {
  return {
    id: p.id, name: p.name, email: p.email, roles: [...p.roles], teamId: p.teamId, managerId: p.managerId, active: p.active,
    createdAt: p.createdAt.toISOString(), links: { self: `/api/v1/people/${p.id}` },
  };
}

export function toTeamView(t: TeamEntity): TeamView {
  return { id: t.id, name: t.name, managerId: t.managerId, createdAt: t.createdAt.toISOString() };
}
