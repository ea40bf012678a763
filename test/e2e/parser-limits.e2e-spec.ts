import { uploadUntilSettled } from '../support/api-helpers';
import { denseDocxFile, docxFile, pdfFile } from '../support/binary-samples';
import { databaseLabel } from '../support/database';
import { type TestApp, useTestApp } from '../support/test-app';

const JOB = `query($id: ID!) {
  job(id: $id) { status errorCode errorMessage errorRecoverable retryCount extractedText }
}`;

/** The heap each parser thread may use here: ample for real documents of a few pages, not for a ZIP bomb. */
const HEAP_MB = 64;

/**
 * Each PDF and DOCX is parsed in a thread whose heap is capped (maxParserHeapMb): a file whose parse needs more fails
 * alone, FILE_TOO_LARGE, not retried, and the service goes on with the next job.
 */
describe(`Parsers within a heap of their own (${databaseLabel})`, () => {
  let service: TestApp;
  useTestApp({ queue: { maxParserHeapMb: HEAP_MB } }, (started) => ({ service } = started));

  const finished = (name: string, content: Buffer) => uploadUntilSettled(service, { name, content }, JOB, 60_000);

  it.each([
    // A DOCX of under 200 KB whose main part inflates to 24 MB of XML.
    ['a DOCX whose XML needs', 'bomb.docx', () => denseDocxFile(24)],
    // 2 MB of one-word list items: 2.6 million tokens (4 MB took markdown-it to 1.2 GB of heap, 16 MB out of memory).
    ['a Markdown file whose tokens need', 'list.md', async () => Buffer.from('- a\n'.repeat(512 * 1024))],
  ])('fails %s more heap than that, FILE_TOO_LARGE at its first attempt', async (_what, name, content) => {
    const file = await content();
    expect(file.length).toBeLessThan(4_000_000);
    expect(await finished(name, file)).toEqual({
      status: 'FAILED',
      errorCode: 'FILE_TOO_LARGE',
      errorMessage: `${name} is too large to parse: its parse needs more than the ${HEAP_MB} MB a parser may use (maxParserHeapMb)`,
      errorRecoverable: false,
      retryCount: 0,
      extractedText: null,
    });
  });

  it('reads a DOCX, a PDF and a Markdown file of a few pages within the same heap, after those that did not fit', async () => {
    const created = new Date('2024-05-06T07:08:09Z');
    const docx = await docxFile({ paragraphs: ['Within bounds', 'Second paragraph'], created, modified: created });
    expect(await finished('small.docx', docx)).toMatchObject({
      status: 'COMPLETED',
      extractedText: 'Within bounds\n\nSecond paragraph',
    });
    const pdf = await pdfFile({ pages: ['Page one', 'Page two'] });
    expect(await finished('small.pdf', pdf)).toMatchObject({
      status: 'COMPLETED',
      extractedText: 'Page one\fPage two',
    });
    const markdown = Buffer.from('# Title\n\n- one\n- two\n');
    expect(await finished('small.md', markdown)).toMatchObject({
      status: 'COMPLETED',
      extractedText: 'Title\none\ntwo',
    });
  });
});
