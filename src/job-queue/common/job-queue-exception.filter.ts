import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { GqlContextType } from '@nestjs/graphql';
import type { Response } from 'express';
import { GraphQLError } from 'graphql';
import { CodedError } from './coded-error';
import { isDatabaseUnavailable } from './database-unavailable';
import { HTTP_STATUS, PublicErrorCode } from './public-error';

export { PublicErrorCode } from './public-error';

interface PublicError {
  code: PublicErrorCode;
  reason?: string;
  message: string;
}

const BAD_REQUEST: number = HttpStatus.BAD_REQUEST;
const NEST_REFUSALS = new Map<number, PublicErrorCode>([
  [HttpStatus.UNAUTHORIZED, PublicErrorCode.UNAUTHENTICATED],
  [HttpStatus.FORBIDDEN, PublicErrorCode.FORBIDDEN],
  [HttpStatus.TOO_MANY_REQUESTS, PublicErrorCode.RATE_LIMITED],
]);

function toPublicError(exception: unknown): PublicError {
  // Each module maps its own codes, beside their enum (jobs.exception.ts, files.exception.ts, access.exception.ts).
  if (exception instanceof CodedError) {
    return { code: exception.publicCode, reason: exception.reason, message: exception.message };
  }
  if (exception instanceof HttpException) {
    const status: number = exception.getStatus();
    // A host's own rule may refuse the Nest way (UnauthorizedException, ForbiddenException, a throttler's 429).
    const refusal = NEST_REFUSALS.get(status);
    if (refusal) return { code: refusal, message: exception.message };
    if (status === BAD_REQUEST) {
      const body = exception.getResponse() as { message?: string | string[] };
      const message = Array.isArray(body.message) ? body.message.join('; ') : (body.message ?? exception.message);
      return { code: PublicErrorCode.BAD_USER_INPUT, message };
    }
  }
  if (isDatabaseUnavailable(exception)) {
    return { code: PublicErrorCode.SERVICE_UNAVAILABLE, message: 'The database cannot be reached; try again shortly' };
  }
  return { code: PublicErrorCode.INTERNAL_SERVER_ERROR, message: 'Internal server error' };
}

/** One mapping from the modules' exceptions to GraphQL `extensions.code` and HTTP statuses. */
@Catch()
export class JobQueueExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('JobQueueErrors');

  catch(exception: unknown, host: ArgumentsHost): unknown {
    const error = toPublicError(exception);
    if (error.code === PublicErrorCode.SERVICE_UNAVAILABLE) {
      // One line, not a stack per request: an outage fails every request the same way.
      this.logger.warn(`database unavailable: ${exception instanceof Error ? exception.message : String(exception)}`);
    }
    if (error.code === PublicErrorCode.INTERNAL_SERVER_ERROR) {
      if (exception instanceof HttpException) return this.passThrough(exception, host);
      this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    }
    if (host.getType<GqlContextType>() === 'graphql') {
      return new GraphQLError(error.message, { extensions: { code: error.code, reason: error.reason } });
    }
    const response = host.switchToHttp().getResponse<Response>();
    if (!response.headersSent) {
      // RFC 9110: a 401 names the scheme that would be accepted.
      if (error.code === PublicErrorCode.UNAUTHENTICATED) response.setHeader('WWW-Authenticate', 'Bearer');
      response
        .status(HTTP_STATUS[error.code])
        .json({ statusCode: HTTP_STATUS[error.code], code: error.code, message: error.message });
    }
    return undefined;
  }

  private passThrough(exception: HttpException, host: ArgumentsHost): unknown {
    if (host.getType<GqlContextType>() === 'graphql') return exception;
    const response = host.switchToHttp().getResponse<Response>();
    if (!response.headersSent) response.status(exception.getStatus()).json(exception.getResponse());
    return undefined;
  }
}
