import { Inject, Injectable } from '@nestjs/common';
import type { Parser } from 'htmlparser2';
import { ProcessingStage } from '../common/job.enums';
import { JOB_QUEUE_OPTIONS } from '../job-queue.constants';
import type { ResolvedJobQueueOptions } from '../job-queue.options';
import { FileProcessor } from '../processor-contract/file-processor.decorator';
import type {
  FileProcessorHandler,
  ProcessingContext,
  ProcessingOutput,
} from '../processor-contract/file-processor.interface';
import { lazyModule } from './lazy-module';
import { malformed } from './processor-kit';
import { CappedText, countCharacters } from './text-decoding';
import { readText, textOutput } from './text-streams';

/** Elements whose content is never shown. */
const HIDDEN = new Set(['script', 'style', 'noscript', 'template']);
/** Elements that start and end a line of text. */
const BLOCKS = new Set([
  'address',
  'article',
  'aside',
  'blockquote',
  'body',
  'br',
  'caption',
  'dd',
  'details',
  'dialog',
  'div',
  'dl',
  'dt',
  'fieldset',
  'figcaption',
  'figure',
  'footer',
  'form',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'header',
  'hgroup',
  'hr',
  'html',
  'legend',
  'li',
  'main',
  'nav',
  'ol',
  'option',
  'p',
  'pre',
  'section',
  'summary',
  'table',
  'tbody',
  'tfoot',
  'thead',
  'tr',
  'ul',
]);
/** Elements whose neighbours are at least a space apart. */
const CELLS = new Set(['td', 'th']);
const MAX_TITLE_CHARACTERS = 1000;

/**
 * Elements open at once, at most. htmlparser2 keeps its open elements in an array it grows at the front, so each
 * new one moves all the others: 80,000 unclosed <div> (391 KB) took 3.5 s and 1 MB ~22 s, on the main thread, where
 * the job's lease renewals and every other job waited. Chromium's parser stops nesting at 512; a page deeper than
 * this fails as malformed (4,096 cost htmlparser2 a few milliseconds).
 */
export const MAX_ELEMENT_DEPTH = 4096;

/** The document nests its elements deeper than MAX_ELEMENT_DEPTH. */
export class HtmlTooDeepError extends Error {
  constructor() {
    super(`its elements nest more than ${MAX_ELEMENT_DEPTH} deep`);
    this.name = 'HtmlTooDeepError';
  }
}

/** Loaded at the first HTML job, not at boot: htmlparser2 is 30 modules and 0.6 MB of live heap (measured booted). */
const htmlParser = lazyModule(async () => (await import('htmlparser2')).Parser);

/** A <meta charset> (or http-equiv content-type) in the first bytes names the encoding when there is no BOM. */
export function metaCharset(head: Buffer): string | null {
  const match = /<meta[^>]*?charset\s*=\s*["']?\s*([\w.:-]+)/i.exec(head.subarray(0, 4096).toString('latin1'));
  return match ? match[1] : null;
}

/** Visible text with whitespace collapsed: runs of spaces become one, block boundaries one line break. */
class VisibleText {
  readonly text: CappedText;
  characters = 0;
  private started = false;
  private space = false;
  private lineBreak = false;

  constructor(maxBytes: number) {
    this.text = new CappedText(maxBytes);
  }

  add(data: string): void {
    let start = 0;
    for (const gap of data.matchAll(/\s+/g)) {
      this.word(data.slice(start, gap.index));
      this.space = true;
      start = gap.index + gap[0].length;
    }
    this.word(data.slice(start));
  }

  breakLine(): void {
    this.lineBreak = true;
  }

  separate(): void {
    this.space = true;
  }

  private word(word: string): void {
    if (!word) return;
    if (this.started && (this.lineBreak || this.space)) this.write(this.lineBreak ? '\n' : ' ');
    this.write(word);
    this.started = true;
    this.space = this.lineBreak = false;
  }

  private write(text: string): void {
    this.text.append(text);
    this.characters += countCharacters(text);
  }
}

/** What an HTML document shows: its text, title and links, gathered from htmlparser2's events as the bytes arrive. */
export class HtmlTextExtractor {
  readonly visible: VisibleText;
  title: string | null = null;
  linkCount = 0;
  private hiddenDepth = 0;
  /** Elements open in the parser (each open has its close: a void element's, or an implied one, comes at once). */
  private depth = 0;
  private inTitle = false;
  /** Inside the first <title>: later ones (an SVG's) are neither the title nor visible text. */
  private readingTitle = false;
  private readonly parser: Parser;

  /** `HtmlParser` is htmlparser2's Parser class (loaded at the first HTML job). */
  constructor(maxTextBytes: number, HtmlParser: typeof Parser) {
    this.visible = new VisibleText(maxTextBytes);
    this.parser = new HtmlParser(
      {
        onopentag: (name, attributes) => this.open(name, attributes),
        onclosetag: (name) => this.close(name),
        ontext: (data) => this.onText(data),
      },
      { decodeEntities: true },
    );
  }

  write(html: string): void {
    this.parser.write(html);
  }

  end(): void {
    this.parser.end();
    if (this.title !== null) this.title = this.title.replace(/\s+/g, ' ').trim();
  }

  private open(name: string, attributes: Record<string, string>): void {
    if (++this.depth > MAX_ELEMENT_DEPTH) throw new HtmlTooDeepError();
    if (HIDDEN.has(name)) this.hiddenDepth++;
    if (this.hiddenDepth > 0) return;
    if (name === 'title') {
      this.inTitle = true;
      this.readingTitle = this.title === null;
      this.title ??= '';
    }
    if (name === 'a' && 'href' in attributes) this.linkCount++;
    this.boundary(name);
  }

  private close(name: string): void {
    this.depth--;
    if (HIDDEN.has(name)) {
      this.hiddenDepth = Math.max(0, this.hiddenDepth - 1);
      return;
    }
    if (this.hiddenDepth > 0) return;
    if (name === 'title') this.inTitle = false;
    this.boundary(name);
  }

  private boundary(name: string): void {
    if (BLOCKS.has(name)) this.visible.breakLine();
    else if (CELLS.has(name)) this.visible.separate();
  }

  private onText(data: string): void {
    if (this.hiddenDepth > 0) return;
    if (!this.inTitle) this.visible.add(data);
    else if (this.readingTitle && this.title!.length < MAX_TITLE_CHARACTERS)
      this.title = (this.title + data).slice(0, MAX_TITLE_CHARACTERS);
  }
}

/**
 * HTML, streamed through htmlparser2: the visible text (no script, style, noscript or template content; block elements
 * on lines of their own; whitespace collapsed), the title and the number of links (a[href]).
 */
@Injectable()
@FileProcessor('html', 'htm')
export class HtmlProcessor implements FileProcessorHandler {
  constructor(@Inject(JOB_QUEUE_OPTIONS) private readonly options: ResolvedJobQueueOptions) {}

  async process(context: ProcessingContext): Promise<ProcessingOutput> {
    context.progress.stage(ProcessingStage.READING);
    const extractor = new HtmlTextExtractor(this.options.maxExtractedTextBytes, await htmlParser());
    try {
      for await (const html of readText(context, metaCharset)) extractor.write(html);
      extractor.end();
    } catch (error) {
      if (error instanceof HtmlTooDeepError) throw malformed(`${context.job.fileName}: ${error.message}`, error);
      throw error;
    }
    context.progress.stage(ProcessingStage.EXTRACTING);
    const { visible, title, linkCount } = extractor;
    return textOutput(visible.text, { title, linkCount, characters: visible.characters });
  }
}
