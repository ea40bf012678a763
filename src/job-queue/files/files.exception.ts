import { CodedError } from '../common/coded-error';

export enum FilesErrorCode {
  FILE_TOO_LARGE = 'FILE_TOO_LARGE',
  MISSING_FILE = 'MISSING_FILE',
  INVALID_FIELD = 'INVALID_FIELD',
  NOT_MULTIPART = 'NOT_MULTIPART',
}

/** Every failure of the files module. */
export class FilesException extends CodedError<FilesErrorCode> {}
