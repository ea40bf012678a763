import { storableJson, storableText } from '../common/storable-text';
import type { SavedExtraction } from '../database/queue-store';
import type { ProcessingOutput } from '../processor-contract/file-processor.interface';

/**
 * A processor's output as the store keeps it: the text, metadata and result as JSON text (null when absent), each
 * without U+0000 (storableText).
 */
export function storedOutput(output: ProcessingOutput): SavedExtraction {
  return {
    extractedText: output.extractedText == null ? null : storableText(output.extractedText),
    metadata: output.metadata === undefined ? null : storableJson(JSON.stringify(output.metadata)),
    result: output.result === undefined ? null : storableJson(JSON.stringify(output.result)),
  };
}
