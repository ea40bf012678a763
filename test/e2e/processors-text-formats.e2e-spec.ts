import { uploadUntilSettled } from '../support/api-helpers';
import { databaseLabel } from '../support/database';
import { type TestApp, useTestApp } from '../support/test-app';

const JOB = `query($id: ID!) {
  job(id: $id) { status format extractedText metadata errorCode errorMessage errorRecoverable retryCount attempts { number outcome errorCode } }
}`;

/** textBytes and truncated of an extracted text kept whole. */
const whole = (text: string) => ({ textBytes: Buffer.byteLength(text), truncated: false });

describe(`Text-format processors, from upload to a finished job (${databaseLabel})`, () => {
  let service: TestApp;
  useTestApp({}, (started) => ({ service } = started));

  /** Uploads `content` as `name` and waits for its job to finish. */
  const processed = (name: string, content: string) => uploadUntilSettled(service, { name, content }, JOB, 15_000);

  async function completed(name: string, content: string) {
    const job = await processed(name, content);
    expect({ status: job.status, errorMessage: job.errorMessage }).toEqual({ status: 'COMPLETED', errorMessage: null });
    return job;
  }

  /** A malformed file fails at once, not retried, with a message naming where. */
  async function expectMalformed(name: string, content: string, where: RegExp) {
    const job = await processed(name, content);
    expect(job).toMatchObject({
      status: 'FAILED',
      errorCode: 'MALFORMED_FILE',
      errorRecoverable: false,
      retryCount: 0,
    });
    expect(job.attempts).toEqual([{ number: 1, outcome: 'FAILED', errorCode: 'MALFORMED_FILE' }]);
    expect(job.errorMessage).toMatch(where);
    return job.errorMessage as string;
  }

  describe('CSV and TSV', () => {
    it('reads a CSV with a header: column names, types from every value, data rows, the cells as text', async () => {
      const csv =
        'id,name,price,active,joined,notes\n1,Alice,3.5,true,2024-01-15,\n2,Bob,4,false,2024-02-01,\n3,Carol,,TRUE,2024-03-10,\n';
      const job = await completed('products.csv', csv);
      const text =
        'id\tname\tprice\tactive\tjoined\tnotes\n1\tAlice\t3.5\ttrue\t2024-01-15\t\n2\tBob\t4\tfalse\t2024-02-01\t\n3\tCarol\t\tTRUE\t2024-03-10\t';
      expect(job.extractedText).toBe(text);
      expect(job.metadata).toEqual({
        delimiter: ',',
        hasHeader: true,
        columns: ['id', 'name', 'price', 'active', 'joined', 'notes'],
        rowCount: 3,
        columnTypes: {
          id: 'integer',
          name: 'string',
          price: 'number',
          active: 'boolean',
          joined: 'date',
          notes: 'empty',
        },
        ...whole(text),
      });
    });

    it('reads a TSV with tab as its delimiter', async () => {
      const job = await completed('cities.tsv', 'city\tpopulation\nParis\t2100000\nLyon\t513000\n');
      const text = 'city\tpopulation\nParis\t2100000\nLyon\t513000';
      expect(job.extractedText).toBe(text);
      expect(job.metadata).toEqual({
        delimiter: '\t',
        hasHeader: true,
        columns: ['city', 'population'],
        rowCount: 2,
        columnTypes: { city: 'string', population: 'integer' },
        ...whole(text),
      });
    });

    it('detects a semicolon delimiter and a table without header (generated column names, every row counted)', async () => {
      const job = await completed('values.csv', '1;2.5;x\n3;4;y\n');
      const text = '1\t2.5\tx\n3\t4\ty';
      expect(job.extractedText).toBe(text);
      expect(job.metadata).toEqual({
        delimiter: ';',
        hasHeader: false,
        columns: ['column_1', 'column_2', 'column_3'],
        rowCount: 2,
        columnTypes: { column_1: 'integer', column_2: 'number', column_3: 'string' },
        ...whole(text),
      });
    });

    it('keeps quoted fields whole: delimiters, escaped quotes and line breaks inside them', async () => {
      const csv = 'title,body,votes\n"Hello, world","line one\nline two",5\n"Say ""hi""","a|b;c",7\n';
      const job = await completed('posts.csv', csv);
      const text = 'title\tbody\tvotes\nHello, world\tline one line two\t5\nSay "hi"\ta|b;c\t7';
      expect(job.extractedText).toBe(text);
      expect(job.metadata).toEqual({
        delimiter: ',',
        hasHeader: true,
        columns: ['title', 'body', 'votes'],
        rowCount: 2,
        columnTypes: { title: 'string', body: 'string', votes: 'integer' },
        ...whole(text),
      });
    });

    it("fails an unclosed quote as MALFORMED_FILE naming the line it opens on and the parser's", async () => {
      const message = await expectMalformed('broken.csv', 'a,b\n"1\n2",3\n\n"open,3\n4,5\n', /line 5/);
      expect(message).toBe(
        'Malformed CSV at line 6: a quoted field opened on line 5 is never closed (Quote Not Closed: the parsing is finished with an opening quote at line 6)',
      );
    });

    it('fails a row with another column count as MALFORMED_FILE naming its line', async () => {
      await expectMalformed(
        'ragged.csv',
        'a,b,c\n1,2,3\n4,5\n',
        /^Malformed CSV at line 3: Invalid Record Length: expect 3, got 2/,
      );
    });
  });

  describe('JSON and NDJSON', () => {
    it('reads nested JSON: top-level keys, depth, and its string values one a line', async () => {
      const json = JSON.stringify(
        {
          name: 'queue',
          tags: ['fast', 'durable'],
          nested: { level2: { level3: [1, { deep: 'yes' }] } },
          count: 3,
          ok: true,
          none: null,
        },
        null,
        2,
      );
      const job = await completed('config.json', json);
      const text = 'queue\nfast\ndurable\nyes';
      expect(job.extractedText).toBe(text);
      expect(job.metadata).toEqual({ valid: true, topLevelType: 'object', keyCount: 6, maxDepth: 5, ...whole(text) });
    });

    it('counts the items of a top-level array', async () => {
      const job = await completed('list.json', '[1, "two", [3], {"four": "4"}, "caf\\u00e9"]');
      const text = 'two\n4\ncafé';
      expect(job.extractedText).toBe(text);
      expect(job.metadata).toEqual({ valid: true, topLevelType: 'array', itemCount: 5, maxDepth: 2, ...whole(text) });
    });

    it('fails broken JSON as MALFORMED_FILE naming the line and column', async () => {
      const broken = '{\n  "a": 1,\n  "b": [1, 2\n  "c": 3\n}\n';
      const message = await expectMalformed('broken.json', broken, /line 4, column 3/);
      expect(message).toBe(`Malformed JSON: expected ',' or ']' but found "\\"" at line 4, column 3`);
    });

    it('reads NDJSON line by line: records (blank lines skipped), the deepest record, string values', async () => {
      const ndjson = '{"id":1,"msg":"start","tags":["a"]}\n{"id":2,"msg":"next","meta":{"k":{"v":"deep"}}}\n\n[1,2]\n';
      const job = await completed('events.ndjson', ndjson);
      const text = 'start\na\nnext\ndeep';
      expect(job.extractedText).toBe(text);
      expect(job.metadata).toEqual({
        valid: true,
        topLevelType: 'records',
        recordCount: 3,
        maxDepth: 3,
        ...whole(text),
      });
    });

    it('reads .jsonl files as NDJSON too', async () => {
      const job = await completed('log.jsonl', '"one"\r\n"two"\r\n');
      expect(job.extractedText).toBe('one\ntwo');
      expect(job.metadata).toEqual({
        valid: true,
        topLevelType: 'records',
        recordCount: 2,
        maxDepth: 0,
        ...whole('one\ntwo'),
      });
    });

    it('fails a broken NDJSON line as MALFORMED_FILE naming its line', async () => {
      const message = await expectMalformed(
        'broken.ndjson',
        '{"id":1}\n{"id":2}\n{"id":3,\n{"id":4}\n',
        /the record on line 3 is not valid JSON/,
      );
      expect(message).toBe(
        'Malformed NDJSON: the record on line 3 is not valid JSON: unexpected end of input in an unclosed object at column 9',
      );
    });
  });

  describe('HTML', () => {
    it('keeps the visible text (no script, style, noscript, template), block elements on lines, whitespace collapsed', async () => {
      const html = [
        '<!DOCTYPE html>',
        '<html><head><title>  My   Page </title>',
        '<style>body { color: red }</style>',
        '<script>var x = "<p>not text</p>";</script>',
        '</head>',
        '<body>',
        '  <h1>Welcome</h1>',
        '  <p>Hello   <b>bold</b> world &amp; friends.</p>',
        '  <noscript>Enable JS</noscript>',
        '  <template><p>hidden <a href="/t">link</a></p></template>',
        '  <ul><li><a href="/a">First</a></li><li><a href="https://x.test/b">Second</a></li><li><a name="top">Not a link</a></li></ul>',
        '  <table><tr><td>c1</td><td>c2</td></tr></table>',
        '  <div>Line<br>break</div>',
        '</body></html>',
      ].join('\n');
      const job = await completed('page.html', html);
      const text = 'Welcome\nHello bold world & friends.\nFirst\nSecond\nNot a link\nc1 c2\nLine\nbreak';
      expect(job.extractedText).toBe(text);
      expect(job.metadata).toEqual({ title: 'My Page', linkCount: 2, characters: text.length, ...whole(text) });
    });

    it('reads .htm files, and a page without a title', async () => {
      const job = await completed('bare.htm', '<p>Just <i>this</i></p>');
      expect(job.extractedText).toBe('Just this');
      expect(job.metadata).toEqual({ title: null, linkCount: 0, characters: 9, ...whole('Just this') });
    });
  });

  describe('Markdown', () => {
    it('extracts the text without markup, the outline of headings and the links', async () => {
      const markdown = [
        '# Title',
        '',
        'Intro with a [link](https://example.com) and `code`.',
        '',
        '## Section *one*',
        '',
        '- item one',
        '- item [two][ref]',
        '',
        '```js',
        'const x = 1;',
        '```',
        '',
        '| a | b |',
        '|---|---|',
        '| 1 | 2 |',
        '',
        '### Deep <em>html</em>',
        '',
        '[ref]: https://example.com/ref',
        '',
      ].join('\n');
      const job = await completed('README.md', markdown);
      const text =
        'Title\nIntro with a link and code.\nSection one\nitem one\nitem two\nconst x = 1;\na\tb\n1\t2\nDeep html';
      expect(job.extractedText).toBe(text);
      expect(job.metadata).toEqual({
        headings: [
          { level: 1, text: 'Title' },
          { level: 2, text: 'Section one' },
          { level: 3, text: 'Deep html' },
        ],
        headingCount: 3,
        linkCount: 2,
        lines: 20,
        characters: markdown.length,
        ...whole(text),
      });
    });

    it('reads .markdown files', async () => {
      const job = await completed('notes.markdown', 'Setext heading\n==============\n\nbody\n');
      expect(job.extractedText).toBe('Setext heading\nbody');
      expect(job.metadata).toMatchObject({ headings: [{ level: 1, text: 'Setext heading' }], linkCount: 0, lines: 4 });
    });
  });
});
