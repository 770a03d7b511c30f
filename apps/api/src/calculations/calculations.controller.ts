import { Body, Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { DomainError } from '@quotaflow/domain';
import { PersonEntity } from '@quotaflow/persistence';
import type { Response } from 'express';
import { DataSource, In } from 'typeorm';
import { CurrentUser, Roles } from '../auth/roles.decorator';
import type { Principal } from '../auth/principal';
import type { RawBodyRequest } from '../common/json-body.guard';
import { INLINE_PREVIEW_BYTES, budgetFor } from './preview-budget';
import { type PreviewOutcome, runPreview } from './preview.job';
import { PreviewPool } from './preview.pool';

@ApiTags('calculations')
@ApiBearerAuth()
@Controller('calculations')
export class CalculationsController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly pool: PreviewPool,
  ) {}

  /**
   * The what-if estimator: the plan-language document in, the output document out, with the
   * same engine as the close and the `calc` command. Invalid documents get 422 with JSON paths;
   * a document over the caller's budget (size, work, time: see preview-budget.ts) gets 413.
   */
  @Post('preview')
  @HttpCode(200)
  @Roles('finance', 'ops', 'admin', 'manager', 'rep')
  @ApiOperation({
    summary: 'Preview a calculation (finance/ops/admin: anything; manager: own team; rep: only themselves)',
    description:
      'Budgets per role: rep and manager 256 KiB, 2,000,000 work units, 2 s; finance, ops and admin 10 MiB, 50,000,000 work units, 20 s. ' +
      'Over a budget: 413 CALC.TOO_LARGE or CALC.TIME_BUDGET_EXCEEDED. Larger previews run off the request thread; when too many wait, 503 SERVICE.BUSY.',
  })
  @ApiBody({ description: 'A plan-language input document (see docs/plan-language.md)', schema: { type: 'object' } })
  async preview(@CurrentUser() actor: Principal, @Req() req: RawBodyRequest, @Body() body: unknown, @Res() res: Response): Promise<void> {
    const budget = budgetFor(actor.roles);
    const raw = req.rawBody;
    if (raw === undefined || raw.length === 0 || typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new DomainError('CALC.INVALID_DOCUMENT', 'The document is invalid: 1 problem(s); first: $: document must be a JSON object', [{ path: '$', message: 'document must be a JSON object', value: null }]);
    }
    if (raw.length > budget.maxBytes) {
      throw new DomainError('CALC.TOO_LARGE', `The document is ${raw.length} bytes; a preview of yours may have at most ${budget.maxBytes}.`, { field: 'body', size: raw.length, limit: budget.maxBytes });
    }
    await this.authorise(actor, participantIdsOf(body));
    const job = { text: raw.toString('utf8'), limits: { maxWork: budget.maxWork } };
    const outcome: PreviewOutcome = raw.length <= INLINE_PREVIEW_BYTES ? runPreview(job) : await this.pool.run(job, budget.timeoutMs);
    if (!outcome.ok) throw new DomainError(outcome.code, outcome.message, outcome.details);
    res.status(200).type('application/json').send(outcome.json);
  }

  private async authorise(actor: Principal, participantIds: string[]): Promise<void> {
    if (actor.roles.some((r) => r === 'finance' || r === 'ops' || r === 'admin')) return;
    if (actor.roles.includes('manager')) {
      const team = await this.dataSource.getRepository(PersonEntity).find({ where: { id: In(participantIds.filter((id) => /^[0-9a-f-]{36}$/i.test(id))) } });
      const mine = new Set(team.filter((p) => p.managerId === actor.id || (actor.teamId !== null && p.teamId === actor.teamId)).map((p) => p.id));
      const outside = participantIds.filter((id) => !mine.has(id));
      if (outside.length === 0) return;
      if (!actor.roles.includes('rep')) {
        throw new DomainError('AUTH.FORBIDDEN', `A manager may preview only their own team; not: ${outside.slice(0, 20).join(', ')}.`, { field: 'participants', value: outside.slice(0, 100) });
      }
    }
    if (actor.roles.includes('rep') && participantIds.length === 1 && participantIds[0] === actor.id) return;
    throw new DomainError('AUTH.FORBIDDEN', 'A rep may preview only a document whose sole participant is themselves.', { field: 'participants' });
  }
}

/** The participant ids a document declares (what the caller must be allowed to see); the document is validated after. */
function participantIdsOf(body: object): string[] {
  const participants = (body as { participants?: unknown }).participants;
  if (!Array.isArray(participants)) return [];
  return participants.map((p: unknown) => (typeof p === 'object' && p !== null ? (p as { id?: unknown }).id : undefined)).map((id) => (typeof id === 'string' ? id : ''));
}
