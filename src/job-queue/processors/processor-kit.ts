import { ProcessingErrorCode, NonRecoverableError } from '../retry/processing-error';
import { sniffFormat } from '../files/format-detection';
import type { ProcessingContext } from '../processor-contract/file-processor.interface';

/** The file is not well-formed for its format; say what is wrong and where (line, byte, page) when known. */
export function malformed(message: string, cause?: unknown): NonRecoverableError {
  return new NonRecoverableError(ProcessingErrorCode.MALFORMED_FILE, message, { cause });
}

/** The file is not what its name says (a .pdf that is not a PDF). */
export function invalidFile(message: string): NonRecoverableError {
  return new NonRecoverableError(ProcessingErrorCode.INVALID_FILE, message);
}

/** The first `bytes` bytes of the file (fewer when it is shorter). */
export async function readHead(context: ProcessingContext, bytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of context.openStream({ start: 0, end: bytes - 1 }) as AsyncIterable<Buffer>)
    chunks.push(chunk);
  return Buffer.concat(chunks);
}

/**
 * Confirms a binary format by its magic bytes: `expected` is the signature name of format-detection
 * (pdf, png, jpg, gif, webp, zip). Throws INVALID_FILE when the content is something else.
 */
export async function confirmSignature(context: ProcessingContext, expected: string): Promise<void> {
  const actual = sniffFormat(await readHead(context, 16));
  if (actual !== expected) {
    throw invalidFile(
      `${context.job.fileName} is not a ${expected.toUpperCase()} file: its content ${actual ? `looks like ${actual.toUpperCase()}` : 'has no known signature'}`,
    );
  }
}
