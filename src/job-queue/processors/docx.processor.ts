import { Inject, Injectable } from '@nestjs/common';
import type { DOMParser as XmlDomParser } from '@xmldom/xmldom';
import type JSZip from 'jszip';
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
import { lazyModule } from './lazy-module';
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
 * Loaded at the first DOCX job, not at boot: mammoth, JSZip and xmldom are 153 modules and 2.4 MB of live heap, the
 * largest part of the 10 MB that lazy parsers took off the booted service's RSS (157 → 147 MB, compiled, SQLite).
 */
const docxLibraries = lazyModule(async () => {
  const [mammoth, jszip, xmldom] = await Promise.all([import('mammoth'), import('jszip'), import('@xmldom/xmldom')]);
  return { mammoth: mammoth.default, JSZip: jszip.default, DOMParser: xmldom.DOMParser };
});

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
    const name = context.job.fileName;
    const { mammoth, JSZip, DOMParser } = await docxLibraries();
    const archive = await JSZip.loadAsync(data).catch((error: Error) => {
      throw malformed(`${name} is not a readable DOCX file: its ZIP archive is damaged (${error.message})`, error);
    });
    const properties = await coreProperties(archive, DOMParser);
    context.signal.throwIfAborted();
    context.progress.stage(ProcessingStage.EXTRACTING);
    const raw = await mammoth
      .extractRawText({ buffer: Buffer.from(data.buffer, data.byteOffset, data.byteLength) })
      .catch((error: Error) => {
        throw malformed(`${name} is not a readable DOCX file: ${error.message}`, error);
      });
    context.signal.throwIfAborted();
    const paragraphs = raw.value
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

/** Title, author, subject and dates of docProps/core.xml; none when it is missing or unreadable. */
async function coreProperties(archive: JSZip, DOMParser: typeof XmlDomParser): Promise<Record<string, string>> {
  const xml = await archive
    .file('docProps/core.xml')
    ?.async('string')
    .catch(() => undefined);
  if (!xml) return {};
  const quiet = () => undefined;
  const document = new DOMParser({ errorHandler: { warning: quiet, error: quiet, fatalError: quiet } }).parseFromString(
    xml,
    'text/xml',
  );
  const properties: Record<string, string> = {};
  for (const [namespace, element, key, isDate] of CORE_PROPERTIES) {
    const value = document?.getElementsByTagNameNS(namespace, element).item(0)?.textContent?.trim();
    if (!value) continue;
    if (!isDate) properties[key] = value;
    else if (!Number.isNaN(Date.parse(value))) properties[key] = new Date(value).toISOString();
  }
  return properties;
}
