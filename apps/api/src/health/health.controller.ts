import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Connection } from '@temporalio/client';
import type { AppConfig } from '@quotaflow/config';
import type { Response } from 'express';
import * as nodemailer from 'nodemailer';
import { DataSource } from 'typeorm';
import { Public } from '../auth/roles.decorator';
import { APP_CONFIG } from '../config.token';
import { TEMPORAL_CONNECTION } from '../temporal/temporal.module';

type Check = { status: 'up' | 'down' | 'disabled'; latencyMs?: number; error?: string };

async function timed(fn: () => Promise<unknown>, timeoutMs = 3000): Promise<Check> {
  const started = process.hrtime.bigint();
  try {
    await Promise.race([fn(), new Promise((_, reject) => setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs).unref())]);
    return { status: 'up', latencyMs: Number((process.hrtime.bigint() - started) / 1_000_000n) };
  } catch (e) {
    return { status: 'down', error: (e as Error).message };
  }
}

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(TEMPORAL_CONNECTION) private readonly temporal: Connection,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Liveness and dependencies: database, Temporal and SMTP. 503 when any is down. */
  @Public()
  @Get()
  @ApiOkResponse({ description: 'All dependencies are up.' })
  async health(@Res() res: Response): Promise<void> {
    const [database, temporal, smtp] = await Promise.all([
      timed(() => this.dataSource.query('SELECT 1')),
      timed(() => this.temporal.workflowService.getSystemInfo({})),
      this.config.mail.enabled && this.config.mail.smtpUrl
        ? timed(() => nodemailer.createTransport(this.config.mail.smtpUrl).verify())
        : Promise.resolve<Check>({ status: 'disabled' }),
    ]);
    const ok = [database, temporal, smtp].every((c) => c.status !== 'down');
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'degraded', checks: { database, temporal, smtp } });
  }
}
