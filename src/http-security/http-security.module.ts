import { createHash, timingSafeEqual } from 'node:crypto';
import {
  type DynamicModule,
  Inject,
  type MiddlewareConsumer,
  Module,
  type NestModule,
  RequestMethod,
} from '@nestjs/common';
import type { CorsOptions } from '@nestjs/common/interfaces/external/cors-options.interface';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { originAllowed } from './origins';

// The `cors` middleware (the one Nest's express adapter uses for app.enableCors); it ships no type declarations.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const cors = require('cors') as (options: CorsOptions) => RequestHandler;

export interface HttpSecuritySettings {
  /** CORS_ORIGINS, canonical; empty: no cross-origin browser access at all. */
  corsOrigins: readonly string[];
  /** METRICS_TOKEN: GET /metrics then needs `Authorization: Bearer <token>`. */
  metricsToken?: string;
}

const HTTP_SECURITY_SETTINGS = Symbol('HTTP_SECURITY_SETTINGS');

/** The routes of the standalone server, each given CORS headers and answered preflights. */
const ROUTES = ['graphql', 'files', 'health', 'health/*path', 'metrics'];

/** CORS, the Origin check of POST /files and the /metrics token of the standalone server (issue 12, point 5). */
@Module({})
export class HttpSecurityModule implements NestModule {
  constructor(@Inject(HTTP_SECURITY_SETTINGS) private readonly settings: HttpSecuritySettings) {}

  static forRoot(settings: HttpSecuritySettings): DynamicModule {
    return { module: HttpSecurityModule, providers: [{ provide: HTTP_SECURITY_SETTINGS, useValue: settings }] };
  }

  configure(consumer: MiddlewareConsumer): void {
    const { corsOrigins, metricsToken } = this.settings;
    consumer
      .apply(
        cors({
          origin: (origin, callback) => callback(null, origin !== undefined && corsOrigins.includes(origin)),
          methods: ['GET', 'POST', 'OPTIONS'],
          maxAge: 600, // seconds a browser may reuse a preflight's answer
        }),
      )
      .forRoutes(...ROUTES);
    consumer.apply(refuseForeignUploads(corsOrigins)).forRoutes({ path: 'files', method: RequestMethod.POST });
    if (metricsToken)
      consumer.apply(requireBearer(metricsToken)).forRoutes({ path: 'metrics', method: RequestMethod.GET });
  }
}

/**
 * A multipart form post is a "simple" request: a browser sends it cross-site without a preflight, and CORS only
 * hides the answer, after the upload was stored. So an Origin outside the list is refused before the body is read.
 */
function refuseForeignUploads(allowed: readonly string[]) {
  return (request: Request, response: Response, next: NextFunction): void => {
    const origin = request.headers.origin;
    if (originAllowed(allowed, origin, request.headers.host)) return next();
    request.resume(); // answered without reading the body: let it drain rather than reset the client mid-upload
    response
      .status(403)
      .json({ statusCode: 403, code: 'FORBIDDEN', message: `Origin ${String(origin)} is not allowed (CORS_ORIGINS)` });
  };
}

/** `Authorization: Bearer <token>`, compared in constant time (both sides hashed to the same length first). */
function requireBearer(token: string) {
  const expected = createHash('sha256').update(token).digest();
  return (request: Request, response: Response, next: NextFunction): void => {
    const match = /^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? '');
    const given = createHash('sha256')
      .update(match?.[1] ?? '')
      .digest();
    if (match && timingSafeEqual(given, expected)) return next();
    response.status(401).setHeader('WWW-Authenticate', 'Bearer realm="metrics"').json({
      statusCode: 401,
      code: 'UNAUTHENTICATED',
      message: 'GET /metrics needs Authorization: Bearer <METRICS_TOKEN>',
    });
  };
}
