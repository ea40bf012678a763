import { cutToBytes } from '../common/utf8-cut';
import type { ProcessingOutput } from '../processor-contract/file-processor.interface';

/**
 * Holds every processor to the queue's text limit, built-in or not: the built-in ones stop collecting at the cap
 * (and report `textBytes` and `truncated` themselves); a longer text from any other is cut here, and its full
 * length and the flag go to metadata the same way.
 */
export function capExtractedText(output: ProcessingOutput, maxBytes: number): ProcessingOutput {
  const text = output.extractedText;
  if (!text || Buffer.byteLength(text) <= maxBytes) return output;
  return {
    ...output,
    extractedText: cutToBytes(text, maxBytes),
    metadata: { ...output.metadata, textBytes: Buffer.byteLength(text), truncated: true },
  };
}
