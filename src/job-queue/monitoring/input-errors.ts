import { ProcessingErrorCode } from '../retry/processing-error';

/**
 * Error codes that say the user's file was at fault, not the service: retrying cannot help, and a crowd of them
 * (200 uploads of `{` as `.json` drove the plain success rate to 60 %) says nothing about the queue's health. Health
 * judges the success rate without them; jobStats and queueHealth show both rates. Every other failure — I/O, timeouts,
 * stalls, a processor's unexpected error or its own codes — counts as a system failure.
 */
export const INPUT_ERROR_CODES: readonly string[] = [
  ProcessingErrorCode.MALFORMED_FILE,
  ProcessingErrorCode.INVALID_FILE,
  ProcessingErrorCode.UNSUPPORTED_FORMAT,
  // Thrown by processors that must hold a file whole (text-streams.ts) and by PdfProcessor for encrypted PDFs.
  'FILE_TOO_LARGE',
  'PASSWORD_PROTECTED',
];
