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
import { readWholeFile } from './binary-input';
import { DocxReadError, extractDocxText } from './docx-extraction';
import { parserLimits } from './parser-thread';
import { confirmSignature, malformed } from './processor-kit';
import { CappedText, countCharacters } from './text-decoding';

/** Words as the default analyzer counts them: a letter or digit, then letters, digits, marks, apostrophes, - and _. */
const WORD = /[\p{L}\p{N}][\p{L}\p{N}\p{M}'’_-]*/gu;

const DC = 'http://purl.org/dc/elements/1.1/';
const DCTERMS = 'http://purl.org/dc/terms/';
/** Document properties of docProps/core.xml: [namespace, element, metadata key, is a date]. */
const CORE_PROPERTIES: [string, string, string, boolean][] = [
  [DC, 'title', 'title', false],
  [DC, 'creator', 'author', false],
  [DC, 'subject', 'subject', false],
  [DCTERMS, 'created', 'creationDate', true],
  [DCTERMS, 'modified', 'modificationDate', true],
];

/**
 * Word (.docx): the text of the document's paragraphs (mammoth's raw text; paragraphs separated by a blank line,
 * empty ones left out), with paragraph, word and character counts and the title, author, subject and dates of
 * docProps/core.xml when present.
 */
@Injectable()
@FileProcessor('docx')
export class DocxProcessor implements FileProcessorHandler {
  constructor(@Inject(JOB_QUEUE_OPTIONS) private readonly options: ResolvedJobQueueOptions) {}

  async process(context: ProcessingContext): Promise<ProcessingOutput> {
    await confirmSignature(context, 'zip');
    const data = await readWholeFile(context);
    context.progress.stage(ProcessingStage.PARSING);
    let properties: Record<string, string> = {};
    let raw: string;
    try {
      raw = await extractDocxText(data, CORE_PROPERTY_ELEMENTS, parserLimits(context, this.options), {
        signal: context.signal,
        onOpened: (values) => {
          properties = coreProperties(values);
          context.progress.stage(ProcessingStage.EXTRACTING);
        },
      });
    } catch (error) {
      throw readFailure(context, error);
    }
    const paragraphs = raw
      .split('\n\n')
      .map((paragraph) => paragraph.trim())
      .filter(Boolean);
    const fullText = paragraphs.join('\n\n');
    const text = new CappedText(this.options.maxExtractedTextBytes);
    text.append(fullText);
    return {
      extractedText: text.toString(),
      metadata: {
        ...properties,
        paragraphCount: paragraphs.length,
        wordCount: fullText.match(WORD)?.length ?? 0,
        characters: countCharacters(fullText),
        textBytes: text.totalBytes,
        truncated: text.truncated,
      },
    };
  }
}

const CORE_PROPERTY_ELEMENTS = CORE_PROPERTIES.map(([namespace, element]) => ({ namespace, element }));

/** Title, author, subject and dates of docProps/core.xml, from their texts in CORE_PROPERTIES' order. */
function coreProperties(values: (string | null)[]): Record<string, string> {
  const properties: Record<string, string> = {};
  CORE_PROPERTIES.forEach(([, , key, isDate], index) => {
    const value = values[index];
    if (!value) return;
    if (!isDate) properties[key] = value;
    else if (!Number.isNaN(Date.parse(value))) properties[key] = new Date(value).toISOString();
  });
  return properties;
}

/** What the job fails with when the document could not be read (what else was thrown, as it was). */
function readFailure(context: ProcessingContext, error: unknown): unknown {
  const name = context.job.fileName;
  if (!(error instanceof DocxReadError)) return error;
  if (error.part === 'archive')
    return malformed(`${name} is not a readable DOCX file: its ZIP archive is damaged (${error.message})`, error);
  return malformed(`${name} is not a readable DOCX file: ${error.message}`, error);
}
