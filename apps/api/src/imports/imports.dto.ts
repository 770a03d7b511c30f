import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { IMPORT_KINDS } from '@quotaflow/domain';

const BOOL = ['true', 'false'] as const;

export class ImportQueryDto {
  @ApiPropertyOptional({ example: 'salesforce', description: 'Import profile key (default: quotaflow — the field names as column headers).' })
  @IsOptional() @IsString() @Matches(/^[a-z0-9][a-z0-9-]{1,62}$/, { message: 'profile must be a profile key' }) profile?: string;

  @ApiPropertyOptional({ enum: BOOL, description: 'Report and count what would change; write nothing.' })
  @IsOptional() @IsIn(BOOL) dryRun?: 'true' | 'false';

  @ApiPropertyOptional({ enum: BOOL, description: 'Import the good rows and skip the bad ones (all listed in the report). Otherwise one bad row rejects the file.' })
  @IsOptional() @IsIn(BOOL) skipBadRows?: 'true' | 'false';

  @ApiPropertyOptional({ enum: BOOL, description: 'People: deactivate active people absent from this full file (listed in the report).' })
  @IsOptional() @IsIn(BOOL) deactivateMissing?: 'true' | 'false';

  @ApiPropertyOptional({ example: 'USD', description: "Deals: a check that the file is in the organisation's currency (ORGANISATION_CURRENCY); another is refused." })
  @IsOptional() @Matches(/^[A-Z]{3}$/, { message: 'currency must be three capital letters' }) currency?: string;

  @ApiPropertyOptional({ example: 'opportunities-2026.csv', description: 'Name of the uploaded file, for the record (multipart uploads carry their own).' })
  @IsOptional() @IsString() @MaxLength(255) @Matches(/^[^\u0000-\u001f\\/]+$/, { message: 'fileName must be a plain file name' }) fileName?: string;
}

export class ImportListQueryDto {
  @ApiPropertyOptional({ enum: IMPORT_KINDS }) @IsOptional() @IsIn(IMPORT_KINDS) kind?: string;
  @ApiPropertyOptional({ enum: ['queued', 'running', 'completed', 'rejected', 'failed'] }) @IsOptional() @IsIn(['queued', 'running', 'completed', 'rejected', 'failed']) status?: string;
  @ApiPropertyOptional({ default: 50 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(500) limit?: number;
  @ApiPropertyOptional({ default: 0 }) @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(1_000_000_000) offset?: number;
}

export class ReportQueryDto {
  @ApiPropertyOptional({ enum: ['csv', 'json'], description: 'Default json; csv also with Accept: text/csv.' }) @IsOptional() @IsIn(['csv', 'json']) format?: 'csv' | 'json';
}

export class ImportCountsDto {
  @ApiProperty({ description: 'Data rows read.' }) rowsRead!: number;
  @ApiProperty({ description: 'Rows without an error.' }) rowsValid!: number;
  @ApiProperty({ description: 'Rows with at least one error.' }) rowsInvalid!: number;
  @ApiProperty({ description: 'Records created, updated or deactivated.' }) rowsWritten!: number;
  @ApiProperty() created!: number;
  @ApiProperty() updated!: number;
  @ApiProperty() unchanged!: number;
  @ApiProperty({ description: 'People deactivated (deactivateMissing).' }) deactivated!: number;
  @ApiProperty({ description: 'Bad rows skipped (skipBadRows).' }) skipped!: number;
  @ApiProperty() warnings!: number;
  @ApiProperty({ description: 'Issues in the report (errors, warnings, notes).' }) issues!: number;
}

export class ImportIssueDto {
  @ApiProperty({ description: 'CSV line (the header is line 1), JSON row number, or 0 for the file as a whole.' }) line!: number;
  @ApiProperty({ nullable: true, type: String, description: 'Column header as in the file.' }) column!: string | null;
  @ApiProperty({ nullable: true, type: String }) field!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'The value as written.' }) value!: string | null;
  @ApiProperty({ example: 'PRODUCT.UNKNOWN' }) code!: string;
  @ApiProperty({ example: 'product `Edge-Plus` is unknown; did you mean `Edge Plus`?' }) message!: string;
  @ApiPropertyOptional({ description: 'A known value of normalised spelling; never applied automatically.' }) suggestion?: string;
  @ApiProperty({ enum: ['error', 'warning', 'info'] }) severity!: string;
}

export class ImportErrorDto {
  @ApiProperty() code!: string;
  @ApiProperty() message!: string;
}

