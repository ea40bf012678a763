import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';

/** Nest's own default for JSON bodies (body-parser's 100 kB); the largest real GraphQL request is a few kB. */
export const DEFAULT_MAX_JSON_BODY_BYTES = 100 * 1024;

/**
 * GRAPHQL_MAX_BODY_BYTES: the JSON body cap of the app. Must run before the app's init (before `listen`): Nest then
 * skips its own 100 kB parser, seeing a JSON parser in place. A body over the cap answers 413 PAYLOAD_TOO_LARGE as
 * JSON, before it is read; express's default answer would be an HTML page with a stack trace outside production.
 */
export function limitJsonBodies(app: NestExpressApplication, maxBytes: number): void {
  app.useBodyParser('json', { limit: maxBytes });
  app.use((error: { type?: string; status?: number }, _request: Request, response: Response, next: NextFunction) => {
    if (error?.type !== 'entity.too.large') return next(error);
    response.status(413).json({
      statusCode: 413,
      code: 'PAYLOAD_TOO_LARGE',
      message: `The JSON body is larger than ${maxBytes} bytes (GRAPHQL_MAX_BODY_BYTES)`,
    });
  });
}
