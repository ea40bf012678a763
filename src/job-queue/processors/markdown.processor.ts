import { Inject, Injectable } from '@nestjs/common';
import type MarkdownIt from 'markdown-it';
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
import { CappedText, countCharacters } from './text-decoding';
import { countLines, MAX_WHOLE_TEXT_BYTES, readWholeText, textOutput } from './text-streams';

type Token = MarkdownIt.Token;

/** The outline keeps at most this many headings (headingCount counts them all). */
const MAX_OUTLINE = 1000;

export interface MarkdownHeading {
  level: number;
  text: string;
}

/**
 * CommonMark with GitHub tables and strikethrough; raw HTML is recognised (to be left out), bare URLs are not links.
 * Built at the first Markdown job, not at boot: markdown-it is 13 modules and 0.7 MB of live heap (measured booted).
 */
const markdownParser = lazyModule(async () => {
  const { default: MarkdownIt } = await import('markdown-it');
  return new MarkdownIt('default', { html: true, linkify: false, typographer: false });
});

/** Raw HTML in Markdown keeps its text (entities decoded): not its tags, comments, scripts or styles. */
const stripTags = (html: string, unescapeAll: (text: string) => string) => {
  const text = html.replace(/<(script|style)\b[\s\S]*?<\/\1\s*>|<!--[\s\S]*?-->|<[^>]*>/gi, '');
  return unescapeAll(text.replace(/\s+/g, ' ').trim());
};

/** The plain text of an inline token's children; counts the links it meets. */
function inlineText(children: Token[] | null, links: { count: number }): string {
  let text = '';
  for (const child of children ?? []) {
    switch (child.type) {
      case 'text':
      case 'text_special':
      case 'code_inline':
        text += child.content;
        break;
      case 'softbreak':
      case 'hardbreak':
        text += '\n';
        break;
      case 'image':
        text += inlineText(child.children, links);
        break;
      case 'link_open':
        links.count++;
        break;
    }
  }
  return text;
}

/**
 * What the token stream of a document holds: its text (a line per block, table cells tab-separated), outline, links.
 * `unescapeAll` is the parser's own entity decoder, for the text of raw HTML blocks.
 */
export function extractMarkdown(tokens: Token[], maxTextBytes: number, unescapeAll: (text: string) => string) {
  const text = new CappedText(maxTextBytes);
  const links = { count: 0 };
  const headings: MarkdownHeading[] = [];
  let headingCount = 0;
  let blocks = 0;
  let row: string[] | null = null;
  const block = (content: string) => {
    if (!content) return;
    if (blocks++ > 0) text.append('\n');
    text.append(content);
  };
  for (let index = 0; index < tokens.length; index++) {
    const token = tokens[index];
    switch (token.type) {
      case 'inline': {
        const content = inlineText(token.children, links);
        if (row) row.push(content);
        else block(content);
        if (tokens[index - 1]?.type === 'heading_open' && headingCount++ < MAX_OUTLINE) {
          headings.push({ level: Number(tokens[index - 1].tag.slice(1)), text: content });
        }
        break;
      }
      case 'fence':
      case 'code_block':
        block(token.content.replace(/\n$/, ''));
        break;
      case 'html_block':
        block(stripTags(token.content, unescapeAll));
        break;
      case 'tr_open':
        row = [];
        break;
      case 'tr_close':
        block(row!.join('\t'));
        row = null;
        break;
    }
  }
  return { text, headings, headingCount, linkCount: links.count };
}

/**
 * Markdown (CommonMark with GitHub tables and strikethrough, through markdown-it): the text without markup, the
 * outline of headings and the link count. The parser needs the whole document, so files over 64 MiB are refused.
 */
@Injectable()
@FileProcessor('md', 'markdown')
export class MarkdownProcessor implements FileProcessorHandler {
  constructor(@Inject(JOB_QUEUE_OPTIONS) private readonly options: ResolvedJobQueueOptions) {}

  async process(context: ProcessingContext): Promise<ProcessingOutput> {
    context.progress.stage(ProcessingStage.READING);
    const source = await readWholeText(context, MAX_WHOLE_TEXT_BYTES);
    context.progress.stage(ProcessingStage.PARSING);
    const markdown = await markdownParser();
    const tokens = markdown.parse(source, {});
    context.signal.throwIfAborted();
    context.progress.stage(ProcessingStage.EXTRACTING);
    const { text, headings, headingCount, linkCount } = extractMarkdown(
      tokens,
      this.options.maxExtractedTextBytes,
      (html) => markdown.utils.unescapeAll(html),
    );
    return textOutput(text, {
      headings,
      headingCount,
      linkCount,
      lines: countLines(source),
      characters: countCharacters(source),
    });
  }
}