export class ImportResultDto {
  @ApiProperty({ nullable: true, type: String, format: 'uuid', description: 'Null for a dry run (nothing is stored).' }) id!: string | null;
  @ApiProperty({ enum: IMPORT_KINDS }) kind!: string;
  @ApiProperty({ enum: ['completed', 'rejected'], description: 'For a dry run: what the import would be.' }) status!: string;
  @ApiProperty() dryRun!: boolean;
  @ApiProperty() profile!: string;
  @ApiProperty({ type: ImportCountsDto }) counts!: ImportCountsDto;
  @ApiProperty({ type: [ImportIssueDto], description: 'The first issues (a dry run: up to 10,000; an import: 200 — the whole report at /imports/{id}/report).' }) issues!: ImportIssueDto[];
  @ApiProperty() issuesTruncated!: boolean;
  @ApiProperty({ nullable: true, type: String, description: 'SHA-256 of the file.' }) fileHash!: string | null;
  @ApiProperty() fileBytes!: number;
  @ApiProperty({ type: [String], description: 'Columns no field uses.' }) ignoredColumns!: string[];
  @ApiProperty({ nullable: true, type: ImportErrorDto }) fileError!: ImportErrorDto | null;
  @ApiPropertyOptional({ description: 'The full report (CSV with ?format=csv).' }) reportUrl?: string;
}

export class ImportRecordDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: IMPORT_KINDS }) kind!: string;
  @ApiProperty({ enum: ['queued', 'running', 'completed', 'rejected', 'failed'] }) status!: string;
  @ApiProperty() profile!: string;
  @ApiProperty() skipBadRows!: boolean;
  @ApiProperty() deactivateMissing!: boolean;
  @ApiProperty({ description: 'Ran as the workflow import:<id>.' }) background!: boolean;
  @ApiProperty({ nullable: true, type: String }) workflowId!: string | null;
  @ApiProperty({ nullable: true, type: String }) fileName!: string | null;
  @ApiProperty({ nullable: true, type: String }) fileHash!: string | null;
  @ApiProperty({ nullable: true, type: Number }) fileBytes!: number | null;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) requestedById!: string | null;
  @ApiProperty({ nullable: true, type: String }) requestedByName!: string | null;
  @ApiProperty({ enum: ['api', 'cli'] }) requestedVia!: string;
  @ApiProperty({ type: ImportCountsDto, description: 'While running: rows read, valid and invalid so far.' }) counts!: ImportCountsDto;
  @ApiProperty({ type: [String] }) ignoredColumns!: string[];
  @ApiProperty({ nullable: true, type: ImportErrorDto }) error!: ImportErrorDto | null;
  @ApiProperty() createdAt!: Date;
  @ApiProperty({ nullable: true, type: Date }) startedAt!: Date | null;
  @ApiProperty({ nullable: true, type: Date }) finishedAt!: Date | null;
  @ApiProperty({ nullable: true, type: Date, description: 'Last progress update of a running import.' }) progressAt!: Date | null;
  @ApiProperty() reportUrl!: string;
}

export class ImportDetailDto extends ImportRecordDto {
  @ApiProperty({ type: [ImportIssueDto], description: 'The first 200 issues in line order.' }) issues!: ImportIssueDto[];
}

export class ImportListDto {
  @ApiProperty() total!: number;
  @ApiProperty({ type: [ImportRecordDto] }) imports!: ImportRecordDto[];
}

export class ImportQueuedDto extends ImportRecordDto {
  @ApiProperty({ description: 'Poll GET /imports/{id} for progress.' }) statusUrl!: string;
}

export class ImportProfileDto {
  @ApiProperty({ example: 'acme-salesforce' }) key!: string;
  @ApiProperty({ example: 'Acme Salesforce report' }) name!: string;
  @ApiProperty({ enum: IMPORT_KINDS }) kind!: string;
  @ApiPropertyOptional() description?: string;
  @ApiPropertyOptional({ example: 'salesforce', description: 'Start from this profile.' }) extends?: string;
  @ApiPropertyOptional({ description: 'field → column header (or list of accepted headers).', example: { external_id: 'Opportunity ID' } }) columns?: Record<string, string | string[]>;
  @ApiPropertyOptional({ description: 'CRM stage → won | lost | open.', example: { 'Closed Won': 'won' } }) stages?: Record<string, string>;
  @ApiPropertyOptional({ enum: ['won', 'lost', 'open'], nullable: true, description: 'What an unlisted stage becomes (null: an error).' }) otherStages?: string | null;
  @ApiPropertyOptional({ description: 'CRM type → plan transaction type.' }) types?: Record<string, string>;
  @ApiPropertyOptional({ example: 'new' }) defaultType?: string;
  @ApiPropertyOptional({ description: 'Explicit value mappings applied before lookup: field → (value → value).', example: { product: { 'Edge-Plus': 'EDGE-PLUS' } } }) values?: Record<string, Record<string, string>>;
  @ApiPropertyOptional({ enum: ['YYYY-MM-DD', 'M/D/YYYY', 'D/M/YYYY', 'D.M.YYYY'] }) dateFormat?: string;
}

export class StoredProfileDto {
  @ApiProperty({ type: ImportProfileDto }) profile!: ImportProfileDto;
  @ApiProperty({ description: 'Shipped with Quotaflow (read-only; extend it).' }) builtin!: boolean;
  @ApiProperty({ nullable: true, type: Date }) updatedAt!: Date | null;
}

export class ProfileListDto {
  @ApiProperty({ type: [StoredProfileDto] }) profiles!: StoredProfileDto[];
}
