import { storableText } from '../common/storable-text';

/** Codes the service itself assigns to failed attempts. Processors may use their own codes too. */
export enum ProcessingErrorCode {
  UNSUPPORTED_FORMAT = 'UNSUPPORTED_FORMAT',
  INVALID_FILE = 'INVALID_FILE',
  MALFORMED_FILE = 'MALFORMED_FILE',
  FILE_NOT_FOUND = 'FILE_NOT_FOUND',
  IO_ERROR = 'IO_ERROR',
  TIMEOUT = 'TIMEOUT',
  STALLED = 'STALLED',
  CANCELLED = 'CANCELLED',
  ANALYSIS_FAILED = 'ANALYSIS_FAILED',
  INTERNAL_ERROR = 'INTERNAL_ERROR',
}

/**
 * An error a processor throws to say how its attempt failed: a string code, and whether another attempt
 * could succeed. Anything else a processor throws is treated as recoverable (INTERNAL_ERROR). Its code and message
 * are what the job and its attempt keep, so U+0000 in them is replaced as it is in extracted text (storableText).
 */
export class ProcessingError extends Error {
  readonly code: string;

  constructor(
    code: string,
    message: string,
    readonly recoverable: boolean,
    options?: { cause?: unknown },
  ) {
    super(storableText(message), options);
    this.code = storableText(code);
    this.name = new.target.name;
  }
}

/** Retrying cannot help: the input itself is wrong (malformed, unsupported, not what it claims to be). */
export class NonRecoverableError extends ProcessingError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, false, options);
  }
}

/** A passing trouble (I/O, a dependency down): another attempt may succeed. */
export class RecoverableError extends ProcessingError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, true, options);
  }
}

const TRANSIENT_IO_CODES = new Set(['ENOENT', 'EIO', 'EBUSY', 'EAGAIN', 'EMFILE', 'ENFILE', 'ETIMEDOUT', 'ECONNRESET']);

/** Maps whatever a processor threw to a ProcessingError: typed errors keep their code, I/O errors are recoverable. */
export function toProcessingError(error: unknown): ProcessingError {
  if (error instanceof ProcessingError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'ENOENT') return new RecoverableError(ProcessingErrorCode.FILE_NOT_FOUND, message, { cause: error });
  if (code && TRANSIENT_IO_CODES.has(code))
    return new RecoverableError(ProcessingErrorCode.IO_ERROR, message, { cause: error });
  return new RecoverableError(ProcessingErrorCode.INTERNAL_ERROR, message, { cause: error });
}
