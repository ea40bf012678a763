import { ProcessingStage } from '../../src/job-queue';
import type { ResolvedJobQueueOptions } from '../../src/job-queue/job-queue.options';
import { CsvProcessor, MAX_COLUMNS } from '../../src/job-queue/processors/csv.processor';
import { cellType, detectDelimiter, looksLikeHeader, mergeType } from '../../src/job-queue/processors/csv-table';
import { HtmlProcessor, MAX_ELEMENT_DEPTH } from '../../src/job-queue/processors/html.processor';
import { JsonProcessor, NdjsonProcessor } from '../../src/job-queue/processors/json.processor';
import { MarkdownProcessor } from '../../src/job-queue/processors/markdown.processor';
import { MAX_WHOLE_TEXT_BYTES, readWholeText } from '../../src/job-queue/processors/text-streams';
import { ProcessorFiles } from '../support/processing-context';

const options = (maxExtractedTextBytes = 1024 * 1024) => ({ maxExtractedTextBytes }) as ResolvedJobQueueOptions;
const PROCESSORS = {
  csv: (max?: number) => new CsvProcessor(options(max)),
  json: (max?: number) => new JsonProcessor(options(max)),
  ndjson: (max?: number) => new NdjsonProcessor(options(max)),
  md: (max?: number) => new MarkdownProcessor(options(max)),
  html: (max?: number) => new HtmlProcessor(options(max)),
};

