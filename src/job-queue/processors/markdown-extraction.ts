import MarkdownIt from 'markdown-it';
import { CappedText } from './text-decoding';

/**
 * What the Markdown processor extracts, as plain data: run in a parser thread (markdown-thread.ts), whose result is
 * copied back to the main thread. markdown-it holds every token of the document at once: 4 MB of one-word list items
 * were 5.2 million tokens, 1.2 GB of heap and 6 s; 16 MB ended the process out of memory, under the 64 MiB that
 * the processor reads.
 */

type Token = MarkdownIt.Token;

/** The outline keeps at most this many headings (headingCount counts them all). */
const MAX_OUTLINE = 1000;

export interface MarkdownHeading {
  level: number;
  text: string;
}

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
function extractFromTokens(tokens: Token[], maxTextBytes: number, unescapeAll: (text: string) => string) {
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

export interface MarkdownExtraction {
  text: string;
  textBytes: number;
  truncated: boolean;
  headings: MarkdownHeading[];
  headingCount: number;
  linkCount: number;
}

/**
 * Parses `source` (CommonMark with GitHub tables and strikethrough; raw HTML recognised, to be left out; bare URLs
 * are not links) and extracts its text, outline and links. `parsed` is called between the two.
 */
export function extractMarkdown(source: string, maxTextBytes: number, parsed: () => void): MarkdownExtraction {
  const markdown = new MarkdownIt('default', { html: true, linkify: false, typographer: false });
  const tokens = markdown.parse(source, {});
  parsed();
  const { text, ...found } = extractFromTokens(tokens, maxTextBytes, (html) => markdown.utils.unescapeAll(html));
  return { text: text.toString(), textBytes: text.totalBytes, truncated: text.truncated, ...found };
}
