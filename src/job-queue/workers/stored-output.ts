import type { SavedExtraction } from '../database/queue-store';
import type { ProcessingOutput } from '../processor-contract/file-processor.interface';

/** A processor's output as the store keeps it: the text as is, metadata and result as JSON text (null when absent). */
export function storedOutput(output: ProcessingOutput): SavedExtraction {
  return {
    extractedText: output.extractedText ?? null,
    metadata: output.metadata === undefined ? null : JSON.stringify(output.metadata),
    result: output.result === undefined ? null : JSON.stringify(output.result),
  };
}
