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
import { readHead } from './processor-kit';
import { CappedText, countCharacters, detectBom, type TextEncoding } from './text-decoding';

class NotUtf8 extends Error {}

/** Plain text: streams the file, keeps its text (up to the configured cap) and counts bytes, lines, characters. */
@Injectable()
@FileProcessor('txt', 'log', 'text')
export class TextProcessor implements FileProcessorHandler {
  constructor(@Inject(JOB_QUEUE_OPTIONS) private readonly options: ResolvedJobQueueOptions) {}

  async process(context: ProcessingContext): Promise<ProcessingOutput> {
    context.progress.stage(ProcessingStage.READING);
    const head = await readHead(context, 4);
    const bom = detectBom(head);
    let outcome: Awaited<ReturnType<TextProcessor['decode']>>;
    try {
      outcome = await this.decode(context, bom.encoding, bom.bomLength, bom.bomLength === 0);
    } catch (error) {
      if (!(error instanceof NotUtf8)) throw error;
      outcome = await this.decode(context, 'latin1', 0, false);
    }
    context.progress.stage(ProcessingStage.EXTRACTING);
    const { text, lines, characters, encoding } = outcome;
    return {
      extractedText: text.toString(),
      metadata: {
        bytes: Number(context.job.fileSize),
        lines,
        characters,
        encoding,
        textBytes: text.totalBytes,
        truncated: text.truncated,
      },
    };
  }

  private async decode(context: ProcessingContext, encoding: TextEncoding, skip: number, strictUtf8: boolean) {
    const decoder = new TextDecoder(encoding === 'latin1' ? 'latin1' : encoding, { fatal: strictUtf8 });
    const text = new CappedText(this.options.maxExtractedTextBytes);
    let lines = 0;
    let characters = 0;
    let lastChar = '';
    let bytesRead = 0;
    const take = (chunk: string) => {
      if (!chunk) return;
      text.append(chunk);
      characters += countCharacters(chunk);
      for (let index = chunk.indexOf('\n'); index !== -1; index = chunk.indexOf('\n', index + 1)) lines++;
      lastChar = chunk[chunk.length - 1];
    };
    for await (const chunk of context.openStream({ start: skip }) as AsyncIterable<Buffer>) {
      bytesRead += chunk.length;
      try {
        take(decoder.decode(chunk, { stream: true }));
      } catch {
        throw new NotUtf8();
      }
      context.progress.bytes(skip + bytesRead);
    }
    try {
      take(decoder.decode());
    } catch {
      throw new NotUtf8();
    }
    if (lastChar && lastChar !== '\n') lines++;
    return { text, lines, characters, encoding };
  }
}