describe('Text-format processors, run directly', () => {
  const files = new ProcessorFiles();
  afterAll(() => files.remove());

  const run = (format: keyof typeof PROCESSORS, content: string | Buffer, max?: number) => {
    const { context, progress } = files.context(`sample.${format}`, content);
    return { output: PROCESSORS[format](max).process(context), progress, context };
  };

  describe('CSV table helpers', () => {
    it('detects the delimiter of the first record, ignoring quoted ones; comma wins ties and empty input', () => {
      expect(detectDelimiter('"a,b,c"|d|e\n1,2,3,4')).toBe('|');
      expect(detectDelimiter('a\tb\tc;d\n')).toBe('\t');
      expect(detectDelimiter('a;b,c\n')).toBe(',');
      expect(detectDelimiter('"x\ny;z";w;v')).toBe(';');
      expect(detectDelimiter('')).toBe(',');
    });

    it('types cells and widens column types', () => {
      expect(
        [
          '42',
          '-7',
          '3.5',
          '.5',
          '1e3',
          'True',
          '2024-02-29',
          '2024-02-29T10:00:00Z',
          '',
          '  ',
          'x',
          '12a',
          '2024-13-45',
        ].map(cellType),
      ).toEqual([
        'integer',
        'integer',
        'number',
        'number',
        'number',
        'boolean',
        'date',
        'date',
        'empty',
        'empty',
        'string',
        'string',
        'string',
      ]);
      expect(mergeType('empty', 'integer')).toBe('integer');
      expect(mergeType('integer', 'empty')).toBe('integer');
      expect(mergeType('integer', 'number')).toBe('number');
      expect(mergeType('date', 'integer')).toBe('string');
    });

    it('takes a first row for a header only when it is distinct text above rows of another type', () => {
      expect(looksLikeHeader(['id', 'name'], ['1', 'Ann'])).toBe(true);
      expect(looksLikeHeader(['name', 'city'], ['Ann', 'Paris'])).toBe(false);
      expect(looksLikeHeader(['a', 'a'], ['1', '2'])).toBe(false);
      expect(looksLikeHeader(['1', 'name'], ['2', 'Ann'])).toBe(false);
      expect(looksLikeHeader(['id', 'name'], undefined)).toBe(false);
    });
  });

  it('streams a large CSV in O(columns) memory, reporting READING with bytes, then EXTRACTING', async () => {
    const rows = Array.from({ length: 30_000 }, (_, index) => `${index},item ${index},${index % 2 === 0}`);
    const csv = `n,label,even\n${rows.join('\n')}\n`;
    const { output, progress } = run('csv', csv, 64);
    const result = await output;
    expect(result.metadata).toMatchObject({
      rowCount: 30_000,
      hasHeader: true,
      columnTypes: { n: 'integer', label: 'string', even: 'boolean' },
    });
    expect(result.metadata).toMatchObject({
      truncated: true,
      textBytes: Buffer.byteLength(csv.replace(/,/g, '\t').trimEnd()),
    });
    expect(Buffer.byteLength(result.extractedText!)).toBe(64);
    expect(progress.stages).toEqual([ProcessingStage.READING, ProcessingStage.EXTRACTING]);
    expect(progress.bytesReported.length).toBeGreaterThan(1);
    expect(progress.bytesReported[progress.bytesReported.length - 1]).toBe(Buffer.byteLength(csv));
  });

  it('names the line an unclosed quote opens on, after many chunks of records', async () => {
    const csv = `a,b\n${'1,"x\ny"\n'.repeat(20_000)}\n2,"never closed\n3,4\n`;
    await expect(run('csv', csv).output).rejects.toMatchObject({
      code: 'MALFORMED_FILE',
      message: expect.stringMatching(
        /^Malformed CSV at line 40004: a quoted field opened on line 40003 is never closed/,
      ),
    });
  });

  it('reads NDJSON records across chunk boundaries and long JSON strings with escapes split between chunks', async () => {
    const records = Array.from({ length: 5000 }, (_, index) =>
      JSON.stringify({ index, text: `record ${index} ${'x'.repeat(80)}` }),
    );
    const ndjson = await run('ndjson', records.join('\n')).output;
    expect(ndjson.metadata).toMatchObject({ recordCount: 5000, maxDepth: 1, truncated: false });
    expect(ndjson.extractedText!.split('\n')).toHaveLength(5000);

    const long = 'é😀\n"'.repeat(50_000);
    const json = await run('json', JSON.stringify({ long })).output;
    expect(json.extractedText).toBe(long);
    expect(json.metadata).toEqual({
      valid: true,
      topLevelType: 'object',
      keyCount: 1,
      maxDepth: 1,
      textBytes: Buffer.byteLength(long),
      truncated: false,
    });
  });

  it('reads UTF-16 JSON by its byte-order mark', async () => {
    const content = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('["grüße"]', 'utf16le')]);
    expect((await run('json', content).output).extractedText).toBe('grüße');
  });

  it('decodes HTML by its meta charset when there is no byte-order mark', async () => {
    const content = Buffer.concat([
      Buffer.from('<meta charset="windows-1252"><p>caf'),
      Buffer.from([0xe9, 0x80]),
      Buffer.from('</p>'),
    ]);
    expect((await run('html', content).output).extractedText).toBe('café€');
  });

  it("takes the first <title> as the title; later ones (an SVG icon's) are not text", async () => {
    const html = '<title>Page</title><body><svg><title>icon</title></svg><p>x &lt; y</p><title>again</title>';
    expect(await run('html', html).output).toMatchObject({
      extractedText: 'x < y',
      metadata: { title: 'Page', linkCount: 0, characters: 5 },
    });
  });

  it(`refuses a CSV record of more than ${MAX_COLUMNS} fields, each of which the table would keep a name and type for`, async () => {
    const row = (fields: number) => Array.from({ length: fields }, (_, index) => `c${index}`).join(',');
    const widest = await run('csv', `${row(MAX_COLUMNS)}\n${row(MAX_COLUMNS)}\n`).output;
    expect((widest.metadata as { columns: string[] }).columns).toHaveLength(MAX_COLUMNS);
    // The first record decides: csv-parse refuses any later one of another length itself.
    await expect(run('csv', `${row(MAX_COLUMNS + 1)}\n${row(MAX_COLUMNS + 1)}\n`).output).rejects.toMatchObject({
      code: 'MALFORMED_FILE',
      recoverable: false,
      message: `Malformed CSV at line 1: a record of ${MAX_COLUMNS + 1} fields, more than the ${MAX_COLUMNS} columns read`,
    });
  });

  it(`refuses HTML whose elements nest deeper than ${MAX_ELEMENT_DEPTH}, which htmlparser2 holds at a quadratic cost`, async () => {
    const nested = (depth: number) => `${'<div>'.repeat(depth)}deep${'</div>'.repeat(depth)}`;
    expect(await run('html', nested(MAX_ELEMENT_DEPTH)).output).toMatchObject({ extractedText: 'deep' });
    await expect(run('html', nested(MAX_ELEMENT_DEPTH + 1)).output).rejects.toMatchObject({
      code: 'MALFORMED_FILE',
      recoverable: false,
      message: `sample.html: its elements nest more than ${MAX_ELEMENT_DEPTH} deep`,
    });
    // Control: elements closed by the parser count as closed (void ones, <p> ended by the next, </p> alone, the end).
    const flat = '<p>a<br><img src=x><p>b</p></p><li>c<li>d'.repeat(5 * MAX_ELEMENT_DEPTH) + '<div>'.repeat(100);
    expect(await run('html', flat).output).toMatchObject({ metadata: { linkCount: 0 } });
  });

  it('keeps the Markdown outline to the configured text cap and reports PARSING between reading and extracting', async () => {
    const { output, progress } = run('md', '# One\n\ntext *here*\n', 5);
    expect(await output).toEqual({
      extractedText: 'One\nt',
      metadata: {
        headings: [{ level: 1, text: 'One' }],
        headingCount: 1,
        linkCount: 0,
        lines: 3,
        characters: 19,
        textBytes: 13,
        truncated: true,
      },
    });
    expect(progress.stages).toEqual([ProcessingStage.READING, ProcessingStage.PARSING, ProcessingStage.EXTRACTING]);
  });

  it('reduces raw HTML blocks in Markdown to their text', async () => {
    const markdown =
      '<div>\n<script>track()</script>\n<b>Bold</b> &amp; text <!-- note -->\n</div>\n\nAfter <kbd>Ctrl</kbd>\n';
    expect((await run('md', markdown).output).extractedText).toBe('Bold & text\nAfter Ctrl');
  });

  it('refuses Markdown larger than it can hold, before reading it', async () => {
    const { context } = files.context('big.md', '# small really');
    const claimed = { ...context, job: { ...context.job, fileSize: BigInt(MAX_WHOLE_TEXT_BYTES + 1) } };
    await expect(new MarkdownProcessor(options()).process(claimed)).rejects.toMatchObject({
      code: 'FILE_TOO_LARGE',
      recoverable: false,
    });
    await expect(readWholeText(context, 4)).rejects.toMatchObject({ code: 'FILE_TOO_LARGE' });
  });

  it.each(Object.keys(PROCESSORS) as (keyof typeof PROCESSORS)[])(
    '%s stops with the reason when the signal aborts mid-file',
    async (format) => {
      const { context, progress } = files.context(`sample.${format}`, JSON.stringify('a'.repeat(300_000)));
      const controller = new AbortController();
      const reason = new Error('cancelled by test');
      const report = progress.bytes.bind(progress);
      progress.bytes = (bytes) => {
        report(bytes);
        controller.abort(reason);
      };
      await expect(PROCESSORS[format]().process({ ...context, signal: controller.signal })).rejects.toBe(reason);
      expect(progress.bytesReported).toHaveLength(1);
    },
  );
});
