import type { Server } from 'node:http';
import { INestApplication, RequestMethod } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { AppConfig } from '@quotaflow/config';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import { AppModule } from './app.module';
import { TokenVerifier } from './auth/token-verifier';
import { ApiError } from './common/api-error';
import { guardJsonBody } from './common/json-body.guard';
import { serverTimingMiddleware } from './common/server-timing';
import { createValidationPipe } from './common/validation.pipe';
import { codecCors } from './temporal/codec-cors';

export const API_PREFIX = 'api/v1';

/** Builds the HTTP application (used by main.ts and by the end-to-end tests). */
export async function createApiApp(config: AppConfig, options: { logger?: false } = {}): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    bodyParser: false,
    logger: options.logger === false ? false : ['error', 'warn', 'log'],
  });
  // The client's address (recorded with every e-signature) comes from X-Forwarded-For only when the
  // request arrives from a proxy named in TRUST_PROXY; by default the socket's address is the client.
  app.set('trust proxy', config.http.trustProxy === false ? false : config.http.trustProxy);
  app.disable('x-powered-by');
  app.use(serverTimingMiddleware);
  // Security headers on every answer (CSP, HSTS, nosniff, frame-ancestors, referrer policy, …).
  app.use(helmet());
  // The Temporal Web UI's codec server calls (browser, another origin): CORS for the configured origins only.
  app.use(`/${API_PREFIX}/temporal-codec`, codecCors(config.http.codecCorsOrigins));
  // Bodies up to 10 MB (a what-if document can be large); larger ones get 413. Encoding and
  // nesting are checked on the bytes before anything parses or walks them (guardJsonBody).
  app.useBodyParser('json', { limit: '10mb', verify: guardJsonBody });
  app.setGlobalPrefix(API_PREFIX, { exclude: [{ path: 'health', method: RequestMethod.GET }] });
  app.useGlobalPipes(createValidationPipe());
  app.enableShutdownHooks();
  // Keep-alive connections stay open 65 s idle (Node's default is 5 s, which made a client that
  // pauses between bursts open every connection again); above the 60 s idle timeout of common
  // load balancers, so the proxy, not this server, closes an idle connection first.
  const server = app.getHttpServer() as Server;
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  if (config.http.docs !== 'off') {
    if (config.http.docs === 'token') app.use('/docs', docsBehindToken(app.get(TokenVerifier)));
    const openapi = new DocumentBuilder()
      .setTitle('Quotaflow API')
      .setDescription('Sales Performance Management: plans, plan acceptance, approvals, calculations and the audit trail. Every endpoint but /health needs a bearer token (`npm run token -- --person <id>`).')
      .setVersion('0.1.0')
      .addBearerAuth()
      .build();
    SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, openapi), { jsonDocumentUrl: 'docs/openapi.json' });
  }
  return app;
}

/** API_DOCS=token: /docs and /docs/openapi.json need the bearer token of an active person. */
function docsBehindToken(tokens: TokenVerifier) {
  return (req: Request, res: Response, next: NextFunction): void => {
    tokens.principalOf(req.header('authorization')).then(
      () => next(),
      (error: unknown) => {
        const e = error instanceof ApiError ? error : new ApiError(401, 'AUTH.UNAUTHENTICATED', 'A bearer token is required.');
        res.status(e.getStatus()).json(e.getResponse());
      },
    );
  };
}
