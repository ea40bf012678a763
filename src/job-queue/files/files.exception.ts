import { CodedError } from '../common/coded-error';
import { assertNever, PublicErrorCode } from '../common/public-error';

export enum FilesErrorCode {
  FILE_TOO_LARGE = 'FILE_TOO_LARGE',
  MISSING_FILE = 'MISSING_FILE',
  INVALID_FIELD = 'INVALID_FIELD',
  NOT_MULTIPART = 'NOT_MULTIPART',
}

/** Every failure of the files module. */
export class FilesException extends CodedError<FilesErrorCode> {
  get publicCode(): PublicErrorCode {
    return filesCode(this.code);
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
