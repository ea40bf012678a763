import { CodedError } from './coded-error';
import { assertNever, PublicErrorCode } from './public-error';

export enum AccessErrorCode {
  /** No credentials, or credentials that do not check out (HTTP 401). */
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  /** Signed in, but not allowed to do this (HTTP 403). */
  FORBIDDEN = 'FORBIDDEN',
}

/** Thrown by a `resolveCaller` rule (or a scope check) to refuse a caller; the exception filter maps the code. */
export class AccessException extends CodedError<AccessErrorCode> {
  get publicCode(): PublicErrorCode {
    return accessCode(this.code);
  }

  /** The public code says it all (UNAUTHENTICATED, FORBIDDEN). */
  override get reason(): undefined {
    return undefined;
  }

  static unauthenticated(message: string): AccessException {
    return new AccessException(AccessErrorCode.UNAUTHENTICATED, message);
  }

  static forbidden(message: string): AccessException {
    return new AccessException(AccessErrorCode.FORBIDDEN, message);
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
