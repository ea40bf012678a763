import { CodedError } from '../common/coded-error';
import { assertNever, PublicErrorCode } from '../common/public-error';

export enum JobsErrorCode {
  JOB_NOT_FOUND = 'JOB_NOT_FOUND',
  UNKNOWN_FILE = 'UNKNOWN_FILE',
  INVALID_INPUT = 'INVALID_INPUT',
  INVALID_CURSOR = 'INVALID_CURSOR',
  INVALID_TRANSITION = 'INVALID_TRANSITION',
}

/** Every failure of the jobs module. */
export class JobsException extends CodedError<JobsErrorCode> {
  get publicCode(): PublicErrorCode {
    return jobsCode(this.code);
  }

  static jobNotFound(id: string): JobsException {
    return new JobsException(JobsErrorCode.JOB_NOT_FOUND, `Job ${id} not found`);
  }
}

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
