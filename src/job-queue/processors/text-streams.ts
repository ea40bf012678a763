import { TextDecoder } from 'node:util';
import { NonRecoverableError } from '../retry/processing-error';
import type { ProcessingContext, ProcessingOutput } from '../processor-contract/file-processor.interface';
import { CappedText, detectBom } from './text-decoding';

/** Shared by the text-format processors (CSV, JSON, Markdown, HTML): reading, decoding, and the text output. */

/** The file's chunks, reporting bytes read as progress and stopping (throwing the reason) once the signal aborts. */
export async function* readChunks(context: ProcessingContext): AsyncGenerator<Buffer> {
  const { signal, progress } = context;
  signal.throwIfAborted();
  let bytes = 0;
  for await (const chunk of context.openStream() as AsyncIterable<Buffer>) {
    signal.throwIfAborted();
    bytes += chunk.length;
    progress.bytes(bytes);
    yield chunk;
  }
}

/**
 * The file decoded to text, chunk by chunk: a byte-order mark decides the encoding (and is dropped), else
 * `fallback(head)` may name one from the first chunk (an HTML meta charset), else UTF-8. Malformed bytes become
 * U+FFFD; no code point is split between two chunks.
 */
export async function* readText(
  context: ProcessingContext,
  fallback?: (head: Buffer) => string | null,
): AsyncGenerator<string> {
  let decoder: TextDecoder | null = null;
  for await (const chunk of readChunks(context)) {
    decoder ??= decoderFor(chunk, fallback);
    const text = decoder.decode(chunk, { stream: true });
    if (text) yield text;
  }
  const rest = decoder?.decode() ?? '';
  if (rest) yield rest;
}

function decoderFor(head: Buffer, fallback?: (head: Buffer) => string | null): TextDecoder {
  const bom = detectBom(head);
  if (bom.bomLength > 0) return new TextDecoder(bom.encoding);
  const label = fallback?.(head);
  if (label) {
    try {
      return new TextDecoder(label);
    } catch {
      // an unknown label: read it as UTF-8
    }
  }
  return new TextDecoder('utf-8');
}

/** Formats whose parser needs the whole text (Markdown) read at most this much. */
export const MAX_WHOLE_TEXT_BYTES = 64 * 1024 * 1024;

/** The file is larger than a processor that must hold it whole accepts (not retried). */
export function tooLarge(context: ProcessingContext, limitBytes: number): NonRecoverableError {
  return new NonRecoverableError(
    'FILE_TOO_LARGE',
    `${context.job.fileName} is ${Number(context.job.fileSize)} bytes; ${context.job.format.toUpperCase()} files are processed up to ${limitBytes} bytes`,
  );
}

/** The whole file as text, refusing files over `limitBytes` before reading them (and while, should one grow). */
export async function readWholeText(context: ProcessingContext, limitBytes = MAX_WHOLE_TEXT_BYTES): Promise<string> {
  if (Number(context.job.fileSize) > limitBytes) throw tooLarge(context, limitBytes);
  const parts: string[] = [];
  let length = 0;
  for await (const text of readText(context)) {
    length += text.length;
    if (length > limitBytes) throw tooLarge(context, limitBytes);
    parts.push(text);
  }
  return parts.join('');
}

/** Lines of a text: a last line without a newline counts too. */
export function countLines(text: string): number {
  let newlines = 0;
  for (let index = text.indexOf('\n'); index !== -1; index = text.indexOf('\n', index + 1)) newlines++;
  return newlines + (text && !text.endsWith('\n') ? 1 : 0);
}

/** The processor output of an extracted text: the text, and textBytes and truncated beside the metadata. */
export function textOutput(text: CappedText, metadata: Record<string, unknown>): ProcessingOutput {
  return {
    extractedText: text.toString(),
    metadata: { ...metadata, textBytes: text.totalBytes, truncated: text.truncated },
  };
}
