import { Inject, Injectable } from '@nestjs/common';
import { ProcessingStage } from '../common/job.enums';
import { JOB_QUEUE_OPTIONS } from '../job-queue.constants';
import type { ResolvedJobQueueOptions } from '../job-queue.options';
import { NonRecoverableError } from '../retry/processing-error';
import { FileProcessor } from '../processor-contract/file-processor.decorator';
import type {
  FileProcessorHandler,
  ProcessingContext,
  ProcessingOutput,
} from '../processor-contract/file-processor.interface';
import { readWholeFile } from './binary-input';
import { parserLimits } from './parser-thread';
import { extractPdfText, PdfReadError, type PdfDocumentInfo } from './pdf-extraction';
import { confirmSignature, malformed } from './processor-kit';
import { CappedText, countCharacters } from './text-decoding';

/** Between the texts of two pages in extractedText. */
export const PAGE_SEPARATOR = '\f';

/** A PDF that needs a password to open: not malformed, but nothing can be read without it. */
export const PASSWORD_PROTECTED = 'PASSWORD_PROTECTED';

/**
 * PDF: the text of every page (pages separated by a form feed), with the page count, each page's length and the
 * document information (title, author, dates, …). Parsing runs in a worker thread (see pdf-extraction.ts).
 */
@Injectable()
@FileProcessor('pdf')
export class PdfProcessor implements FileProcessorHandler {
  constructor(@Inject(JOB_QUEUE_OPTIONS) private readonly options: ResolvedJobQueueOptions) {}

  async process(context: ProcessingContext): Promise<ProcessingOutput> {
    await confirmSignature(context, 'pdf');
    const data = await readWholeFile(context);
    context.progress.stage(ProcessingStage.PARSING);
    const text = new CappedText(this.options.maxExtractedTextBytes);
    const pages: { number: number; characters: number }[] = [];
    let document: PdfDocumentInfo | undefined;
    try {
      await extractPdfText(data, parserLimits(context, this.options), {
        signal: context.signal,
        onDocument: (info) => {
          document = info;
          context.progress.stage(
            ProcessingStage.EXTRACTING,
            `${info.pageCount} page${info.pageCount === 1 ? '' : 's'}`,
          );
        },
        onPage: (page) => {
          if (page.number > 1) text.append(PAGE_SEPARATOR);
          text.append(page.text);
          pages.push({ number: page.number, characters: countCharacters(page.text) });
        },
      });
    } catch (error) {
      if (error instanceof PdfReadError) throw readFailure(context, error);
      throw error;
    }
    const { pageCount, ...info } = document!;
    return {
      extractedText: text.toString(),
      metadata: { pageCount, ...info, pages, textBytes: text.totalBytes, truncated: text.truncated },
    };
  }
}

function readFailure(context: ProcessingContext, error: PdfReadError): NonRecoverableError {
  const name = context.job.fileName;
  if (error.kind === 'PasswordException') {
    return new NonRecoverableError(PASSWORD_PROTECTED, `${name} is encrypted and needs a password: ${error.message}`, {
      cause: error,
    });
  }
  const where = error.page ? ` (page ${error.page})` : '';
  return malformed(`${name} is not a readable PDF${where}: ${error.message}`, error);
}
