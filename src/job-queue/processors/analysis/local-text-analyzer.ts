import type { TextAnalyzer } from '../../processor-contract/text-analyzer';

const WORDS_PER_MINUTE = 200;
const TOP_TERMS = 10;
/** Terms shorter than this are mostly function words in any language; counting them tells little. */
const MIN_TERM_LENGTH = 4;

/**
 * The default analyzer, local and language-neutral: word count, the most frequent terms (letters and digits in any
 * script, case-folded, at least four characters, numbers left out) and reading time at 200 words a minute.
 */
export class LocalTextAnalyzer implements TextAnalyzer {
  analyze({ text }: { text: string }): Promise<Record<string, unknown>> {
    const counts = new Map<string, number>();
    let words = 0;
    for (const match of text.matchAll(/[\p{L}\p{N}][\p{L}\p{N}\p{M}'’_-]*/gu)) {
      words++;
      const term = match[0].toLocaleLowerCase();
      if ([...term].length < MIN_TERM_LENGTH || /^[\p{N}.,_-]+$/u.test(term)) continue;
      counts.set(term, (counts.get(term) ?? 0) + 1);
    }
    const topTerms = [...counts]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, TOP_TERMS)
      .map(([term, count]) => ({ term, count }));
    return Promise.resolve({
      wordCount: words,
      topTerms,
      readingTimeMinutes: Math.round((words / WORDS_PER_MINUTE) * 10) / 10,
    });
  }
}
