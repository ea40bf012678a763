import { Inject, Injectable } from '@nestjs/common';
import { ProcessingStage } from '../common/job.enums';
import { JOB_QUEUE_OPTIONS } from '../job-queue.constants';
import type { ResolvedJobQueueOptions } from '../job-queue.options';
import { FileProcessor } from '../processor-contract/file-processor.decorator';
import type {
  FileProcessorHandler,
  ProcessingContext,
  ProcessingOutput,
} from '../processor-contract/file-processor.interface';
import {
  JsonSyntaxError,
  JsonTokenizer,
  type JsonContainer,
  type JsonTokenHandler,
  type JsonValueType,
} from './json-tokenizer';
import { malformed } from './processor-kit';
import { CappedText } from './text-decoding';
import { readText, textOutput } from './text-streams';

/** Counts and depth of the values a tokenizer reports, and their string values, one a line (capped). */
class JsonSummary implements JsonTokenHandler {
  readonly extracted: CappedText;
  topLevelType: JsonValueType | null = null;
  keyCount = 0;
  itemCount = 0;
  maxDepth = 0;
  private strings = 0;

  constructor(maxTextBytes: number) {
    this.extracted = new CappedText(maxTextBytes);
  }

  value(type: JsonValueType, depth: number, parent: JsonContainer | null): void {
    if (depth === 0) this.topLevelType ??= type;
    if (depth === 1 && parent === 'array') this.itemCount++;
    if (type === 'object' || type === 'array') this.maxDepth = Math.max(this.maxDepth, depth + 1);
    if (type === 'string' && this.strings++ > 0) this.extracted.append('\n');
  }

  key(depth: number): void {
    if (depth === 1) this.keyCount++;
  }

  text(piece: string): void {
    this.extracted.append(piece);
  }
}

/** Runs a parse, turning a syntax error into MALFORMED_FILE with `describe`'s message. */
async function parsing(work: () => Promise<void>, describe: (error: JsonSyntaxError) => string): Promise<void> {
  try {
    await work();
  } catch (error) {
    if (error instanceof JsonSyntaxError) throw malformed(describe(error), error);
    throw error;
  }
}

/**
 * JSON, streamed through a tokenizer: whether it is valid, the top-level type with its key or item count, the nesting
 * depth, and its string values (one a line) as the text. Memory stays proportional to the depth, not the size.
 */
@Injectable()
@FileProcessor('json')
export class JsonProcessor implements FileProcessorHandler {
  constructor(@Inject(JOB_QUEUE_OPTIONS) private readonly options: ResolvedJobQueueOptions) {}

  async process(context: ProcessingContext): Promise<ProcessingOutput> {
    context.progress.stage(ProcessingStage.READING);
    const summary = new JsonSummary(this.options.maxExtractedTextBytes);
    const tokenizer = new JsonTokenizer(summary);
    await parsing(
      async () => {
        for await (const text of readText(context)) tokenizer.write(text);
        tokenizer.end();
      },
      (error) => `Malformed JSON: ${error.message}`,
    );
    context.progress.stage(ProcessingStage.EXTRACTING);
    const { topLevelType, keyCount, itemCount, maxDepth } = summary;
    const count = topLevelType === 'object' ? { keyCount } : topLevelType === 'array' ? { itemCount } : {};
    return textOutput(summary.extracted, { valid: true, topLevelType, ...count, maxDepth });
  }
}

/**
 * NDJSON / JSON Lines, line by line (a record may be longer than a chunk): every non-blank line must be one JSON value.
 * The record count, the deepest record's depth, and the string values of all records (one a line) as the text.
 */
@Injectable()
@FileProcessor('ndjson', 'jsonl')
export class NdjsonProcessor implements FileProcessorHandler {
  constructor(@Inject(JOB_QUEUE_OPTIONS) private readonly options: ResolvedJobQueueOptions) {}

  async process(context: ProcessingContext): Promise<ProcessingOutput> {
    context.progress.stage(ProcessingStage.READING);
    const summary = new JsonSummary(this.options.maxExtractedTextBytes);
    let line = 1;
    let recordCount = 0;
    let record = new JsonTokenizer(summary, line);
    const endLine = () => {
      if (record.end(true)) recordCount++;
      record = new JsonTokenizer(summary, ++line);
    };
    await parsing(
      async () => {
        for await (const text of readText(context)) {
          let start = 0;
          for (let newline = text.indexOf('\n'); newline !== -1; newline = text.indexOf('\n', start)) {
            record.write(text.slice(start, newline));
            endLine();
            start = newline + 1;
          }
          record.write(text.slice(start));
        }
        endLine();
      },
      (error) =>
        `Malformed NDJSON: the record on line ${error.line} is not valid JSON: ${error.detail} at column ${error.column}`,
    );
    context.progress.stage(ProcessingStage.EXTRACTING);
    return textOutput(summary.extracted, {
      valid: true,
      topLevelType: 'records',
      recordCount,
      maxDepth: summary.maxDepth,
    });
  }
}
