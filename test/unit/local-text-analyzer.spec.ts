import { LocalTextAnalyzer } from '../../src/job-queue/processors/analysis/local-text-analyzer';

describe('LocalTextAnalyzer', () => {
  const analyze = (text: string) => new LocalTextAnalyzer().analyze({ text });

  it('counts words, ranks terms of four or more letters and estimates reading time', async () => {
    const text = 'Queue jobs, queue files! The queue runs; files wait. 2026 numbers are not terms. Über über ÜBER.';
    expect(await analyze(text)).toEqual({
      wordCount: 17,
      topTerms: [
        { term: 'queue', count: 3 },
        { term: 'über', count: 3 },
        { term: 'files', count: 2 },
        { term: 'jobs', count: 1 },
        { term: 'numbers', count: 1 },
        { term: 'runs', count: 1 },
        { term: 'terms', count: 1 },
        { term: 'wait', count: 1 },
      ],
      readingTimeMinutes: 0.1,
    });
  });

  it('treats any script alike and handles empty text', async () => {
    expect(await analyze('')).toEqual({ wordCount: 0, topTerms: [], readingTimeMinutes: 0 });
    const result = await analyze('данные данные очередь 数据处理 数据处理');
    expect(result.wordCount).toBe(5);
    expect(result.topTerms).toEqual([
      { term: 'данные', count: 2 },
      { term: '数据处理', count: 2 },
      { term: 'очередь', count: 1 },
    ]);
  });

  it('reads 200 words a minute', async () => {
    expect((await analyze('word '.repeat(500))).readingTimeMinutes).toBe(2.5);
  });
});
