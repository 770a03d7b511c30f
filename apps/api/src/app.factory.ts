import { INestApplication, RequestMethod } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { AppConfig } from '@quotaflow/config';
import { AppModule } from './app.module';
import { guardJsonBody } from './common/json-body.guard';
import { createValidationPipe } from './common/validation.pipe';

export const API_PREFIX = 'api/v1';

/** Builds the HTTP application (used by main.ts and by the end-to-end tests). */
export async function createApiApp(config: AppConfig, options: { logger?: false } = {}): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    bodyParser: false,
    logger: options.logger === false ? false : ['error', 'warn', 'log'],
  });
  // Bodies up to 10 MB (a what-if document can be large); larger ones get 413. Encoding and
  // nesting are checked on the bytes before anything parses or walks them (guardJsonBody).
  app.useBodyParser('json', { limit: '10mb', verify: guardJsonBody });
  app.set('trust proxy', 'loopback');
  app.setGlobalPrefix(API_PREFIX, { exclude: [{ path: 'health', method: RequestMethod.GET }] });
  app.useGlobalPipes(createValidationPipe());
  app.enableShutdownHooks();
  const openapi = new DocumentBuilder()
    .setTitle('Quotaflow API')
    .setDescription('Sales Performance Management: plans, plan acceptance, approvals, calculations and the audit trail. Every endpoint but /health needs a bearer token (`npm run token -- --person <id>`).')
    .setVersion('0.1.0')
    .addBearerAuth()
    .build();
  SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, openapi), { jsonDocumentUrl: 'docs/openapi.json' });
  return app;
}
