import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { GqlContextType } from '@nestjs/graphql';
import type { Response } from 'express';
import { GraphQLError } from 'graphql';
import { FilesErrorCode, FilesException } from '../files/files.exception';
import { JobsErrorCode, JobsException } from '../jobs/jobs.exception';
import { AccessErrorCode, AccessException } from './access.exception';
import { isDatabaseUnavailable } from './database-unavailable';

/** The public error codes (GraphQL `extensions.code`) and their HTTP statuses. */
export enum PublicErrorCode {
  /** No credentials, or bad ones. */
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  /** Signed in, not allowed. */
  FORBIDDEN = 'FORBIDDEN',
  NOT_FOUND = 'NOT_FOUND',
  BAD_USER_INPUT = 'BAD_USER_INPUT',
  CONFLICT = 'CONFLICT',
  PAYLOAD_TOO_LARGE = 'PAYLOAD_TOO_LARGE',
  UNSUPPORTED_MEDIA_TYPE = 'UNSUPPORTED_MEDIA_TYPE',
  /** Over a per-caller rate limit (a host's throttler, e.g. @nestjs/throttler's 429): worth retrying later. */
  RATE_LIMITED = 'RATE_LIMITED',
  /** The database cannot be reached: worth retrying shortly. */
  SERVICE_UNAVAILABLE = 'SERVICE_UNAVAILABLE',
  INTERNAL_SERVER_ERROR = 'INTERNAL_SERVER_ERROR',
}

const HTTP_STATUS: Record<PublicErrorCode, number> = {
  UNAUTHENTICATED: HttpStatus.UNAUTHORIZED,
  FORBIDDEN: HttpStatus.FORBIDDEN,
  NOT_FOUND: HttpStatus.NOT_FOUND,
  BAD_USER_INPUT: HttpStatus.BAD_REQUEST,
  CONFLICT: HttpStatus.CONFLICT,
  PAYLOAD_TOO_LARGE: HttpStatus.PAYLOAD_TOO_LARGE,
  UNSUPPORTED_MEDIA_TYPE: HttpStatus.UNSUPPORTED_MEDIA_TYPE,
  RATE_LIMITED: HttpStatus.TOO_MANY_REQUESTS,
  SERVICE_UNAVAILABLE: HttpStatus.SERVICE_UNAVAILABLE,
  INTERNAL_SERVER_ERROR: HttpStatus.INTERNAL_SERVER_ERROR,
};

function jobsCode(code: JobsErrorCode): PublicErrorCode {
  switch (code) {
    case JobsErrorCode.JOB_NOT_FOUND:
      return PublicErrorCode.NOT_FOUND;
    case JobsErrorCode.UNKNOWN_FILE:
    case JobsErrorCode.INVALID_INPUT:
    case JobsErrorCode.INVALID_CURSOR:
      return PublicErrorCode.BAD_USER_INPUT;
    case JobsErrorCode.INVALID_TRANSITION:
      return PublicErrorCode.CONFLICT;
    default:
      return assertNever(code);
  }
}

function filesCode(code: FilesErrorCode): PublicErrorCode {
  switch (code) {
    case FilesErrorCode.FILE_TOO_LARGE:
      return PublicErrorCode.PAYLOAD_TOO_LARGE;
    case FilesErrorCode.MISSING_FILE:
    case FilesErrorCode.INVALID_FIELD:
      return PublicErrorCode.BAD_USER_INPUT;
    case FilesErrorCode.NOT_MULTIPART:
      return PublicErrorCode.UNSUPPORTED_MEDIA_TYPE;
    default:
      return assertNever(code);
  }
}

function accessCode(code: AccessErrorCode): PublicErrorCode {
  switch (code) {
    case AccessErrorCode.UNAUTHENTICATED:
      return PublicErrorCode.UNAUTHENTICATED;
    case AccessErrorCode.FORBIDDEN:
      return PublicErrorCode.FORBIDDEN;
    default:
      return assertNever(code);
  }
}

function assertNever(code: never): never {
  throw new Error(`Unmapped error code ${String(code)}`);
}

interface PublicError {
  code: PublicErrorCode;
  reason?: string;
  message: string;
}

function toPublicError(exception: unknown): PublicError {
  if (exception instanceof JobsException) {
    return { code: jobsCode(exception.code), reason: exception.code, message: exception.message };
  }
  if (exception instanceof FilesException) {
    return { code: filesCode(exception.code), reason: exception.code, message: exception.message };
  }
  if (exception instanceof AccessException) {
    return { code: accessCode(exception.code), message: exception.message };
  }
  // A host's own rule may refuse the Nest way (UnauthorizedException, ForbiddenException).
  if (exception instanceof HttpException && exception.getStatus() === HttpStatus.UNAUTHORIZED) {
    return { code: PublicErrorCode.UNAUTHENTICATED, message: exception.message };
  }
  if (exception instanceof HttpException && exception.getStatus() === HttpStatus.FORBIDDEN) {
    return { code: PublicErrorCode.FORBIDDEN, message: exception.message };
  }
  if (exception instanceof HttpException && exception.getStatus() === HttpStatus.TOO_MANY_REQUESTS) {
    return { code: PublicErrorCode.RATE_LIMITED, message: exception.message };
  }
  if (exception instanceof HttpException && exception.getStatus() === HttpStatus.BAD_REQUEST) {
    const body = exception.getResponse() as { message?: string | string[] };
    const message = Array.isArray(body.message) ? body.message.join('; ') : (body.message ?? exception.message);
    return { code: PublicErrorCode.BAD_USER_INPUT, message };
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
      response.status(HTTP_STATUS[error.code]).json({ statusCode: HTTP_STATUS[error.code], code: error.code, message: error.message });
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
