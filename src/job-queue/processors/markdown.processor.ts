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
import type { MarkdownExtraction } from './markdown-extraction';
import type { MarkdownThreadMessage } from './markdown-thread';
import { parserLimits, runParserThread } from './parser-thread';
import { countCharacters } from './text-decoding';
import { countLines, MAX_WHOLE_TEXT_BYTES, readWholeText } from './text-streams';

/**
 * Markdown (CommonMark with GitHub tables and strikethrough, through markdown-it): the text without markup, the
 * outline of headings and the link count. The parser needs the whole document, so files over 64 MiB are refused, and
 * it runs in a parser thread (markdown-thread.ts), whose heap is capped: it holds every token at once.
 */
@Injectable()
@FileProcessor('md', 'markdown')
export class MarkdownProcessor implements FileProcessorHandler {
  constructor(@Inject(JOB_QUEUE_OPTIONS) private readonly options: ResolvedJobQueueOptions) {}

  async process(context: ProcessingContext): Promise<ProcessingOutput> {
    context.progress.stage(ProcessingStage.READING);
    const source = await readWholeText(context, MAX_WHOLE_TEXT_BYTES);
    context.progress.stage(ProcessingStage.PARSING);
    const { text, textBytes, truncated, headings, headingCount, linkCount } = await runParserThread<
      MarkdownThreadMessage,
      MarkdownExtraction
    >({
      ...parserLimits(context, this.options),
      name: 'Markdown',
      script: { module: 'markdown-thread' },
      workerData: { markdownThread: { source, maxTextBytes: this.options.maxExtractedTextBytes } },
      signal: context.signal,
      onMessage: (message, done) => {
        if (message.type === 'parsed') context.progress.stage(ProcessingStage.EXTRACTING);
        else done(message.extraction);
      },
    });
    return {
      extractedText: text,
      metadata: {
        headings,
        headingCount,
        linkCount,
        lines: countLines(source),
        characters: countCharacters(source),
        textBytes,
        truncated,
      },
    };
  }
}
