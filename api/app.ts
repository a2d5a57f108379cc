import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { HttpRequest as Request, HttpResponse as Response, Next as NextFunction } from './common/http';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import { loadConfig, type LifelineConfig } from '../infra/config';
import { AppModule } from './app.module';
import { errorBody } from './common/exception.filter';
import { documentAnswers } from './common/openapi-responses';
import { keepSignedBody } from './declarations/webhook-signature';
import { refuseDeepJson } from './common/json-depth';
import { noStore, refuseMethods, refusePrototypeKeys, requireJson } from './common/protocol';
import { MetricsService } from './metrics/metrics';
import { operationIdPath } from './operations/operation-id-path';

/** Large enough for a 5,000-VM import (about 3 MB) with room to spare. */
export const JSON_BODY_LIMIT = '32mb';

/** Body-parser errors happen before routing, outside Nest's filters: answer them in the same shape. */
function bodyErrors(err: { status?: number; type?: string; message?: string }, _req: Request, res: Response, next: NextFunction): void {
  if (!err || res.headersSent) return next(err);
  if (err.type === 'entity.too.large') {
    res.status(413).json(errorBody(413, `Request body exceeds the ${JSON_BODY_LIMIT} limit`));
  } else if (err.type === 'entity.parse.failed') {
    res.status(400).json(errorBody(400, `Malformed JSON body: ${err.message ?? 'parse error'}`));
  } else if (err.status && err.status >= 400 && err.status < 500) {
    res.status(err.status).json(errorBody(err.status, err.message ?? 'Bad request body'));
  } else {
    next(err);
  }
}

/**
 * Builds the API (used by `npm start` and by the tests). Config comes from the environment, validated,
 * with `overrides` winning; the inventory migrations run before the app answers. Not listening yet:
 * call `app.listen(config.port, config.host)` (the config is `app.get(LIFELINE_CONFIG)`).
 */
export async function createApp(
  overrides: Partial<LifelineConfig> = {},
  opts: { shutdownHooks?: boolean; logStream?: DestinationStream } = {},
): Promise<INestApplication> {
  const config = loadConfig(process.env, overrides);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, opts.logStream), { bodyParser: false, bufferLogs: true, abortOnError: false });
  app.useLogger(app.get(Logger));
  app.disable('x-powered-by');
  app.use(helmet());
  app.use(noStore);
  app.use(app.get(MetricsService).middleware());
  app.use(refuseMethods);
  app.use(operationIdPath);
  app.use(requireJson);
  app.useBodyParser('json', {
    limit: JSON_BODY_LIMIT,
    verify: (req: Request, res: unknown, body: Buffer) => {
      refuseDeepJson(req, res, body);
      keepSignedBody(req, body);
    },
  });
  app.use(bodyErrors);
  app.use(refusePrototypeKeys);
  // A host that orders its own shutdown (npm start stops the API, then the worker, then Temporal) opts out.
  if (opts.shutdownHooks ?? true) app.enableShutdownHooks();

  const document = documentAnswers(SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Lifeline')
      .setDescription('Durable disaster-recovery orchestration for DR service providers')
      .setVersion('0.1.0')
      .addBearerAuth()
      .build(),
  ));
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });

  await app.init();
  return app;
}
