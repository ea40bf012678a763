export enum FilesErrorCode {
  FILE_TOO_LARGE = 'FILE_TOO_LARGE',
  MISSING_FILE = 'MISSING_FILE',
  INVALID_FIELD = 'INVALID_FIELD',
  NOT_MULTIPART = 'NOT_MULTIPART',
}

/** Every failure of the files module; the exception filter maps its code to HTTP and GraphQL. */
export class FilesException extends Error {
  constructor(
    readonly code: FilesErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'FilesException';
  }
}
