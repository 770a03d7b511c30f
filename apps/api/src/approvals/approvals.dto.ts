import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { APPROVAL_DECISIONS, type ApprovalDecision } from '@quotaflow/domain';
import type { ApprovalTaskEntity } from '@quotaflow/persistence';

export class DecisionDto {
  @ApiProperty({ enum: APPROVAL_DECISIONS, description: 'What the stage allows: approve/reject, accept/decline (a rep’s own plan), acknowledge (a rep’s quota), request-adjustment (a reviewer).' })
  @IsIn(APPROVAL_DECISIONS)
  decision!: ApprovalDecision;

  @ApiPropertyOptional({ description: 'Why; required when rejecting, declining or asking for an adjustment.', maxLength: 2000 })
  @IsOptional() @IsString() @MaxLength(2000)
  comment?: string;
}

export class InboxQuery {
  @ApiPropertyOptional({ default: 50, minimum: 1, maximum: 200 })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200)
  limit?: number;

  @ApiPropertyOptional({ description: 'The `next` cursor of the previous page.' })
  @IsOptional() @IsString() @MaxLength(400) @Matches(/^[A-Za-z0-9_-]+$/, { message: 'cursor must be a cursor returned by this API' })
  cursor?: string;
}

export class TaskStageView {
  @ApiProperty() id!: string;
  @ApiProperty() label!: string;
  @ApiProperty({ description: 'A resubmission (a quota set revised after a return) is a new round.' }) round!: number;
  @ApiProperty({ description: 'How many times the stage has been opened (a rejection reopens the stage before).' }) visit!: number;
}

export class TaskLinks {
  @ApiProperty() self!: string;
  @ApiProperty() decisions!: string;
  @ApiProperty({ nullable: true, type: String }) subject!: string | null;
}

export class ApprovalTaskView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'quota-set:…' }) subject!: string;
  @ApiProperty({ enum: ['plan-assignment', 'quota-set', 'territory-change', 'close'] }) subjectType!: string;
  @ApiProperty({ description: 'What the request is, in one sentence.' }) summary!: string;
  @ApiProperty({ type: TaskStageView }) stage!: TaskStageView;
  @ApiProperty({ format: 'uuid' }) approverId!: string;
  @ApiProperty({ enum: ['open', 'done', 'cancelled'] }) status!: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) deadline!: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt!: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) closedAt!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'This approver’s own decision (empty when someone else decided the stage).' }) decision!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'uuid', description: 'Who decided the stage.' }) decidedById!: string | null;
  @ApiProperty() workflowId!: string;
  @ApiProperty({ type: TaskLinks }) links!: TaskLinks;
}

export class InboxLinks {
  @ApiProperty() self!: string;
  @ApiPropertyOptional() next?: string;
}

export class InboxPage {
  @ApiProperty({ description: 'Tasks on this page.' }) count!: number;
  @ApiProperty({ type: [ApprovalTaskView] }) tasks!: ApprovalTaskView[];
  @ApiPropertyOptional({ description: 'Cursor of the next page, when there is one.' }) next?: string;
  @ApiProperty({ type: InboxLinks }) links!: InboxLinks;
}

export class ApprovalTaskDetail extends ApprovalTaskView {
  @ApiProperty({ type: [ApprovalTaskView], description: 'The other stages of the same request (read-all roles only; otherwise just this task).' })
  stages!: ApprovalTaskView[];
}

export class DecisionResult {
  @ApiProperty({ type: ApprovalTaskView }) task!: ApprovalTaskView;
  @ApiProperty({ enum: APPROVAL_DECISIONS }) decision!: string;
  @ApiProperty({ description: 'The approval’s status right after the decision: `pending` while later stages wait.' }) approvalStatus!: string;
  @ApiProperty({ type: String, format: 'date-time' }) decidedAt!: string;
}

/** Where a person looks at the thing a task is about. */
export function subjectHref(subject: string): string | null {
  const at = subject.indexOf(':');
  const [type, id] = [subject.slice(0, at), subject.slice(at + 1)];
  switch (type) {
    case 'plan-assignment':
      return `/api/v1/plan-assignments/${id}`;
    case 'quota-set':
      return `/api/v1/quota-sets/${id}`;
    case 'territory-change':
      return `/api/v1/territory-changes/${id}`;
    case 'close':
      return `/api/v1/periods/${id}/close`;
    default:
      return null;
  }
}

export function toTaskView(t: ApprovalTaskEntity): ApprovalTaskView {
  return {
    id: t.id,
    subject: t.subject,
    subjectType: t.subjectType,
    summary: t.summary,
    stage: { id: t.stageId, label: t.stageLabel, round: t.round, visit: t.visit },
    approverId: t.approverId,
    status: t.status,
    deadline: t.deadline ? t.deadline.toISOString() : null,
    createdAt: t.createdAt.toISOString(),
    closedAt: t.closedAt ? t.closedAt.toISOString() : null,
    decision: t.decision,
    decidedById: t.decidedById,
    workflowId: t.workflowId,
    links: { self: `/api/v1/approvals/${t.id}`, decisions: `/api/v1/approvals/${t.id}/decisions`, subject: subjectHref(t.subject) },
  };
}
