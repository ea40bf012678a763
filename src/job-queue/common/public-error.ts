import { HttpStatus } from '@nestjs/common';

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

export const HTTP_STATUS: Record<PublicErrorCode, number> = {
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

/** The exhaustiveness check of a module's mapping from its own codes to the public ones. */
export function assertNever(code: never): never {
  throw new Error(`Unmapped error code ${String(code)}`);
}
