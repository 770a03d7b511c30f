import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { Connection } from '@temporalio/client';
import type { AppConfig } from '@quotaflow/config';
import type { Response } from 'express';
import * as nodemailer from 'nodemailer';
import { DataSource } from 'typeorm';
import { Public } from '../auth/roles.decorator';
import { APP_CONFIG } from '../config.token';
import { TEMPORAL_CONNECTION } from '../temporal/temporal.module';

type Check = { status: 'up' | 'down' | 'disabled'; latencyMs?: number; error?: string; checkedAt?: string };

const TIMEOUT_MS = 3000;

/** `race`: stop waiting after the timeout (the call itself may go on); otherwise `fn` bounds itself. */
async function timed(fn: () => Promise<unknown>, options: { race: boolean } = { race: true }): Promise<Check> {
  const started = process.hrtime.bigint();
  let timer: NodeJS.Timeout | undefined;
  try {
    if (options.race) {
      await Promise.race([fn(), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${TIMEOUT_MS} ms`)), TIMEOUT_MS).unref()))]);
    } else {
      await fn();
    }
    return { status: 'up', latencyMs: Number((process.hrtime.bigint() - started) / 1_000_000n) };
  } catch (e) {
    return { status: 'down', error: (e as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Liveness and dependencies. The SMTP check (a connection and an EHLO) is reused for
 * HEALTH_SMTP_CACHE_SECONDS, so polling /health does not open a mail connection per call; the
 * database and Temporal are asked each time (one cheap round trip each). In production the
 * answer names each dependency's state only: no error texts, which may carry internal addresses.
 */
@ApiTags('health')
@Controller('health')
export class HealthController {
  private smtpCache?: { at: number; check: Promise<Check> };

  constructor(
    private readonly dataSource: DataSource,
    @Inject(TEMPORAL_CONNECTION) private readonly temporal: Connection,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private smtp(): Promise<Check> {
    const { smtpUrl, enabled } = this.config.mail;
    if (!enabled || !smtpUrl) return Promise.resolve({ status: 'disabled' });
    const maxAge = this.config.http.healthSmtpCacheSeconds * 1000;
    const now = Date.now();
    if (!this.smtpCache || now - this.smtpCache.at >= maxAge) {
      // One check in flight at a time: concurrent callers share it.
      const check = timed(async () => {
        const transport = nodemailer.createTransport(smtpUrl);
        try {
          await transport.verify();
        } finally {
          transport.close();
        }
      }).then((c) => ({ ...c, checkedAt: new Date(now).toISOString() }));
      this.smtpCache = { at: now, check };
    }
    return this.smtpCache.check;
  }

  @Public()
  @Get()
  @ApiOkResponse({ description: 'All dependencies are up.' })
  @ApiServiceUnavailableResponse({ description: 'A dependency (database, Temporal, SMTP) is down.' })
  async health(@Res() res: Response): Promise<void> {
    const [database, temporal, smtp] = await Promise.all([
      timed(() => this.dataSource.query('SELECT 1')),
      // A deadline on the call itself, its retries included: nothing is left in flight after the answer
      // (a retry firing after shutdown would hit a closed channel).
      timed(() => this.temporal.withDeadline(Date.now() + TIMEOUT_MS - 500, () => this.temporal.workflowService.getSystemInfo({})), { race: false }),
      this.smtp(),
    ]);
    const ok = [database, temporal, smtp].every((c) => c.status !== 'down');
    const production = this.config.env === 'production';
    const shown = (c: Check): Check => (production ? { status: c.status, ...(c.latencyMs !== undefined ? { latencyMs: c.latencyMs } : {}) } : c);
    res.setHeader('Cache-Control', 'no-store');
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'degraded', checks: { database: shown(database), temporal: shown(temporal), smtp: shown(smtp) } });
  }
}
