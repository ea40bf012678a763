import { CodedError } from '../common/coded-error';

export enum JobsErrorCode {
  JOB_NOT_FOUND = 'JOB_NOT_FOUND',
  UNKNOWN_FILE = 'UNKNOWN_FILE',
  INVALID_INPUT = 'INVALID_INPUT',
  INVALID_CURSOR = 'INVALID_CURSOR',
  INVALID_TRANSITION = 'INVALID_TRANSITION',
}

/** Every failure of the jobs module. */
export class JobsException extends CodedError<JobsErrorCode> {
  static jobNotFound(id: string): JobsException {
    return new JobsException(JobsErrorCode.JOB_NOT_FOUND, `Job ${id} not found`);
  }
}
