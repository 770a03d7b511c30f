import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { calculate, DomainError, validatePlanDocument } from '@quotaflow/domain';
import { PersonEntity } from '@quotaflow/persistence';
import { DataSource, In } from 'typeorm';
import { CurrentUser, Roles } from '../auth/roles.decorator';
import type { Principal } from '../auth/principal';

@ApiTags('calculations')
@ApiBearerAuth()
@Controller('calculations')
export class CalculationsController {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * The what-if estimator: the plan-language document in, the output document out, with the
   * same engine as the close and the `calc` command. Invalid documents get 422 with JSON paths.
   */
  @Post('preview')
  @HttpCode(200)
  @Roles('finance', 'ops', 'admin', 'manager', 'rep')
  @ApiOperation({ summary: 'Preview a calculation (finance/ops/admin: anything; manager: own team; rep: only themselves)' })
  @ApiBody({ description: 'A plan-language input document (see docs/plan-language.md)', schema: { type: 'object' } })
  async preview(@CurrentUser() actor: Principal, @Body() body: unknown) {
    const result = validatePlanDocument(body);
    if (!result.ok) {
      throw new DomainError('CALC.INVALID_DOCUMENT', `The document is invalid: ${result.errors.length} problem(s).`, result.errors);
    }
    await this.authorise(actor, result.value.participants.map((p) => p.id));
    return calculate(result.value);
  }

  private async authorise(actor: Principal, participantIds: string[]): Promise<void> {
    if (actor.roles.some((r) => r === 'finance' || r === 'ops' || r === 'admin')) return;
    if (actor.roles.includes('manager')) {
      const team = await this.dataSource.getRepository(PersonEntity).find({ where: { id: In(participantIds.filter((id) => /^[0-9a-f-]{36}$/i.test(id))) } });
      const mine = new Set(team.filter((p) => p.managerId === actor.id || (actor.teamId !== null && p.teamId === actor.teamId)).map((p) => p.id));
      const outside = participantIds.filter((id) => !mine.has(id));
      if (outside.length === 0) return;
      if (!actor.roles.includes('rep')) {
        throw new DomainError('AUTH.FORBIDDEN', `A manager may preview only their own team; not: ${outside.join(', ')}.`, { field: 'participants', value: outside });
      }
    }
    if (actor.roles.includes('rep') && participantIds.length === 1 && participantIds[0] === actor.id) return;
    throw new DomainError('AUTH.FORBIDDEN', 'A rep may preview only a document whose sole participant is themselves.', { field: 'participants' });
  }
}
